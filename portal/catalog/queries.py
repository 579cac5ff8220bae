"""Read helpers and access gates for courses: what a signed-in person may open.

A learner sees published courses only, through their live version. Drafts and archived
courses answer 404 to them, exactly like a course that does not exist, so nothing can be
found by guessing a slug. Trainers and administrators may also open drafts (to preview).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from portal.catalog.frozen import CourseRef, VersionView, version_view
from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.extensions import db
from portal.progress.models import CourseCompletion

__all__ = [
    "can_preview",
    "course_titles",
    "get_course_or_404",
    "get_item_or_404",
    "missing_prerequisites",
    "open_course",
]

#: Roles that may open a course that is not published (to author and preview it).
PREVIEW_ROLES = ("trainer", "admin")


def can_preview(user) -> bool:
    """Return whether *user* may open drafts and archived courses."""
    return getattr(user, "role", None) in PREVIEW_ROLES


def _is_live(status: str, live_version_id: int | None) -> bool:
    return status == "published" and live_version_id is not None


def _version_shown(course_id: int, status: str, live_version_id: int | None, user) -> int:
    """Return the id of the version of a course *user* reads, or abort with 404.

    Everyone reads the live version of a published course. Trainers and administrators may
    also open a course that is not published: its live version, else its latest one.
    """
    if _is_live(status, live_version_id):
        return live_version_id
    if not can_preview(user):
        abort(404)
    if live_version_id is not None:
        return live_version_id
    latest = db.session.scalar(
        select(CourseVersion.id).where(CourseVersion.course_id == course_id)
        .order_by(CourseVersion.number.desc()).limit(1))
    if latest is None:
        abort(404)
    return latest


def get_course_or_404(slug: str, user) -> tuple[Course, CourseVersion]:
    """Return the course called *slug* and the version *user* reads, or abort with 404.

    Learners and managers get the live (published) version; trainers and administrators
    get the live version too, or the latest version of a course never published.
    The version's items are loaded with it (one extra query), without their texts.

    :param slug: the course slug from the URL
    :param user: the signed-in user
    :raises NotFound: no such course, or one *user* may not see
    """
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    version_id = _version_shown(course.id, course.status, course.live_version_id, user)
    version = db.session.scalar(
        select(CourseVersion).where(CourseVersion.id == version_id)
        # Lesson texts are the bulk of a version (tens of KB of JSON) and the pages that use
        # this (quizzes, marking a lesson read, reports) never show them; the lesson page
        # reads them through open_course's cache.
        .options(selectinload(CourseVersion.items).defer(CourseItem.body))
    )
    return course, version


def _course_by_slug():
    """The course and its live version's identity, by slug (built once: see open_course).

    Written on the tables, not the mapped classes: the ORM has nothing to load here, and
    a plain Core statement executes in half the time.
    """
    course, version = Course.__table__.c, CourseVersion.__table__.c
    return (select(course.id, course.slug, course.status, course.live_version_id,
                   version.number, version.content_hash, version.published_at)
            .select_from(Course.__table__.outerjoin(
                CourseVersion.__table__, version.id == course.live_version_id))
            .where(course.slug == bindparam("slug")))


_COURSE_BY_SLUG = _course_by_slug()


def open_course(slug: str, user) -> tuple[CourseRef, VersionView]:
    """Return the course called *slug* and the version *user* reads, for the pages that show it.

    The same rules as :func:`get_course_or_404` (:func:`_version_shown`), in one statement
    when the version is published (its content then comes from the process's cache: see
    :mod:`portal.catalog.frozen`).

    :raises NotFound: no such course, or one *user* may not see
    """
    row = db.session.execute(_COURSE_BY_SLUG, {"slug": slug}).one_or_none()
    if row is None:
        abort(404)
    course = CourseRef(row.id, row.slug, row.status)
    version_id = _version_shown(row.id, row.status, row.live_version_id, user)
    # What identifies the content for the cache (see portal.catalog.frozen); previews of
    # what learners cannot see are read afresh.
    key = (row.id, row.number, row.content_hash, row.published_at) \
        if _is_live(row.status, row.live_version_id) else None
    version = version_view(version_id, key)
    if version is None:
        abort(404)
    return course, version


def course_titles(slugs) -> dict[str, dict[str, str]]:
    """Return slug → title of the courses called *slugs* that exist (the title of the live
    version; the slug itself for a course never published)."""
    if not slugs:
        return {}
    return {slug: title or {"vi": slug} for slug, title in db.session.execute(
        select(Course.slug, CourseVersion.title)
        .outerjoin(CourseVersion, CourseVersion.id == Course.live_version_id)
        .where(Course.slug.in_(list(slugs))))}


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
