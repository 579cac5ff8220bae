"""The course library: catalogue, course page, lesson reader, and the images lessons use."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal.catalog.models import Course, CourseItem, CourseVersion, MediaBlob
from portal.catalog.queries import (
    can_preview,
    course_titles,
    get_course_or_404,
    get_item_or_404,
    open_course,
)
from portal.catalog.specs import JOB_ROLES
from portal.extensions import db, limiter
from portal.forms import EmptyForm
from portal.progress.queries import summaries_for
from portal.progress.services import course_progress, mark_lesson_read
from portal.security import login_required, public
from portal.text import escape_like, fold

bp = Blueprint("catalog", __name__)

#: How long browsers and proxies may keep an image: its URL changes when its content does.
MEDIA_MAX_AGE = 365 * 24 * 3600
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def _lang() -> str:
    return str(get_locale() or "vi")


def media_url(blob_hash: str, content_type: str) -> str:
    """Return the URL an image is served from: its content hash, so it can be cached forever."""
    return url_for("catalog.media", name=f"{blob_hash}.{_EXTENSIONS.get(content_type, 'bin')}")


def quiz_url(course_slug: str, quiz_slug: str) -> str:
    """Return the quiz page's URL (the contract fixes it: ``/courses/<course>/quizzes/<quiz>``)."""
    return url_for("quizzes.quiz", course=course_slug, quiz=quiz_slug)


def item_url(course_slug: str, item: CourseItem) -> str:
    """Return the page of a lesson or quiz."""
    if item.is_quiz:
        return quiz_url(course_slug, item.slug)
    return url_for("catalog.lesson", course=course_slug, lesson=item.slug)


@bp.app_context_processor
def _helpers():
    return {"item_url": item_url, "quiz_url": quiz_url}


@bp.route("/courses")
@public
def catalogue():
    """Every published course, with search, a job-role filter and the learner's progress."""
    query = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") or ""
    if role not in JOB_ROLES:
        role = ""
    stmt = (
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.id == Course.live_version_id)
        .where(Course.status == "published")
        .order_by(CourseVersion.position, Course.slug)
    )
    if query:
        for word in fold(query).split():
            stmt = stmt.where(
                CourseVersion.search_text.like(f"%{escape_like(word)}%", escape="\\"))
    if role:
        stmt = stmt.where(or_(CourseVersion.audience_roles == "",
                              CourseVersion.audience_roles.like(f"%|{role}|%")))
    rows = db.session.execute(stmt).all()
    progress = summaries_for(current_user, [course for course, _version in rows])
    return render_template("catalog/catalogue.html", rows=rows, progress=progress,
                           query=query, role=role, job_roles=JOB_ROLES)


@bp.route("/courses/<course>")
@login_required
def course(course: str):
    """A course: its lessons and quizzes with the learner's state, and where to continue."""
    course_row, version = open_course(course, current_user)
    progress = course_progress(current_user, version)
    next_item = next((item for item in version.items if not progress.is_done(item)), None)
    missing = _missing(version, progress)
    titles = course_titles(missing)
    return render_template("catalog/course.html", course=course_row, version=version,
                           progress=progress, next_item=next_item,
                           missing=[(slug, titles[slug]) for slug in missing if slug in titles])


def _missing(version, progress) -> list[str]:
    """Return the slugs of the courses that keep the current user out (trainers may preview)."""
    if can_preview(current_user):
        return []
    return progress.missing_requires(version.requires)


def _lesson_context(course_slug: str, lesson_slug: str):
    course_row, version = get_course_or_404(course_slug, current_user)
    lesson = get_item_or_404(version, lesson_slug, "lesson")
    return course_row, version, lesson


@bp.route("/courses/<course>/<lesson>")
@login_required
def lesson(course: str, lesson: str):
    """A lesson to read, with its contents, reading time and a "mark as read" button."""
    course_row, version = open_course(course, current_user)
    item = version.item(lesson, "lesson")
    if item is None:
        abort(404)
    progress = course_progress(current_user, version)
    if _missing(version, progress):
        flash(_("Complete the courses this one requires before you start it."), "error")
        return redirect(url_for("catalog.course", course=course))
    rendered, fallback = version.lesson_html(item, _lang(), media_url)
    index = version.items.index(item)
    previous = version.items[index - 1] if index > 0 else None
    following = version.items[index + 1] if index + 1 < len(version.items) else None
    return render_template(
        "catalog/lesson.html", course=course_row, version=version, lesson=item,
        rendered=rendered, body_fallback=fallback, progress=progress, previous=previous,
        following=following, form=EmptyForm(),
        sources=(item.sources.get("en") if _lang() == "en" else None) or item.sources.get("vi"),
    )


@bp.route("/courses/<course>/<lesson>/complete", methods=["POST"])
@login_required
def complete(course: str, lesson: str):
    """Mark a lesson as read (idempotent), then go on to the next step."""
    course_row, version, item = _lesson_context(course, lesson)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if _missing(version, course_progress(current_user, version)):
        flash(_("Complete the courses this one requires before you start it."), "error")
        return redirect(url_for("catalog.course", course=course))
    completion = mark_lesson_read(current_user, item)
    db.session.commit()
    if completion is not None:
        flash(_("Well done: you have completed this course."), "success")
        return redirect(url_for("catalog.course", course=course))
    flash(_("Marked as read."), "success")
    progress = course_progress(current_user, version)
    index = version.items.index(item)
    upcoming = [i for i in version.items[index + 1:] + version.items[:index]
                if not progress.is_done(i)]
    if upcoming:
        return redirect(item_url(course, upcoming[0]))
    return redirect(url_for("catalog.course", course=course))


@bp.route("/media/<name>")
@public
@limiter.exempt
def media(name: str):
    """Serve a lesson image by content hash, cacheable for a year (its URL never changes)."""
    digest, _dot, extension = name.partition(".")
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        abort(404)
    blob = db.session.get(MediaBlob, digest)
    if blob is None or _EXTENSIONS.get(blob.content_type) != extension:
        abort(404)
    if request.if_none_match.contains(digest):
        response = make_response("", 304)  # the browser has it: skip loading the bytes
    else:
        response = make_response(
            db.session.scalar(select(MediaBlob.data).where(MediaBlob.sha256 == digest)))
        response.headers["Content-Type"] = blob.content_type
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}, immutable"
    response.set_etag(digest)
    return response
