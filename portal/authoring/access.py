"""The studio's blueprint and its access gates: the course, lesson, quiz or question in a URL.

Every studio page is for trainers and administrators only (``roles_required`` on each view).
A gate returns the object named in the URL only when it belongs to the course named there,
and the same 404 otherwise, so no id can be reached through another course's address.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.catalog.models import Course, CourseItem, CourseMedia, CourseVersion
from portal.catalog.views import media_url
from portal.extensions import db
from portal.quizzes.models import QuizQuestion

bp = Blueprint("authoring", __name__, url_prefix="/studio")

#: Who may use the studio.
STUDIO_ROLES = ("trainer", "admin")

STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
    "superseded": _l("Superseded"),
}


bp.add_app_template_global(STATUS_LABELS, "STATUS_LABELS")


def get_course_or_404(slug: str) -> Course:
    """Return the course called *slug*, whatever its status, with its versions; else 404."""
    course = db.session.scalar(select(Course).where(Course.slug == slug)
                               .options(selectinload(Course.versions)))
    if course is None:
        abort(404)
    return course


def working_version(course: Course) -> CourseVersion:
    """Return the version the studio shows: the draft, else the live, else the latest one."""
    latest = course.versions[-1]
    if latest.status == "draft":
        return latest
    return course.live_version or latest


def get_version_or_404(course: Course, number: int) -> CourseVersion:
    """Return version *number* of *course*, or 404."""
    version = next((v for v in course.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def get_item_or_404(course: Course, item_id: int, kind: str | None = None) -> CourseItem:
    """Return the lesson or quiz *item_id* of any version of *course*, or 404."""
    item = db.session.scalar(
        select(CourseItem).join(CourseVersion, CourseVersion.id == CourseItem.version_id)
        .where(CourseItem.id == item_id, CourseVersion.course_id == course.id))
    if item is None or (kind is not None and item.kind != kind):
        abort(404)
    return item


def get_question_or_404(course: Course, question_id: int) -> QuizQuestion:
    """Return the question *question_id* of a quiz of *course*, or 404."""
    question = db.session.scalar(
        select(QuizQuestion).join(CourseItem, CourseItem.id == QuizQuestion.quiz_id)
        .join(CourseVersion, CourseVersion.id == CourseItem.version_id)
        .where(QuizQuestion.id == question_id, CourseVersion.course_id == course.id))
    if question is None:
        abort(404)
    return question


def media_urls(version: CourseVersion) -> dict[str, str]:
    """Return the URL of each media file of *version*, by name (one query)."""
    return {m.name: media_url(m.sha256, m.blob.content_type) for m in db.session.scalars(
        select(CourseMedia).where(CourseMedia.version_id == version.id)
        .options(selectinload(CourseMedia.blob)))}
