"""Studio pages for a quiz's questions: one form per type, GIFT in and out, statistics and
the two ways of fixing a published question (in the next version, or a regraded correction).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.authoring.access import (
    bp,
    get_course_or_404,
    get_item_or_404,
    get_question_or_404,
)
from portal.authoring.forms import GiftForm
from portal.authoring.question_forms import TYPE_HINTS, form_for, questions_from_form
from portal.authoring.questions import (
    GiftPreview,
    add_question,
    correct_published,
    delete_question,
    draft_twin,
    export_gift,
    move_question,
    preview_gift,
    save_gift,
    update_question,
)
from portal.authoring.reports import question_lines
from portal.authoring.services import EditConflict, StudioError
from portal.authoring.views import _button_or_400, set_lock, studio
from portal.catalog.models import CourseItem
from portal.extensions import db
from portal.forms import EmptyForm, attach_error
from portal.quizzes.forms import QUESTION_TYPE_LABELS
from portal.quizzes.models import QuizQuestion
from portal.quizzes.questions import TYPES
from portal.quizzes.stats import MIN_ATTEMPTS, quiz_statistics


def _quiz_url(quiz: CourseItem) -> str:
    return url_for("authoring.item", course=quiz.version.course.slug, item_id=quiz.id)


def _question_url(course, row: QuizQuestion) -> str:
    return url_for("authoring.question", course=course.slug, question_id=row.id)


def _render(course, quiz, qtype, form, row=None, status=200, **extra):
    return render_template(
        "authoring/question.html", course=course, quiz=quiz, row=row, qtype=qtype, form=form,
        type_label=QUESTION_TYPE_LABELS.get(qtype, qtype), hint=TYPE_HINTS.get(qtype),
        editable=quiz.version.status == "draft", button=EmptyForm(), **extra), status


@bp.route("/courses/<course>/items/<int:item_id>/questions/new", methods=["GET", "POST"])
@studio
def new_question(course: str, item_id: int):
    """Add a question of the type chosen to a draft quiz."""
    course_row = get_course_or_404(course)
    quiz = get_item_or_404(course_row, item_id, "quiz")
    qtype = request.values.get("type", "single_choice")
    if qtype not in TYPES:
        abort(404)
    if quiz.version.status != "draft":
        flash(_("This version is published and frozen: start a new version to change it."),
              "error")
        return redirect(_quiz_url(quiz))
    if request.method == "GET":
        return _render(course_row, quiz, qtype, form_for(qtype, extra=4))
    form = form_for(qtype, formdata=request.form)
    if form.more.data:
        return _render(course_row, quiz, qtype, form_for(qtype, formdata=request.form,
                                                           extra=4))
    if form.validate_on_submit() and (pair := questions_from_form(form, qtype)):
        try:
            add_question(quiz, pair[0], pair[1], current_user)
        except StudioError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("Question added."), "success")
            return redirect(_quiz_url(quiz) + "#questions")
    return _render(course_row, quiz, qtype, form, status=422)


def _attach(form, exc: StudioError) -> None:
    """Show a service error at its field, or with the question's other problems."""
    if exc.field:
        attach_error(form, exc)
    else:
        form.problems = [*form.problems, str(exc)]


@bp.route("/courses/<course>/questions/<int:question_id>", methods=["GET", "POST"])
@studio
def question(course: str, question_id: int):
    """Edit a question of a draft; see a published one and the ways to fix it."""
    course_row = get_course_or_404(course)
    row = get_question_or_404(course_row, question_id)
    quiz = row.quiz
    vi, en = row.question("vi"), (row.question("en") if "en" in row.data else None)
    if request.method == "GET":
        form = form_for(row.qtype, vi=vi, en=en, lock=row.lock_version)
        return _render(course_row, quiz, row.qtype, form, row=row,
                       lines=question_lines(vi))
    form = form_for(row.qtype, formdata=request.form)
    if form.more.data:
        return _render(course_row, quiz, row.qtype,
                       form_for(row.qtype, formdata=request.form, extra=4), row=row)
    status, theirs = 422, None
    if quiz.version.status != "draft":
        flash(_("This version is published and frozen: start a new version to change it."),
              "error")
    elif form.validate_on_submit() and (pair := questions_from_form(form, row.qtype)):
        try:
            update_question(row, pair[0], pair[1], form.lock.data)
        except EditConflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status, theirs = 409, db.session.get(QuizQuestion, question_id)
            if theirs is None:
                abort(404)
            set_lock(form, theirs.lock_version)
        except StudioError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(_quiz_url(quiz) + "#questions")
    theirs_lines = question_lines(theirs.question("vi")) if theirs is not None else None
    return _render(course_row, quiz, row.qtype, form, row=row, status=status,
                   theirs=theirs_lines)


@bp.route("/courses/<course>/questions/<int:question_id>/correct", methods=["POST"])
@studio
def correct(course: str, question_id: int):
    """Correct a published question's answer key now, regrading every attempt at it."""
    course_row = get_course_or_404(course)
    row = get_question_or_404(course_row, question_id)
    quiz = row.quiz
    form = form_for(row.qtype, formdata=request.form)
    status = 422
    if quiz.version.status == "draft":
        flash(_("This question is in a draft: just edit it."), "info")
        return redirect(_question_url(course_row, row))
    if form.validate_on_submit() and (pair := questions_from_form(form, row.qtype)):
        try:
            report = correct_published(course_row, row, pair[0], pair[1], form.lock.data,
                                       current_user)
        except EditConflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status = 409
            set_lock(form, db.session.get(QuizQuestion, question_id).lock_version)
        except StudioError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("Question corrected. %(attempts)d submitted attempts were regraded; "
                    "%(changed)d scores changed, %(passed)d attempts now pass and %(failed)d "
                    "no longer pass.", attempts=report.attempts, changed=report.changed,
                    passed=report.newly_passed, failed=report.newly_failed), "success")
            return redirect(_question_url(course_row, row))
    return _render(course_row, quiz, row.qtype, form, row=row, status=status,
                   lines=question_lines(row.question("vi")), correcting=True)


@bp.route("/courses/<course>/questions/<int:question_id>/next-version", methods=["POST"])
@studio
def fix_in_draft(course: str, question_id: int):
    """Open the question in the course's draft (starting one), to fix it for the next version."""
    course_row = get_course_or_404(course)
    row = get_question_or_404(course_row, question_id)
    _button_or_400()
    twin = draft_twin(course_row, row, current_user)
    db.session.commit()
    if twin is None:
        flash(_("The draft no longer has this question."), "error")
        return redirect(url_for("authoring.course", course=course_row.slug))
    return redirect(_question_url(course_row, twin))


@bp.route("/courses/<course>/questions/<int:question_id>/move", methods=["POST"])
@studio
def move_q(course: str, question_id: int):
    """Move a question up or down in its quiz."""
    course_row = get_course_or_404(course)
    row = get_question_or_404(course_row, question_id)
    _button_or_400()
    quiz = row.quiz
    try:
        move_question(row, -1 if request.form.get("direction") == "up" else 1)
    except StudioError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(_quiz_url(quiz) + "#questions")


@bp.route("/courses/<course>/questions/<int:question_id>/delete", methods=["POST"])
@studio
def delete_q(course: str, question_id: int):
    """Remove a question from a draft quiz."""
    course_row = get_course_or_404(course)
    row = get_question_or_404(course_row, question_id)
    _button_or_400()
    quiz = row.quiz
    try:
        delete_question(row, current_user)
    except StudioError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Question removed."), "success")
    return redirect(_quiz_url(quiz) + "#questions")


@bp.route("/courses/<course>/items/<int:item_id>/gift", methods=["GET", "POST"])
@studio
def gift(course: str, item_id: int):
    """Paste or upload GIFT; see the questions read (errors at their line); then save."""
    course_row = get_course_or_404(course)
    quiz = get_item_or_404(course_row, item_id, "quiz")
    form = GiftForm()
    preview: GiftPreview | None = None
    status = 200
    if request.method == "POST" and quiz.version.status != "draft":
        flash(_("This version is published and frozen: start a new version to change it."),
              "error")
        status = 422
    elif request.method == "POST" and form.validate_on_submit():
        upload = request.files.get("upload")
        if upload is not None and upload.filename:
            raw = upload.stream.read(1_000_001)
            try:
                form.text.data = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.upload.errors = [*form.upload.errors,
                                      _("The file is not UTF-8 text.")]
                return _gift_page(course_row, quiz, form, None, 422)
        lang = form.lang.data if form.lang.data in ("vi", "en") else "vi"
        replace = bool(form.replace.data) and lang == "vi"
        if form.save.data:
            try:
                preview = save_gift(quiz, form.text.data or "", lang, replace, current_user)
            except StudioError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return _gift_page(course_row, quiz, form, None, 422)
            if preview.ok:
                db.session.commit()
                flash(ngettext("%(num)d question saved.", "%(num)d questions saved.",
                               len(preview.questions)), "success")
                return redirect(_quiz_url(quiz) + "#questions")
            db.session.rollback()
        else:
            preview = preview_gift(quiz, form.text.data or "", lang, replace)
        status = 200 if preview.ok else 422
    elif request.method == "POST":
        status = 422
    return _gift_page(course_row, quiz, form, preview, status)


def _gift_page(course, quiz, form, preview, status):
    return render_template("authoring/gift.html", course=course, quiz=quiz, form=form,
                           preview=preview, question_lines=question_lines,
                           editable=quiz.version.status == "draft"), status


@bp.route("/courses/<course>/items/<int:item_id>/gift/<lang>")
@studio
def gift_export(course: str, item_id: int, lang: str):
    """Download the quiz's questions as a GIFT file, in Vietnamese or English."""
    course_row = get_course_or_404(course)
    quiz = get_item_or_404(course_row, item_id, "quiz")
    if lang not in ("vi", "en"):
        abort(404)
    try:
        text = export_gift(quiz, lang)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(_quiz_url(quiz))
    suffix = ".en.gift" if lang == "en" else ".gift"
    name = f"{quiz.position:02d}-{quiz.slug}{suffix}"
    return Response(text, mimetype="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/courses/<course>/items/<int:item_id>/statistics")
@studio
def statistics(course: str, item_id: int):
    """How each question of a quiz performed, with a way to fix each one."""
    course_row = get_course_or_404(course)
    quiz = get_item_or_404(course_row, item_id, "quiz")
    stats = quiz_statistics(quiz, str(get_locale() or "vi"))
    return render_template("authoring/statistics.html", course=course_row, quiz=quiz,
                           stats=stats, min_attempts=MIN_ATTEMPTS,
                           type_labels=QUESTION_TYPE_LABELS)
