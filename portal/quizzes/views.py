"""Quiz pages: the rules and past attempts, taking an attempt, the review, the statistics.

Every page works without JavaScript: the attempt is one form whose "Save" and "Submit"
buttons post it; ``static/js/quiz.js`` only adds an autosave to :func:`autosave` and a
countdown. The time limit is enforced here, on the server, whatever the page shows.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.catalog.models import Course, CourseItem
from portal.catalog.queries import (
    can_preview,
    get_course_or_404,
    get_item_or_404,
    missing_prerequisites,
)
from portal.db import utcnow
from portal.extensions import db
from portal.quizzes import services
from portal.quizzes.forms import (
    QUESTION_TYPE_LABELS,
    AttemptForm,
    answers_from_form,
    question_view,
)
from portal.quizzes.models import Attempt
from portal.quizzes.stats import MIN_ATTEMPTS, quiz_statistics
from portal.security import login_required, roles_required

bp = Blueprint("quizzes", __name__, url_prefix="/courses")

#: Roles that see a quiz's question statistics.
STATISTICS_ROLES = ("trainer", "admin")


def _lang() -> str:
    return str(get_locale() or "vi")


def _quiz_or_404(course_slug: str, quiz_slug: str) -> tuple[Course, CourseItem]:
    course, version = get_course_or_404(course_slug, current_user)
    return course, get_item_or_404(version, quiz_slug, "quiz")


def _attempt_or_404(course_slug: str, quiz_slug: str, attempt_id: int) -> tuple[Course, Attempt]:
    """Return the course and the signed-in user's attempt, or 404 (also for anyone else's)."""
    course, _version = get_course_or_404(course_slug, current_user)
    attempt = db.session.scalar(select(Attempt).where(
        Attempt.id == attempt_id, Attempt.user_id == current_user.id,
        Attempt.course_id == course.id, Attempt.quiz_slug == quiz_slug))
    if attempt is None:
        abort(404)
    return course, attempt


def _quiz_url(course: Course, slug: str) -> str:
    return url_for("quizzes.quiz", course=course.slug, quiz=slug)


def _attempt_url(course: Course, attempt: Attempt) -> str:
    return url_for("quizzes.attempt", course=course.slug, quiz=attempt.quiz_slug,
                   attempt_id=attempt.id)


def _check_csrf() -> None:
    if not AttemptForm().validate_on_submit():
        abort(400)


@bp.route("/<course>/quizzes/<quiz>")
@login_required
def quiz(course: str, quiz: str):
    """The quiz's rules, the learner's past attempts and a button to start or continue."""
    course_row, item = _quiz_or_404(course, quiz)
    attempts = services.list_attempts(current_user, item)
    if services.close_expired_attempts(current_user, attempts):
        db.session.commit()
        flash(_("Time ran out on your attempt: it was graded on the answers saved in time."),
              "info")
    missing = [] if can_preview(current_user) else missing_prerequisites(current_user,
                                                                          item.version)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    return render_template(
        "quizzes/quiz.html", course=course_row, version=item.version, quiz=item,
        attempts=attempts, best=services.best_attempt(attempts), open_attempt=open_attempt,
        left=services.attempts_left(item, attempts), missing=missing, form=AttemptForm(),
        can_see_statistics=current_user.role in STATISTICS_ROLES,
    )


@bp.route("/<course>/quizzes/<quiz>/attempts", methods=["POST"])
@login_required
def start(course: str, quiz: str):
    """Start an attempt (or reopen the one already open) and go to it."""
    course_row, item = _quiz_or_404(course, quiz)
    _check_csrf()
    try:
        result = services.start_attempt(current_user, item)
    except services.QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(_quiz_url(course_row, quiz))
    url = _attempt_url(course_row, result.attempt)  # before the commit expires them
    db.session.commit()
    if not result.is_new:
        flash(_("You already have an attempt open: here it is."), "info")
    return redirect(url)


@bp.route("/<course>/quizzes/<quiz>/attempts/<int:attempt_id>")
@login_required
def attempt(course: str, quiz: str, attempt_id: int):
    """The attempt: its questions to answer while open, the review once submitted."""
    course_row, row = _attempt_or_404(course, quiz, attempt_id)
    if services.is_expired(row):
        services.submit_attempt(current_user, row)
        db.session.commit()
        flash(_("Time ran out on this attempt: it was graded on the answers saved in time."),
              "info")
    if row.submitted_at is not None:
        return _review(course_row, row)
    return _take(course_row, row)


def _take(course: Course, attempt: Attempt, *, error: str | None = None, status: int = 200):
    """Render the open attempt's form with the answers saved so far."""
    lang = _lang()
    now = utcnow()
    views = [question_view(row, lang) for row in services.list_attempt_questions(attempt)]
    seconds_left = None
    if attempt.deadline_at is not None:
        seconds_left = max(0, int((attempt.deadline_at - now).total_seconds()))
    return render_template(
        "quizzes/attempt.html", course=course, version=attempt.quiz.version, quiz=attempt.quiz,
        attempt=attempt, questions=views, seconds_left=seconds_left, error=error,
        form=AttemptForm(),
    ), status


def _review(course: Course, attempt: Attempt):
    """Render a submitted attempt as the quiz's ``feedback`` setting allows."""
    item = attempt.quiz
    attempts = services.list_attempts(current_user, item)
    best = services.best_attempt(attempts)
    has_passed = best is not None and bool(best.is_passed)
    is_open = any(a.submitted_at is None for a in attempts)
    mode = item.feedback
    details = mode == "after_submit" or (mode == "after_pass" and has_passed)
    # The right answers only once they can no longer help in another attempt.
    reveal = details and not is_open and (
        has_passed or services.attempts_left(item, attempts) == 0)
    views = []
    if details:
        views = [question_view(row, _lang(), review=True, reveal=reveal)
                 for row in services.list_attempt_questions(attempt)]
    return render_template(
        "quizzes/review.html", course=course, version=item.version, quiz=item,
        attempt=attempt, best=best, questions=views, details=details, reveal=reveal,
        mode=mode, has_passed=has_passed,
    )


def _posted_answers(attempt: Attempt) -> dict[int, list[str]]:
    """Return the answers the request posted for *attempt*.

    :raises InvalidAnswer: on a field naming a question or pair the attempt does not have
    """
    return answers_from_form(services.list_attempt_questions(attempt), request.form)


@bp.route("/<course>/quizzes/<quiz>/attempts/<int:attempt_id>/save", methods=["POST"])
@login_required
def save(course: str, quiz: str, attempt_id: int):
    """Save the answers and come back to the attempt (the "Save" button)."""
    course_row, row = _attempt_or_404(course, quiz, attempt_id)
    _check_csrf()
    try:
        services.save_answers(current_user, row, _posted_answers(row))
    except services.InvalidAnswer as exc:
        db.session.rollback()
        return _take(course_row, row, error=str(exc), status=400)
    except services.TimeUp as exc:
        db.session.rollback()
        services.submit_attempt(current_user, row)
        db.session.commit()
        flash(str(exc), "error")
        return redirect(_attempt_url(course_row, row))
    except services.AttemptClosed as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(_attempt_url(course_row, row))
    db.session.commit()
    flash(_("Your answers are saved."), "success")
    return redirect(_attempt_url(course_row, row))


@bp.route("/<course>/quizzes/<quiz>/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(course: str, quiz: str, attempt_id: int):
    """Save the answers and submit the attempt for grading (once, however often it is posted)."""
    course_row, row = _attempt_or_404(course, quiz, attempt_id)
    _check_csrf()
    late = False
    try:
        services.save_answers(current_user, row, _posted_answers(row))
    except services.InvalidAnswer as exc:
        db.session.rollback()
        return _take(course_row, row, error=str(exc), status=400)
    except services.TimeUp:
        db.session.rollback()  # graded on what was saved in time
        late = True
    except services.AttemptClosed:
        db.session.rollback()
        flash(_("This attempt was already submitted; its grade is unchanged."), "info")
        return redirect(_attempt_url(course_row, row))
    result = services.submit_attempt(current_user, row)
    url = _attempt_url(course_row, row)  # before the commit expires them
    db.session.commit()
    if not result.is_graded:
        flash(_("This attempt was already submitted; its grade is unchanged."), "info")
    elif late:
        flash(_("Time ran out before you submitted: the answers saved in time were graded."),
              "error")
    else:
        flash(_("Your attempt is submitted."), "success")
    if result.completion is not None:
        flash(_("Well done: you have completed this course."), "success")
    return redirect(url)


@bp.route("/<course>/quizzes/<quiz>/attempts/<int:attempt_id>/autosave", methods=["POST"])
@login_required
def autosave(course: str, quiz: str, attempt_id: int):
    """Save the answers from ``quiz.js`` (the CSRF token in ``X-CSRFToken``); answer JSON."""
    course_row, row = _attempt_or_404(course, quiz, attempt_id)
    _check_csrf()
    try:
        services.save_answers(current_user, row, _posted_answers(row))
    except services.InvalidAnswer as exc:
        db.session.rollback()
        return jsonify(saved=False, message=str(exc)), 400
    except services.AttemptClosed as exc:
        db.session.rollback()
        return jsonify(saved=False, closed=True, message=str(exc),
                       url=_attempt_url(course_row, row)), 409
    db.session.commit()
    now = utcnow()
    return jsonify(saved=True, saved_at=now.isoformat(),
                   message=_("Saved at %(time)s.", time=format_time(now, "short")))


@bp.route("/<course>/quizzes/<quiz>/statistics")
@roles_required(*STATISTICS_ROLES)
def statistics(course: str, quiz: str):
    """For trainers: how each question of the quiz performed."""
    course_row, item = _quiz_or_404(course, quiz)
    return render_template("quizzes/statistics.html", course=course_row, version=item.version,
                           quiz=item, stats=quiz_statistics(item, _lang()),
                           QUESTION_TYPE_LABELS=QUESTION_TYPE_LABELS, min_attempts=MIN_ATTEMPTS)
