"""The rules of taking a quiz: starting, saving, submitting, grading and regrading attempts.

Plain functions taking models and returning models; they flush and never commit, so a view
commits once and a crash mid-request leaves nothing half-written. Two rules are enforced by the
database rather than by a check-then-act in Python, because two tabs or a double click must not
get round them:

- an attempt's ``number`` is unique per learner and quiz, so two requests racing for the last
  allowed attempt cannot both insert one (:func:`start_attempt`);
- an attempt is graded by whoever flips ``submitted_at`` from NULL with a conditional UPDATE
  (:func:`submit_attempt`); every other submit sees zero rows changed and grades nothing. Saving
  answers takes the same row lock first (:func:`save_answers`), so answers cannot change under a
  submission that is grading them.

Grading uses the Vietnamese question, whose answer key every translation shares; short answers,
whose accepted spellings differ by language, accept the spellings of every language.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.catalog.models import CourseItem
from portal.catalog.queries import can_preview, missing_prerequisites
from portal.db import utcnow
from portal.extensions import db
from portal.progress.services import record_quiz_result
from portal.quizzes.grading import GradeResult, InvalidResponse, grade, parse_response
from portal.quizzes.models import Attempt, AttemptQuestion, QuizQuestion
from portal.quizzes.questions import Question
from portal.text import nfc

logger = logging.getLogger(__name__)

__all__ = [
    "AttemptClosed",
    "AttemptConflict",
    "AttemptLimitReached",
    "InvalidAnswer",
    "InvalidCorrection",
    "NoQuestions",
    "PrerequisitesMissing",
    "QuizError",
    "RegradeReport",
    "StartResult",
    "SubmitResult",
    "TimeUp",
    "attempts_left",
    "best_attempt",
    "close_expired_attempts",
    "grade_values",
    "is_expired",
    "list_attempt_questions",
    "list_attempts",
    "save_answers",
    "start_attempt",
    "submit_attempt",
]

#: Question types whose values are indexes of the question's answers.
CHOICE_TYPES = ("single_choice", "multiple_response")
#: Question types whose value is typed text.
TYPED_TYPES = ("short_answer", "numerical")
#: Scores are stored with this many decimals; pass marks are compared with a hair of slack so
#: that 3 × 33.333…% is 100%.
SCORE_DECIMALS = 4
_SLACK = 1e-9
_random = random.SystemRandom()


# --------------------------------------------------------------------------- errors


class QuizError(Exception):
    """A quiz rule refused an action; ``str(error)`` is a message for the learner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PrerequisitesMissing(QuizError):
    """The learner has not completed the courses this one requires."""

    def __init__(self, courses: list) -> None:
        super().__init__(_("Complete the courses this one requires before you take its quiz."))
        #: The courses still to complete, in the order the course lists them.
        self.courses = courses


class AttemptLimitReached(QuizError):
    """Every attempt the quiz allows has been used."""

    def __init__(self, allowed: int) -> None:
        super().__init__(_("You have used all %(num)d attempts this quiz allows.", num=allowed))


class AttemptConflict(QuizError):
    """Another request started an attempt at the same moment (the unique number refused ours)."""

    def __init__(self) -> None:
        super().__init__(_("Another attempt was started at the same moment. Open the quiz page "
                           "and try again."))


class NoQuestions(QuizError):
    """The quiz has no questions to draw."""

    def __init__(self) -> None:
        super().__init__(_("This quiz has no questions yet."))


class AttemptClosed(QuizError):
    """The attempt was submitted: its answers can no longer change."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("This attempt has been submitted; its answers can no "
                                      "longer change."))


class TimeUp(AttemptClosed):
    """The attempt's time limit has run out: nothing more is saved."""

    def __init__(self) -> None:
        super().__init__(_("Time is up: answers given after the time limit are not saved."))


class InvalidAnswer(QuizError):
    """A posted value does not belong to its question (a forged or stale form)."""

    def __init__(self, position: int | None) -> None:
        if position is None:
            message = _("The form sent an answer to a question that is not in this attempt. "
                        "Nothing was saved; reload the page and try again.")
        else:
            message = _("The answer sent for question %(num)d is not one of its choices. Nothing "
                        "was saved; reload the page and try again.", num=position)
        super().__init__(message)
        #: The question's place in the attempt, or ``None`` for an unknown question.
        self.position = position


class InvalidCorrection(QuizError):
    """A corrected question cannot replace the stored one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class StartResult:
    """What :func:`start_attempt` did."""

    attempt: Attempt
    #: False when an attempt already open was returned instead of a new one.
    is_new: bool


@dataclass(frozen=True)
class SubmitResult:
    """What :func:`submit_attempt` did."""

    attempt: Attempt
    #: True when this call graded the attempt; False when it had been submitted already.
    is_graded: bool
    #: The course completion this grade brought about, if any.
    completion: Any = None


@dataclass(frozen=True)
class RegradeReport:
    """What :func:`correct_question` changed."""

    #: Submitted attempts that drew the question.
    attempts: int
    #: Of those, attempts whose score changed.
    changed: int
    #: Learners whose result was recomputed.
    learners: int
    #: Attempts that passed before and fail now, and the reverse.
    newly_failed: int = 0
    newly_passed: int = 0
    attempt_ids: tuple[int, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- reading


def list_attempts(user, quiz: CourseItem) -> list[Attempt]:
    """Return *user*'s attempts at *quiz*, in every version of its course, oldest first.

    :param user: the learner
    :param quiz: the quiz item (any version; attempts are counted by course and quiz slug)
    """
    return list(db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id,
                              Attempt.course_id == quiz.version.course_id,
                              Attempt.quiz_slug == quiz.slug)
        .order_by(Attempt.number)))


def best_attempt(attempts: Sequence[Attempt]) -> Attempt | None:
    """Return the attempt that counts: a passing one first, then the highest score, then the first.

    :param attempts: a learner's attempts at one quiz (open ones are ignored)
    :return: the best submitted attempt, or ``None`` when none was submitted
    """
    graded = [a for a in attempts if a.submitted_at is not None]
    if not graded:
        return None
    return min(graded, key=lambda a: (not a.is_passed, -(a.score or 0.0), a.number))


def attempts_left(quiz: CourseItem, attempts: Sequence[Attempt]) -> int | None:
    """Return how many more attempts *quiz* allows after *attempts*; ``None``: unlimited."""
    if not quiz.max_attempts:
        return None
    return max(0, quiz.max_attempts - len(attempts))


def is_expired(attempt: Attempt, now: datetime | None = None) -> bool:
    """Return whether *attempt* is open and its time limit has run out."""
    return (attempt.submitted_at is None and attempt.deadline_at is not None
            and (now or utcnow()) >= attempt.deadline_at)


def _check_owner(user, attempt: Attempt) -> None:
    if attempt.user_id != user.id:
        raise ValueError(f"attempt {attempt.id} is not user {user.id}'s")


# --------------------------------------------------------------------------- grading


def _values_for(question: Question, values: Sequence[str]) -> list[str]:
    """Return stored *values* as :func:`parse_response` takes them for *question*.

    Matching values are stored as the index of the chosen pair, so that they mean the same in
    every language and survive a corrected spelling; grading wants the right-hand text.

    :raises InvalidResponse: on a matching value that is not a pair's index
    """
    if question.type != "matching":
        return list(values)
    texts = []
    for value in values:
        if value == "":
            texts.append("")
            continue
        if not (isinstance(value, str) and value.isdigit() and len(value) < 6
                and int(value) < len(question.pairs)):
            raise InvalidResponse(f"not a pair of this question: {value!r}")
        texts.append(question.pairs[int(value)].right)
    return texts


def _grade_in(question: Question, values: Sequence[str] | None) -> GradeResult:
    """Grade stored *values* against *question*; values it cannot read score as unanswered."""
    if values is None:
        return grade(question, None)
    try:
        return grade(question, parse_response(question, _values_for(question, values)))
    except InvalidResponse:
        return grade(question, None)


def grade_values(quiz_question: QuizQuestion, values: Sequence[str] | None,
                 lang: str = "vi") -> tuple[float, GradeResult]:
    """Grade the values saved for *quiz_question*.

    :param quiz_question: the question as stored (every language)
    :param values: the saved values (``AttemptQuestion.response``), ``None`` when unanswered
    :param lang: the language whose feedback the result should carry
    :return: the fraction that counts (0..1; the Vietnamese answer key, or for short answers the
        best over every language) and the grade in *lang*, for its feedback
    """
    shown = _grade_in(quiz_question.question(lang), values)
    if quiz_question.qtype == "short_answer":
        fraction = max(_grade_in(quiz_question.question(code), values).fraction
                       for code in quiz_question.data)
    elif lang == "vi" or lang not in quiz_question.data:
        fraction = shown.fraction
    else:
        fraction = _grade_in(quiz_question.question("vi"), values).fraction
    return fraction, shown


def _score(fractions: Sequence[float]) -> float:
    """Return the attempt's score in percent: the mean of its questions' fractions."""
    if not fractions:
        return 0.0
    return round(100.0 * sum(fractions) / len(fractions), SCORE_DECIMALS)


def _passes(score: float, pass_mark: int) -> bool:
    return score + _SLACK >= pass_mark


# --------------------------------------------------------------------------- starting


def _choice_order(quiz_question: QuizQuestion, shuffle: bool,
                  rng: random.Random) -> list[int] | None:
    """Return the order to show the choices in, or ``None`` for as written.

    Matching options are always shuffled, as in Moodle: in written order they would line up
    with their stems and give the answer away. Duplicated right-hand texts are offered once.
    """
    question = quiz_question.question("vi")
    if question.type == "matching":
        seen: dict[str, int] = {}
        for index, pair in enumerate(question.pairs):
            seen.setdefault(pair.right, index)
        order = list(seen.values())
        rng.shuffle(order)
        return order
    if shuffle and question.type in CHOICE_TYPES:
        order = list(range(len(question.answers)))
        rng.shuffle(order)
        return order
    return None


def close_expired_attempts(user, attempts: Sequence[Attempt], *,
                           now: datetime | None = None) -> list[Attempt]:
    """Grade *user*'s open attempts whose time has run out, on the answers saved in time.

    Called whenever a learner's attempts are seen again, so a learner who closed the tab still
    gets a grade.

    :return: the attempts this call graded
    """
    now = now or utcnow()
    graded = []
    for attempt in attempts:
        if is_expired(attempt, now) and submit_attempt(user, attempt, now=now).is_graded:
            graded.append(attempt)
    return graded


def _open_attempt(user, quiz: CourseItem) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user.id,
                              Attempt.course_id == quiz.version.course_id,
                              Attempt.quiz_slug == quiz.slug, Attempt.submitted_at.is_(None))
        .order_by(Attempt.number.desc()).limit(1))


def start_attempt(user, quiz: CourseItem, *, now: datetime | None = None,
                  rng: random.Random | None = None) -> StartResult:
    """Start an attempt at *quiz*, or return the one *user* already has open.

    Draws ``quiz.draw`` questions (all when 0) at random from the pool, shuffles them and
    their choices when ``quiz.shuffle`` is on, and stores the draw with the attempt, so that a
    reload shows the same questions. An open attempt whose time ran out is graded first.

    :param user: the learner
    :param quiz: the quiz item, in the version being read
    :param now: the start time; defaults to now
    :param rng: the random source (tests pass a seeded one); defaults to the system's
    :return: the attempt, and whether it is new
    :raises PrerequisitesMissing: when *user* has not completed the required courses
    :raises AttemptLimitReached: when every allowed attempt has been used
    :raises AttemptConflict: when a concurrent request took the same attempt number (the
        session has been rolled back)
    :raises NoQuestions: when the quiz has no questions
    """
    if not quiz.is_quiz:
        raise ValueError(f"{quiz!r} is not a quiz")
    now = now or utcnow()
    rng = rng or _random
    if not can_preview(user):
        missing = missing_prerequisites(user, quiz.version)
        if missing:
            raise PrerequisitesMissing(missing)
    attempts = list_attempts(user, quiz)
    close_expired_attempts(user, attempts, now=now)
    for attempt in reversed(attempts):
        if attempt.submitted_at is None:
            return StartResult(attempt, False)
    left = attempts_left(quiz, attempts)
    if left == 0:
        raise AttemptLimitReached(quiz.max_attempts)
    pool = list(quiz.questions)
    if not pool:
        raise NoQuestions()
    count = min(quiz.draw or len(pool), len(pool))
    drawn = rng.sample(pool, count)
    if not quiz.shuffle:
        drawn.sort(key=lambda question: question.position)
    attempt = Attempt(
        user_id=user.id, quiz_id=quiz.id, course_id=quiz.version.course_id,
        quiz_slug=quiz.slug, number=max((a.number for a in attempts), default=0) + 1,
        started_at=now, pass_mark=quiz.pass_mark,
        deadline_at=now + timedelta(minutes=quiz.time_limit) if quiz.time_limit else None,
    )
    attempt.questions = [
        AttemptQuestion(position=index, question_id=question.id, question=question,
                        choice_order=_choice_order(question, bool(quiz.shuffle), rng))
        for index, question in enumerate(drawn, start=1)
    ]
    db.session.add(attempt)
    try:
        db.session.flush()
    except IntegrityError:
        # Two requests computed the same number: the unique constraint let one through.
        db.session.rollback()
        existing = _open_attempt(user, quiz)
        if existing is not None:
            return StartResult(existing, False)
        if quiz.max_attempts and len(list_attempts(user, quiz)) >= quiz.max_attempts:
            raise AttemptLimitReached(quiz.max_attempts) from None
        raise AttemptConflict() from None
    logger.info("User %s started attempt %s (#%s) at quiz %s", user.id, attempt.id,
                attempt.number, quiz.slug)
    return StartResult(attempt, True)


# --------------------------------------------------------------------------- saving


def _lock_open(attempt: Attempt) -> bool:
    """Take the attempt's row lock if it is still open; return whether it is.

    A no-op UPDATE rather than SELECT … FOR UPDATE, because SQLite has no FOR UPDATE: on both
    databases it waits for a concurrent submission to finish and then sees it.
    """
    result = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(number=Attempt.number).execution_options(synchronize_session=False))
    return result.rowcount == 1


def clean_values(quiz_question: QuizQuestion, values: Sequence[str]) -> list[str]:
    """Return the values to store for *quiz_question*, after checking they belong to it.

    :param values: as posted: answer indexes (choices), ``true``/``false``, typed text, or for
        matching one pair index (or ``""``) per pair
    :return: the values, typed text NFC-normalised; ``[]`` when nothing was answered
    :raises InvalidResponse: on a value that does not belong to the question
    """
    if not all(isinstance(value, str) for value in values):
        raise InvalidResponse("a posted value must be text")
    question = quiz_question.question("vi")
    values = list(values)
    if question.type in TYPED_TYPES:
        values = [nfc(value) for value in values]
        values = [value for value in values if value] if len(values) == 1 else values
    elif question.type == "matching":
        stems = {index for index, pair in enumerate(question.pairs) if pair.left}
        if len(values) == len(question.pairs) and any(
                value for index, value in enumerate(values) if index not in stems):
            raise InvalidResponse("a distractor has no answer")
        if not any(values):
            values = []
    parse_response(question, _values_for(question, values))
    return values


def save_answers(user, attempt: Attempt, answers: Mapping[int, Sequence[str]], *,
                 now: datetime | None = None) -> int:
    """Save *user*'s answers to the questions of an open *attempt*.

    Every value is checked against its question first; when one does not belong, nothing is
    saved. Answers arriving after the time limit are not saved.

    :param user: the learner the attempt belongs to
    :param attempt: the open attempt
    :param answers: question position in the attempt → the values posted for it
    :param now: when the answers arrived; defaults to now
    :return: how many questions' answers changed
    :raises TimeUp: when the time limit has run out
    :raises AttemptClosed: when the attempt was submitted (perhaps a moment ago, elsewhere)
    :raises InvalidAnswer: when a value does not belong to its question, or a position is not
        one of the attempt's questions
    """
    _check_owner(user, attempt)
    now = now or utcnow()
    if attempt.submitted_at is not None:
        raise AttemptClosed()
    if is_expired(attempt, now):
        raise TimeUp()
    rows = {row.position: row for row in list_attempt_questions(attempt)}
    cleaned: dict[int, list[str]] = {}
    for position, values in answers.items():
        row = rows.get(position)
        if row is None:
            raise InvalidAnswer(None)
        try:
            cleaned[position] = clean_values(row.question, values)
        except InvalidResponse:
            raise InvalidAnswer(position) from None
    if not _lock_open(attempt):
        raise AttemptClosed()
    changed = 0
    for position, values in cleaned.items():
        row = rows[position]
        if row.response != values:
            row.response = values
            row.saved_at = now
            changed += 1
    db.session.flush()
    return changed


def list_attempt_questions(attempt: Attempt, *, fresh: bool = False) -> list[AttemptQuestion]:
    """Return the attempt's questions with their stored questions (one query).

    :param fresh: reload them even when the session holds them, to read what other
        transactions committed
    """
    stmt = (select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
            .options(joinedload(AttemptQuestion.question)).order_by(AttemptQuestion.position))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return list(db.session.scalars(stmt).unique())


# --------------------------------------------------------------------------- submitting


def _user_passes(user_id: int, course_id: int, quiz_slug: str) -> bool:
    """Return whether the learner's best attempt passes (whether any submitted attempt does)."""
    return db.session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.user_id == user_id, Attempt.course_id == course_id,
            Attempt.quiz_slug == quiz_slug, Attempt.is_passed.is_(True))) > 0


def submit_attempt(user, attempt: Attempt, *, now: datetime | None = None) -> SubmitResult:
    """Submit and grade *attempt*, once, however many times it is submitted.

    The attempt is claimed with ``UPDATE … SET submitted_at = … WHERE id = … AND submitted_at IS
    NULL``; only the transaction that changes that row grades, on the answers saved before the
    time limit, and records the learner's result with the best attempt. A submission after the
    time limit is dated at the limit.

    :param user: the learner the attempt belongs to
    :param attempt: the attempt
    :param now: when it was submitted; defaults to now
    :return: the attempt (fresh from the database) and whether this call graded it
    """
    _check_owner(user, attempt)
    now = now or utcnow()
    when = min(now, attempt.deadline_at) if attempt.deadline_at is not None else now
    claim = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        # The check constraints want a score with submitted_at; the real one follows below,
        # in this same transaction, so nobody ever reads the placeholder.
        .values(submitted_at=when, score=0.0, is_passed=False)
        .execution_options(synchronize_session=False))
    if claim.rowcount != 1:
        db.session.refresh(attempt)
        return SubmitResult(attempt, False)
    rows = list_attempt_questions(attempt, fresh=True)
    fractions = []
    for row in rows:
        in_time = row.saved_at is None or attempt.deadline_at is None \
            or row.saved_at <= attempt.deadline_at
        fraction, _shown = grade_values(row.question, row.response if in_time else None)
        row.fraction = fraction
        fractions.append(fraction)
    score = _score(fractions)
    attempt.submitted_at = when
    attempt.score = score
    attempt.is_passed = _passes(score, attempt.pass_mark)
    db.session.flush()
    completion = record_quiz_result(
        user, attempt.quiz, passed=_user_passes(user.id, attempt.course_id, attempt.quiz_slug),
        now=when)
    logger.info("Attempt %s by user %s graded: %s%% (%s)", attempt.id, user.id, score,
                "passed" if attempt.is_passed else "not passed")
    return SubmitResult(attempt, True, completion)
