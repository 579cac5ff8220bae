"""The progress rules: reading lessons, passing quizzes, completing courses.

A course is complete when every lesson of its live version is marked read and every quiz in
it is passed. Reads and passes are kept by slug, so they carry over to a new version of the
course when the slug survives. Completion is recorded once per learner and course (a unique
constraint), with the version it was earned on, in the same transaction as the step that
completed it; a later version never takes a completion away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from blinker import Namespace
from flask import current_app
from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
    delete,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.db import utcnow
from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead, QuizPass

logger = logging.getLogger(__name__)

__all__ = [
    "CompletionInfo",
    "CourseProgress",
    "course_completed",
    "course_progress",
    "mark_lesson_read",
    "record_quiz_result",
]


#: Sent inside the transaction that records a course completion, with ``user``,
#: ``completion`` and ``now``; certification listens to issue what it earns.
course_completed = Namespace().signal("course-completed")


@dataclass(frozen=True, slots=True)
class CompletionInfo:
    """When a learner completed a course, and on which version."""

    completed_at: datetime
    version_id: int


@dataclass(frozen=True)
class CourseProgress:
    """How far one learner is in one course version."""

    #: Slugs of the version's lessons the learner has read.
    read: frozenset[str]
    #: Slugs of the version's quizzes the learner has passed.
    passed: frozenset[str]
    #: Items in the version (lessons and quizzes).
    total: int
    completion: CompletionInfo | None
    #: The courses the version requires that exist: slug → whether the learner completed it.
    prerequisites: dict[str, bool] = field(default_factory=dict)

    @property
    def done(self) -> int:
        """Return how many of the version's items are done."""
        return len(self.read) + len(self.passed)

    @property
    def percent(self) -> int:
        """Return progress as a whole percentage (100 once the course is complete)."""
        if self.completion is not None:
            return 100
        return (100 * self.done // self.total) if self.total else 0

    @property
    def is_started(self) -> bool:
        """Return whether the learner has done anything in the course."""
        return bool(self.done) or self.completion is not None

    def is_done(self, item) -> bool:
        """Return whether *item* is read (a lesson) or passed (a quiz)."""
        return item.slug in (self.passed if item.is_quiz else self.read)

    def missing_requires(self, requires) -> list[str]:
        """Return the slugs of the courses in *requires* (the version's list) that exist and
        the learner has not completed yet, in the order *requires* gives them."""
        return [slug for slug in requires if self.prerequisites.get(slug) is False]


def _progress_statements():
    """Build course_progress's two statements once (with and without prerequisites).

    Written on the tables, not the mapped classes: nothing is loaded as an object, and a
    plain Core statement executes in half the time.
    """
    user_id, course_id = bindparam("user_id"), bindparam("course_id")
    completions, reads, passes, courses = (model.__table__.c for model in (
        CourseCompletion, LessonRead, QuizPass, Course))
    parts = [
        # First, so that the union's third column reads as a date and time.
        select(literal_column("'c'"), cast(completions.version_id, String),
               completions.completed_at)
        .where(completions.user_id == user_id, completions.course_id == course_id),
        select(literal_column("'r'"), reads.lesson_slug, null())
        .where(reads.user_id == user_id, reads.course_id == course_id),
        select(literal_column("'p'"), passes.quiz_slug, null())
        .where(passes.user_id == user_id, passes.course_id == course_id),
    ]
    # Every required course that exists, with the learner's completion of it if any.
    prerequisites = (
        select(literal_column("'q'"), courses.slug, completions.completed_at)
        .select_from(Course.__table__.outerjoin(
            CourseCompletion.__table__,
            and_(completions.course_id == courses.id, completions.user_id == user_id)))
        .where(courses.slug.in_(bindparam("requires", expanding=True))))
    return union_all(*parts), union_all(*parts, prerequisites)


_PROGRESS, _PROGRESS_AND_PREREQUISITES = _progress_statements()


def course_progress(user, version) -> CourseProgress:
    """Return *user*'s progress in *version*, in one statement whatever the course size.

    The learner's reads, passes and completion of the course, and which of the courses the
    version requires they have completed, come back as one ``UNION ALL``.

    :param user: the learner
    :param version: the course version whose items count (usually the live one): a
        :class:`~portal.catalog.models.CourseVersion` or a frozen
        :class:`~portal.catalog.frozen.VersionView`
    """
    lessons = {i.slug for i in version.items if not i.is_quiz}
    quizzes = {i.slug for i in version.items if i.is_quiz}
    params = {"user_id": user.id, "course_id": version.course_id}
    if version.requires:
        statement = _PROGRESS_AND_PREREQUISITES
        params["requires"] = list(version.requires)
    else:
        statement = _PROGRESS
    found: dict[str, set[str]] = {"r": set(), "p": set()}
    completion = None
    prerequisites = {}
    for kind, value, at in db.session.execute(statement, params):
        if kind == "c":
            completion = CompletionInfo(at, int(value))
        elif kind == "q":
            prerequisites[value] = at is not None
        else:
            found[kind].add(value)
    return CourseProgress(frozenset(found["r"] & lessons), frozenset(found["p"] & quizzes),
                          len(version.items), completion, prerequisites)


def _insert_once(row) -> bool:
    """Insert *row* unless a unique constraint says it exists; return whether it was new.

    A savepoint keeps the rest of the transaction when two requests race for the same row.
    """
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def mark_lesson_read(user, lesson: CourseItem, *, now: datetime | None = None
                     ) -> CourseCompletion | None:
    """Mark *lesson* read by *user* (idempotent) and complete the course if that was the last step.

    :param user: the learner
    :param lesson: a lesson of the course's live version
    :param now: the time to record; defaults to now
    :return: the completion when this step completed the course, else ``None``
    :raises ValueError: when *lesson* is a quiz
    """
    if lesson.is_quiz:
        raise ValueError("a quiz is passed, not read")
    now = now or utcnow()
    version = lesson.version
    exists = db.session.scalar(select(LessonRead.id).where(
        LessonRead.user_id == user.id, LessonRead.course_id == version.course_id,
        LessonRead.lesson_slug == lesson.slug))
    if exists is None:
        _insert_once(LessonRead(user_id=user.id, course_id=version.course_id,
                                lesson_slug=lesson.slug, version_id=version.id, read_at=now))
    return complete_if_done(user, version, now=now)


def record_quiz_result(user, quiz: CourseItem, *, passed: bool, now: datetime | None = None
                       ) -> CourseCompletion | None:
    """Record whether *user*'s best attempt at *quiz* passes; complete the course if it can.

    Called by the quiz engine after grading and after a regrade. A pass is kept once; a
    fail (after a regrade) removes it. A completion already recorded is never taken back.

    :param user: the learner
    :param quiz: the quiz item the attempt was taken on
    :param passed: whether the learner's best attempt now passes
    :param now: the time to record; defaults to now
    :return: the completion when this result completed the course, else ``None``
    """
    now = now or utcnow()
    version = quiz.version
    where = (QuizPass.user_id == user.id, QuizPass.course_id == version.course_id,
             QuizPass.quiz_slug == quiz.slug)
    if not passed:
        db.session.execute(delete(QuizPass).where(*where))
        return None
    if db.session.scalar(select(QuizPass.id).where(*where)) is None:
        _insert_once(QuizPass(user_id=user.id, course_id=version.course_id,
                              quiz_slug=quiz.slug, version_id=version.id, passed_at=now))
    return complete_if_done(user, version, now=now)


def complete_if_done(user, version: CourseVersion, *, now: datetime | None = None
                     ) -> CourseCompletion | None:
    """Record the course's completion when every item of *version* is done.

    :return: the new completion, or ``None`` when not complete or already recorded
    """
    course: Course = version.course
    if course.live_version_id is not None and course.live_version_id != version.id:
        version = course.live_version  # progress counts against what learners read now
    progress = course_progress(user, version)
    if progress.completion is not None or progress.done < progress.total or not progress.total:
        return None
    completion = CourseCompletion(user_id=user.id, course_id=course.id, version_id=version.id,
                                  completed_at=now or utcnow())
    if not _insert_once(completion):
        return None
    logger.info("User %s completed course %s (version %s)", user.id, course.slug,
                version.number)
    course_completed.send(current_app._get_current_object(), user=user, completion=completion,
                          now=completion.completed_at)
    return completion
