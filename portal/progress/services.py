"""The progress rules: reading lessons, passing quizzes, completing courses.

A course is complete when every lesson of its live version is marked read and every quiz in
it is passed. Reads and passes are kept by slug, so they carry over to a new version of the
course when the slug survives. Completion is recorded once per learner and course (a unique
constraint), with the version it was earned on, in the same transaction as the step that
completed it; a later version never takes a completion away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.db import utcnow
from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead, QuizPass

logger = logging.getLogger(__name__)

__all__ = [
    "CourseProgress",
    "course_completed",
    "course_progress",
    "mark_lesson_read",
    "record_quiz_result",
]


#: Sent inside the transaction that records a course completion, with ``user``,
#: ``completion`` and ``now``; certification listens to issue what it earns.
course_completed = Namespace().signal("course-completed")


@dataclass(frozen=True)
class CourseProgress:
    """How far one learner is in one course version."""

    #: Slugs of the version's lessons the learner has read.
    read: frozenset[str]
    #: Slugs of the version's quizzes the learner has passed.
    passed: frozenset[str]
    #: Items in the version (lessons and quizzes).
    total: int
    completion: CourseCompletion | None

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

    def is_done(self, item: CourseItem) -> bool:
        """Return whether *item* is read (a lesson) or passed (a quiz)."""
        return item.slug in (self.passed if item.is_quiz else self.read)


def course_progress(user, version: CourseVersion) -> CourseProgress:
    """Return *user*'s progress in *version* (three small queries, whatever the course size).

    :param user: the learner
    :param version: the course version whose items count (usually the live one)
    """
    lessons = {i.slug for i in version.items if not i.is_quiz}
    quizzes = {i.slug for i in version.items if i.is_quiz}
    read = set(db.session.scalars(select(LessonRead.lesson_slug).where(
        LessonRead.user_id == user.id, LessonRead.course_id == version.course_id)))
    passed = set(db.session.scalars(select(QuizPass.quiz_slug).where(
        QuizPass.user_id == user.id, QuizPass.course_id == version.course_id)))
    completion = db.session.scalar(select(CourseCompletion).where(
        CourseCompletion.user_id == user.id, CourseCompletion.course_id == version.course_id))
    return CourseProgress(frozenset(read & lessons), frozenset(passed & quizzes),
                          len(version.items), completion)


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
