"""Question statistics for trainers, as Moodle's quiz statistics report computes them.

For each question of a quiz, over the submitted attempts that drew it:

- **facility index**: the mean fraction scored, in percent; high means easy;
- **discrimination index**: the correlation, in percent, between the fraction scored on the
  question and the rest of the attempt's score (the sum of its other questions' fractions).
  Moodle's formula: ``100 · cov(x, y) / √(var(x) · var(y))`` with sample (n − 1) variances;
  none when there are fewer than two attempts or either variance is zero. Above 30% a question
  separates strong and weak learners well; near zero or negative it needs looking at;
- **how often each choice was picked** (for typed answers, the commonest answers).

The sums behind the first two are computed by the database in one grouped query; the whole
report is a fixed number of queries (four) however many questions and attempts there are.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import Integer, case, func, select

from portal.catalog.models import CourseItem
from portal.extensions import db
from portal.quizzes.forms import render_text
from portal.quizzes.models import Attempt, AttemptQuestion, QuizQuestion
from portal.quizzes.services import grade_values
from portal.text import squash

__all__ = ["MIN_ATTEMPTS", "ChoiceCount", "QuestionStats", "QuizStatistics", "quiz_statistics"]

#: Below this many submitted attempts the figures are shown with a warning.
MIN_ATTEMPTS = 5
#: Typed answers listed per short-answer or numerical question.
TOP_TYPED = 5
_EPSILON = 1e-12


@dataclass(frozen=True)
class ChoiceCount:
    """How often one choice (or typed answer, or right match) was given."""

    label: Markup
    count: int
    #: Whether this choice earns marks (a positive weight, a right typed answer).
    is_right: bool = False
    #: The choice's weight in percent (choices only).
    weight: float | None = None


@dataclass
class QuestionStats:
    """The figures for one question of the pool."""

    question: QuizQuestion
    text: Markup
    #: Submitted attempts that drew the question.
    attempts: int = 0
    #: Mean fraction, percent; ``None`` before any attempt.
    facility: float | None = None
    #: Correlation with the rest of the attempt, percent; ``None`` when it cannot be computed.
    discrimination: float | None = None
    #: Standard deviation of the fraction, percent.
    sd: float | None = None
    unanswered: int = 0
    #: ``choices`` (picked per answer), ``typed`` (commonest answers) or ``matching``
    #: (matched right per item).
    kind: str = "choices"
    choices: list[ChoiceCount] = field(default_factory=list)

    @property
    def is_weak(self) -> bool:
        """Return whether the discrimination index suggests a question worth reviewing."""
        return self.discrimination is not None and self.discrimination < 20


@dataclass(frozen=True)
class QuizStatistics:
    """The whole report."""

    quiz: CourseItem
    #: Submitted attempts counted.
    attempts: int
    #: Mean score and share of passing attempts, percent (``None`` before any attempt).
    mean_score: float | None
    pass_rate: float | None
    questions: list[QuestionStats]

    @property
    def is_reliable(self) -> bool:
        """Return whether there are enough attempts to trust the figures."""
        return self.attempts >= MIN_ATTEMPTS


def _moments(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float
             ) -> tuple[float | None, float | None]:
    """Return the standard deviation of x and the discrimination index, both in percent."""
    if n < 2:
        return None, None
    var_x = max(0.0, (sxx - sx * sx / n) / (n - 1))
    var_y = max(0.0, (syy - sy * sy / n) / (n - 1))
    cov = (sxy - sx * sy / n) / (n - 1)
    sd = 100.0 * math.sqrt(var_x)
    if var_x * var_y <= _EPSILON:
        return sd, None
    return sd, max(-100.0, min(100.0, 100.0 * cov / math.sqrt(var_x * var_y)))


def _is_blank(values: list[str] | None) -> bool:
    return not values or not any(values)


def _choice_counts(stats: QuestionStats, responses: list[list[str] | None], lang: str) -> None:
    """Fill in how often each choice was given, from the saved responses."""
    stored = stats.question
    question = stored.question(lang)
    picked: Counter[str] = Counter(v for values in responses if values for v in values)
    stats.unanswered = sum(1 for values in responses if _is_blank(values))
    if question.type in ("single_choice", "multiple_response"):
        stats.choices = [
            ChoiceCount(render_text(answer.text, question.format), picked[str(index)],
                        is_right=answer.fraction > 0, weight=answer.fraction)
            for index, answer in enumerate(question.answers)
        ]
    elif question.type == "true_false":
        stats.choices = [
            ChoiceCount(escape(_("True")), picked["true"], is_right=bool(question.correct)),
            ChoiceCount(escape(_("False")), picked["false"],
                        is_right=question.correct is False),
        ]
    elif question.type == "matching":
        stats.kind = "matching"
        right = Counter(index for values in responses if values
                        for index, value in enumerate(values) if value == str(index))
        # A pair matched with another pair of the same right-hand text is right too.
        for values in responses:
            for index, value in enumerate(values or []):
                if (value and value != str(index) and value.isdigit()
                        and int(value) < len(question.pairs)
                        and question.pairs[int(value)].right == question.pairs[index].right):
                    right[index] += 1
        stats.choices = [
            ChoiceCount(render_text(pair.left, question.format), right[index], is_right=True)
            for index, pair in enumerate(question.pairs) if pair.left
        ]
    else:
        stats.kind = "typed"
        typed: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for values in responses:
            if _is_blank(values):
                continue
            key = squash(values[0])
            typed[key] += 1
            shown.setdefault(key, values[0])
        stats.choices = [
            ChoiceCount(escape(shown[key]), count,
                        is_right=grade_values(stored, [shown[key]])[0] > 0)
            for key, count in sorted(typed.items(), key=lambda item: (-item[1], item[0]))[
                :TOP_TYPED]
        ]


def quiz_statistics(quiz: CourseItem, lang: str = "vi") -> QuizStatistics:
    """Return the statistics of *quiz* (this version's question pool and attempts).

    :param quiz: the quiz item
    :param lang: the language to show question and choice texts in (falls back to Vietnamese)
    """
    submitted = (Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
    count, mean, passes = db.session.execute(
        select(func.count(Attempt.id), func.avg(Attempt.score),
               func.sum(case((Attempt.is_passed.is_(True), 1), else_=0)).cast(Integer))
        .where(*submitted)).one()
    pool = list(db.session.scalars(
        select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)
        .order_by(QuizQuestion.position)))

    totals = (select(AttemptQuestion.attempt_id.label("attempt_id"),
                     func.sum(func.coalesce(AttemptQuestion.fraction, 0.0)).label("total"))
              .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
              .where(*submitted).group_by(AttemptQuestion.attempt_id).subquery())
    x = func.coalesce(AttemptQuestion.fraction, 0.0)
    y = totals.c.total - x
    sums = {row[0]: row[1:] for row in db.session.execute(
        select(AttemptQuestion.question_id, func.count(), func.sum(x), func.sum(y),
               func.sum(x * x), func.sum(y * y), func.sum(x * y))
        .join(totals, totals.c.attempt_id == AttemptQuestion.attempt_id)
        .group_by(AttemptQuestion.question_id))}

    responses: dict[int, list[list[str] | None]] = {}
    for question_id, response in db.session.execute(
            select(AttemptQuestion.question_id, AttemptQuestion.response)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(*submitted)
            .order_by(AttemptQuestion.id)):
        responses.setdefault(question_id, []).append(response)

    questions = []
    for stored in pool:
        shown = stored.question(lang)
        stats = QuestionStats(stored, render_text(shown.text, shown.format))
        if stored.id in sums:
            n, sx, sy, sxx, syy, sxy = sums[stored.id]
            values = [float(v or 0.0) for v in (sx, sy, sxx, syy, sxy)]
            stats.attempts = int(n)
            stats.facility = 100.0 * values[0] / n if n else None
            stats.sd, stats.discrimination = _moments(int(n), *values)
        _choice_counts(stats, responses.get(stored.id, []), lang)
        questions.append(stats)
    return QuizStatistics(
        quiz=quiz, attempts=int(count or 0),
        mean_score=float(mean) if mean is not None else None,
        pass_rate=100.0 * (passes or 0) / count if count else None,
        questions=questions,
    )
