"""Regrading: correct a question's answer key and regrade every attempt that drew it.

When a trainer finds a wrong answer key in a published quiz, :func:`correct_question`
replaces the key (in every language, keeping the question's type, name and number of choices
or pairs, so that stored responses keep their meaning), regrades the submitted attempts that
drew it, recomputes each learner's pass with their best attempt (a completion already
recorded stays), and writes the change to the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.models import User
from portal.catalog.loader import answer_key
from portal.db import utcnow
from portal.extensions import db
from portal.progress.services import record_quiz_result
from portal.quizzes.models import Attempt, AttemptQuestion, QuizQuestion
from portal.quizzes.questions import Question
from portal.quizzes.services import (
    CHOICE_TYPES,
    SCORE_DECIMALS,
    InvalidCorrection,
    RegradeReport,
    _passes,
    _user_passes,
    grade_values,
)

logger = logging.getLogger(__name__)

__all__ = ["correct_question"]


def _shape(question: Question) -> tuple[int, int]:
    """Return what stored responses and choice orders depend on: choice and pair counts.

    Short answers and numbers are stored as typed, so their answer lists may change freely.
    """
    choices = len(question.answers) if question.type in CHOICE_TYPES else 0
    return choices, len(question.pairs)


def _corrected(quiz_question: QuizQuestion,
               data_by_lang: Mapping[str, Question | Mapping[str, Any]]) -> dict[str, Question]:
    """Return the corrected question in every language after checking it may replace the old.

    :raises InvalidCorrection: with every problem found
    """
    problems: list[str] = []
    if "vi" not in data_by_lang:
        raise InvalidCorrection([_("The Vietnamese question is required.")])
    questions: dict[str, Question] = {}
    for lang, data in data_by_lang.items():
        if lang not in ("vi", "en"):
            problems.append(_("Unknown language %(lang)s.", lang=repr(lang)))
            continue
        try:
            question = data if isinstance(data, Question) else Question.from_dict(dict(data))
        except (TypeError, ValueError) as exc:
            problems.append(_("The %(lang)s question cannot be read: %(error)s", lang=lang,
                              error=str(exc)))
            continue
        problems += [f"{lang}: {problem}" for problem in question.validate()]
        questions[lang] = question
    if problems:
        raise InvalidCorrection(problems)
    old = quiz_question.question("vi")
    # Languages not corrected keep their text, as long as they still share the answer key.
    for lang in quiz_question.data:
        if lang not in questions:
            questions[lang] = quiz_question.question(lang)
    vi = questions["vi"]
    for lang, question in questions.items():
        if question.type != old.type:
            problems.append(_("%(lang)s: the question type cannot change in a correction.",
                              lang=lang))
        elif _shape(question) != _shape(old):
            problems.append(_("%(lang)s: a correction keeps the number of answers and pairs, so "
                              "that the answers learners gave keep their meaning.", lang=lang))
        elif question.name != quiz_question.name:
            problems.append(_("%(lang)s: the question name must stay %(name)s.", lang=lang,
                              name=quiz_question.name))
        elif lang != "vi" and answer_key(question) != answer_key(vi):
            problems.append(_("%(lang)s: its right answers or weights differ from the "
                              "Vietnamese question's; correct both.", lang=lang))
    if problems:
        raise InvalidCorrection(problems)
    return questions


def correct_question(quiz_question: QuizQuestion,
                     data_by_lang: Mapping[str, Question | Mapping[str, Any]], actor: User,
                     *, now: datetime | None = None) -> RegradeReport:
    """Replace a question's answer key and regrade every submitted attempt that drew it.

    Scores and pass/fail are recomputed (each attempt against the pass mark it was graded
    with), each affected learner's result is recorded again from their best attempt (a lost
    pass is removed; a course completion is never taken back), and the regrade is written to
    the audit log. Open attempts simply grade with the new key when they are submitted.

    :param quiz_question: the stored question to correct
    :param data_by_lang: language → the corrected :class:`Question` or its ``to_dict()`` data;
        ``"vi"`` is required; a language left out keeps its text and must share the new key
    :param actor: the trainer or administrator making the correction
    :param now: the time of the correction; defaults to now
    :return: what changed
    :raises InvalidCorrection: when the corrected question is invalid, changes type, name or the
        number of answers, or its translations disagree on the answer key
    """
    now = now or utcnow()
    questions = _corrected(quiz_question, data_by_lang)
    quiz_question.data = {lang: question.to_dict() for lang, question in questions.items()}
    rows = list(db.session.scalars(
        select(AttemptQuestion).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(AttemptQuestion.question_id == quiz_question.id,
               Attempt.submitted_at.is_not(None))
        .options(selectinload(AttemptQuestion.attempt))))
    for row in rows:
        row.fraction, _shown = grade_values(quiz_question, row.response)
    db.session.flush()
    attempts = {row.attempt_id: row.attempt for row in rows}
    totals = dict(db.session.execute(
        select(AttemptQuestion.attempt_id, func.coalesce(func.avg(AttemptQuestion.fraction), 0))
        .where(AttemptQuestion.attempt_id.in_(list(attempts)))
        .group_by(AttemptQuestion.attempt_id)).all()) if attempts else {}
    changed = newly_failed = newly_passed = 0
    for attempt_id, attempt in attempts.items():
        score = round(100.0 * float(totals.get(attempt_id, 0.0)), SCORE_DECIMALS)
        passed = _passes(score, attempt.pass_mark)
        if abs(score - (attempt.score or 0.0)) > 10 ** -SCORE_DECIMALS:
            changed += 1
        newly_failed += bool(attempt.is_passed and not passed)
        newly_passed += bool(passed and not attempt.is_passed)
        attempt.score, attempt.is_passed = score, passed
    db.session.flush()
    learners = {(a.user_id, a.course_id, a.quiz_slug): a for a in attempts.values()}
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([key[0] for key in learners])))} if learners else {}
    for (user_id, course_id, quiz_slug), attempt in learners.items():
        record_quiz_result(users[user_id], attempt.quiz,
                           passed=_user_passes(user_id, course_id, quiz_slug), now=now)
    report = RegradeReport(attempts=len(attempts), changed=changed, learners=len(learners),
                           newly_failed=newly_failed, newly_passed=newly_passed,
                           attempt_ids=tuple(sorted(attempts)))
    audit.record("quiz.regraded", actor=actor, obj=quiz_question,
                 quiz_id=quiz_question.quiz_id, question=quiz_question.name,
                 attempts=report.attempts, changed=report.changed, learners=report.learners,
                 newly_failed=newly_failed, newly_passed=newly_passed)
    logger.info("Question %s corrected by %s: %s attempts regraded, %s changed",
                quiz_question.id, getattr(actor, "id", None), report.attempts, report.changed)
    return report
