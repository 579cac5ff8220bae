"""Read helpers and access gates for courses: what a signed-in person may open.

A learner sees published courses only, through their live version. Drafts and archived
courses answer 404 to them, exactly like a course that does not exist, so nothing can be
found by guessing a slug. Trainers and administrators may also open drafts (to preview).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.extensions import db
from portal.progress.models import CourseCompletion

__all__ = [
    "can_preview",
    "get_course_or_404",
    "get_item_or_404",
    "missing_prerequisites",
]

#: Roles that may open a course that is not published (to author and preview it).
PREVIEW_ROLES = ("trainer", "admin")


def can_preview(user) -> bool:
    """Return whether *user* may open drafts and archived courses."""
    return getattr(user, "role", None) in PREVIEW_ROLES


def get_course_or_404(slug: str, user) -> tuple[Course, CourseVersion]:
    """Return the course called *slug* and the version *user* reads, or abort with 404.

    Learners and managers get the live (published) version; trainers and administrators
    get the live version too, or the latest version of a course never published.
    The version's items are loaded with it (one extra query).

    :param slug: the course slug from the URL
    :param user: the signed-in user
    :raises NotFound: no such course, or one *user* may not see
    """
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    version_id = course.live_version_id
    if course.status != "published" or version_id is None:
        if not can_preview(user) or not course.versions:
            abort(404)
        version_id = version_id or course.versions[-1].id
    version = db.session.scalar(
        select(CourseVersion).where(CourseVersion.id == version_id)
        .options(selectinload(CourseVersion.items))
    )
    return course, version


def get_item_or_404(version: CourseVersion, slug: str, kind: str) -> CourseItem:
    """Return the lesson or quiz *slug* of *version*, or abort with 404.

    :param kind: ``"lesson"`` or ``"quiz"``; an item of the other kind is not found
    """
    item = next((i for i in version.items if i.slug == slug and i.kind == kind), None)
    if item is None:
        abort(404)
    return item


def missing_prerequisites(user, version: CourseVersion) -> list[Course]:
    """Return the courses *version* requires that *user* has not completed yet.

    :return: those courses in the order ``requires`` lists them (unknown slugs are skipped)
    """
    if not version.requires:
        return []
    done = set(db.session.scalars(
        select(Course.slug).join(CourseCompletion, CourseCompletion.course_id == Course.id)
        .where(CourseCompletion.user_id == user.id, Course.slug.in_(version.requires))))
    missing = [slug for slug in version.requires if slug not in done]
    if not missing:
        return []
    courses = {c.slug: c for c in db.session.scalars(
        select(Course).where(Course.slug.in_(missing))
        .options(selectinload(Course.live_version)))}
    return [courses[slug] for slug in missing if slug in courses]
