"""What each learner has done: lessons read and courses completed.

Progress is kept by course and lesson *slug*, not by a version's row, so a lesson read on
one version of a course stays read on the next as long as its slug survives; each record
still names the version it was made on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.catalog.models import Course, CourseVersion
from portal.db import UTCDateTime
from portal.extensions import db


class LessonRead(db.Model):
    """A learner marked a lesson as read (once; marking again changes nothing)."""

    __tablename__ = "lesson_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    lesson_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    #: The version the lesson was read on.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="RESTRICT"), nullable=False
    )
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "lesson_slug", name="uq_lesson_reads_lesson"),
        #: "Learners active in the last 30 days" and last-activity columns.
        Index("ix_lesson_reads_read_at_user", "read_at", "user_id"),
    )


class CourseCompletion(db.Model):
    """A learner completed a course: every lesson read and every quiz passed.

    Recorded once per learner and course (a constraint, not only a check), with the version
    it was earned on, in the same transaction as the step that completed it.
    """

    __tablename__ = "course_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="RESTRICT"), nullable=False
    )
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "course_id", name="uq_course_completions_course"),
    )


class QuizPass(db.Model):
    """A learner passed a quiz of a course (kept by quiz slug, like lesson reads).

    Written by the quiz engine when an attempt passes, removed when a regrade turns the
    learner's best attempt into a fail.
    """

    __tablename__ = "quiz_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    quiz_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    #: The version the passing attempt was taken on.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="RESTRICT"), nullable=False
    )
    passed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "quiz_slug", name="uq_quiz_passes_quiz"),
    )
