"""Studio pages for a course's steps: add, reorder and remove them; the lesson editor with its
preview and image upload; a quiz's settings and its list of questions.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.authoring.access import (
    bp,
    get_course_or_404,
    get_item_or_404,
    media_urls,
    working_version,
)
from portal.authoring.forms import ItemForm, LessonForm, QuizForm
from portal.authoring.media import add_image, image_markdown, remove_image
from portal.authoring.question_forms import TYPE_HINTS
from portal.authoring.reports import question_lines, text_diff
from portal.authoring.services import (
    EditConflict,
    LessonValues,
    StudioError,
    add_item,
    get_draft,
    move_item,
    remove_item,
    update_lesson,
    update_quiz,
)
from portal.authoring.views import _button_or_400, _course_url, set_lock, studio
from portal.catalog.models import CourseItem
from portal.catalog.specs import QuizSettings
from portal.extensions import db
from portal.forms import EmptyForm, attach_error
from portal.quizzes.forms import QUESTION_TYPE_LABELS
from portal.quizzes.questions import TYPES
from portal.rendering import CALLOUT_KINDS, render_markdown


def _item_url(item: CourseItem) -> str:
    return url_for("authoring.item", course=item.version.course.slug, item_id=item.id)


@bp.route("/courses/<course>/items", methods=["POST"])
@studio
def add(course: str):
    """Add a lesson or a quiz at the end of the draft, then open it."""
    course_row = get_course_or_404(course)
    draft = get_draft(course_row)
    form = ItemForm()
    if draft is None:
        flash(_("Start a new version before changing the course."), "error")
        return redirect(_course_url(course_row))
    if form.validate_on_submit():
        try:
            item = add_item(draft, form.kind.data, form.slug.data, {"vi": form.title_vi.data},
                            current_user)
        except StudioError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            return redirect(_item_url(item))
    return render_template("authoring/add_item.html", course=course_row, form=form), 422


@bp.route("/courses/<course>/items/<int:item_id>/move", methods=["POST"])
@studio
def move(course: str, item_id: int):
    """Move a step up or down."""
    course_row = get_course_or_404(course)
    item = get_item_or_404(course_row, item_id)
    _button_or_400()
    try:
        move_item(item, -1 if request.form.get("direction") == "up" else 1)
    except StudioError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(_course_url(course_row) + "#steps")


@bp.route("/courses/<course>/items/<int:item_id>/remove", methods=["GET", "POST"])
@studio
def remove(course: str, item_id: int):
    """Remove a step from the draft, after a confirmation."""
    course_row = get_course_or_404(course)
    item = get_item_or_404(course_row, item_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            remove_item(item, current_user)
        except StudioError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Removed from the draft."), "success")
        return redirect(_course_url(course_row))
    return render_template("authoring/remove_item.html", course=course_row, item=item,
                           form=form)


@bp.route("/courses/<course>/media/<name>/remove", methods=["POST"])
@studio
def remove_media(course: str, name: str):
    """Remove an image no lesson shows from the draft."""
    course_row = get_course_or_404(course)
    _button_or_400()
    draft = get_draft(course_row)
    try:
        if draft is None:
            raise StudioError(_("Start a new version before changing the course."))
        remove_image(draft, name, current_user)
    except StudioError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Image removed."), "success")
    return redirect(_course_url(course_row) + "#media")


@bp.route("/courses/<course>/items/<int:item_id>/preview", methods=["POST"])
@studio
def preview(course: str, item_id: int):
    """Render Markdown as learners will see it (for the editor's live preview)."""
    course_row = get_course_or_404(course)
    item = get_item_or_404(course_row, item_id, "lesson")
    text = request.form.get("text")
    if text is None and request.is_json:
        text = (request.get_json(silent=True) or {}).get("text")
    if not isinstance(text, str) or len(text) > 200_000:
        abort(400)
    return jsonify(html=str(render_markdown(text, media_urls(item.version).get).html))


@bp.route("/courses/<course>/items/<int:item_id>", methods=["GET", "POST"])
@studio
def item(course: str, item_id: int):
    """The lesson editor, or a quiz's settings and questions."""
    course_row = get_course_or_404(course)
    item_row = get_item_or_404(course_row, item_id)
    if item_row.is_quiz:
        return _quiz_page(course_row, item_row)
    return _lesson_page(course_row, item_row)


def _lesson_form(item: CourseItem) -> LessonForm:
    if request.method == "POST":
        return LessonForm()
    return LessonForm(formdata=None, data={
        "lock": item.lock_version, "title_vi": item.title.get("vi"),
        "title_en": item.title.get("en"), "minutes": item.minutes,
        "body_vi": item.body.get("vi", ""), "body_en": item.body.get("en", ""),
        "sources_vi": "\n".join(item.sources.get("vi", [])),
        "sources_en": "\n".join(item.sources.get("en", []))})


def _lesson_values(form: LessonForm) -> LessonValues:
    return LessonValues(
        title={"vi": form.title_vi.data, "en": form.title_en.data},
        body={"vi": form.body_vi.data or "", "en": form.body_en.data or ""},
        sources={"vi": (form.sources_vi.data or "").splitlines(),
                 "en": (form.sources_en.data or "").splitlines()},
        minutes=form.minutes.data)


def _lesson_page(course, item: CourseItem):
    form = _lesson_form(item)
    editable = item.version.status == "draft"
    status, theirs = 200, None
    if request.method == "POST":
        status = 422
        if not editable:
            flash(_("This version is published and frozen: start a new version to change "
                    "it."), "error")
        elif form.validate_on_submit() and not form.preview.data:
            try:
                if form.upload.data:
                    _insert_image(item, form)
                update_lesson(item, _lesson_values(form), form.lock.data)
            except EditConflict as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status, theirs = 409, db.session.get(CourseItem, item.id)
                if theirs is None:
                    abort(404)
                set_lock(form, theirs.lock_version)
            except StudioError as exc:
                db.session.rollback()
                attach_error(form, exc)
            else:
                db.session.commit()
                flash(_("Lesson saved."), "success")
                return redirect(_item_url(item))
        elif form.preview.data:
            status = 200
    media = media_urls(item.version)
    previews = {lang: render_markdown(getattr(form, f"body_{lang}").data or "", media.get)
                for lang in ("vi", "en")}
    conflict = None
    if theirs is not None:
        conflict = {lang: text_diff(theirs.body.get(lang, ""),
                                    getattr(form, f"body_{lang}").data or "")
                    for lang in ("vi", "en")}
    return render_template(
        "authoring/lesson.html", course=course, item=item, version=item.version, form=form,
        editable=editable, previews=previews, media=sorted(media), theirs=theirs,
        conflict=conflict, callouts=CALLOUT_KINDS, button=EmptyForm()), status


def _insert_image(item: CourseItem, form: LessonForm) -> None:
    """Store the uploaded image and add it at the end of the chosen language's text."""
    alt = (form.alt.data or "").strip()
    if not alt:
        raise StudioError(_("Say what the image shows: people who cannot see it hear this "
                            "text."), "alt")
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        raise StudioError(_("Choose an image file."), "image")
    data = upload.stream.read(5 * 1024 * 1024 + 1)
    media = add_image(item.version, upload.filename, data, current_user)
    field = form.body_en if form.insert_into.data == "en" else form.body_vi
    snippet = image_markdown(alt, media.name)
    field.data = ((field.data or "").rstrip() + "\n\n" + snippet + "\n").lstrip()
    flash(_("Image added as media/%(name)s. Move its line to where it belongs in the text.",
            name=media.name), "success")


def _quiz_form(item: CourseItem) -> QuizForm:
    if request.method == "POST":
        return QuizForm()
    return QuizForm(formdata=None, data={
        "lock": item.lock_version, "title_vi": item.title.get("vi"),
        "title_en": item.title.get("en"), "pass_mark": item.pass_mark,
        "attempts": item.max_attempts, "time_limit": item.time_limit, "draw": item.draw,
        "shuffle": item.shuffle, "feedback": item.feedback})


def _quiz_page(course, item: CourseItem):
    form = _quiz_form(item)
    editable = item.version.status == "draft"
    status, theirs = 200, None
    if request.method == "POST":
        status = 422
        if not editable:
            flash(_("This version is published and frozen: start a new version to change "
                    "it."), "error")
        elif form.validate_on_submit():
            settings = QuizSettings(pass_mark=form.pass_mark.data, attempts=form.attempts.data,
                                    time_limit=form.time_limit.data, draw=form.draw.data,
                                    shuffle=bool(form.shuffle.data),
                                    feedback=form.feedback.data)
            try:
                update_quiz(item, {"vi": form.title_vi.data, "en": form.title_en.data},
                            settings, form.lock.data)
            except EditConflict as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status, theirs = 409, db.session.get(CourseItem, item.id)
                set_lock(form, theirs.lock_version)
            except StudioError as exc:
                db.session.rollback()
                attach_error(form, exc)
            else:
                db.session.commit()
                flash(_("Quiz settings saved."), "success")
                return redirect(_item_url(item))
    rows = [(row, row.question("vi"), "en" in row.data) for row in item.questions]
    return render_template(
        "authoring/quiz.html", course=course, item=item, version=item.version, form=form,
        editable=editable, rows=rows, theirs=theirs, types=TYPES, hints=TYPE_HINTS,
        type_labels=QUESTION_TYPE_LABELS, question_lines=question_lines,
        button=EmptyForm()), status


def working_item(course, slug: str) -> CourseItem | None:
    """Return the step called *slug* in the course's working version."""
    version = working_version(course)
    return db.session.scalar(select(CourseItem).where(CourseItem.version_id == version.id,
                                                      CourseItem.slug == slug))


@bp.route("/courses/<course>/steps/<slug>")
@studio
def step(course: str, slug: str):
    """Open the step called *slug* in the course's working version (the draft, if any)."""
    course_row = get_course_or_404(course)
    found = working_item(course_row, slug)
    if found is None:
        abort(404)
    return redirect(_item_url(found))
