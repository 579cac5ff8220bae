"""Quiz questions as stored, attempts, and the questions drawn for each attempt.

A quiz is a :class:`~portal.catalog.models.CourseItem` of kind ``quiz``; its settings live
there. Its questions are :class:`QuizQuestion` rows holding the
:class:`~portal.quizzes.questions.Question` data of each language. An :class:`Attempt`
stores the questions it drew and the order of their choices (:class:`AttemptQuestion`), so
a reload shows the same quiz, and the answers saved so far, so a dropped connection loses
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalog.models import CourseItem
from portal.db import UTCDateTime
from portal.extensions import db
from portal.quizzes.questions import Question


class QuizQuestion(db.Model):
    """A question in a quiz's pool, in each language it is written in."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("course_items.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The GIFT ``::name::``; the same in every language.
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    qtype: Mapped[str] = mapped_column(String(20), nullable=False)
    #: language → Question.to_dict(); "vi" always. Twins share the answer key, so grading
    #: always uses "vi" and a learner may read either.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    #: Optimistic lock for the studio (portal.authoring): raised by each edit of the question.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1")

    quiz: Mapped[CourseItem] = relationship(back_populates="questions")

    __table_args__ = (
        UniqueConstraint("quiz_id", "position", name="uq_quiz_questions_position"),
    )
    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}

    def question(self, lang: str = "vi") -> Question:
        """Return the question in *lang*, or in Vietnamese when it has no such version."""
        return Question.from_dict(self.data.get(lang) or self.data["vi"])


class Attempt(db.Model):
    """One try at a quiz by one learner."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    #: The quiz, in the version the attempt was started on.
    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("course_items.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    #: Course and quiz slug, so attempts count across versions of a course.
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    quiz_slug: Mapped[str] = mapped_column(String(80), nullable=False)
    #: 1, 2, 3… per learner and quiz; unique, so two tabs cannot both take the last attempt.
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: When the time limit runs out; ``None``: no limit.
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Percent, 0..100, once graded.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    is_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: The pass mark in force when it was graded.
    pass_mark: Mapped[int] = mapped_column(Integer, nullable=False)

    quiz: Mapped[CourseItem] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "quiz_slug", "number",
                         name="uq_attempts_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        CheckConstraint("(submitted_at IS NULL) = (score IS NULL)", name="graded_when_submitted"),
        CheckConstraint("(score IS NULL) = (is_passed IS NULL)", name="passed_when_graded"),
        #: "Learners active in the last 30 days".
        Index("ix_attempts_submitted_at_user", "submitted_at", "user_id"),
    )

    @property
    def is_submitted(self) -> bool:
        """Return whether the attempt was submitted (and graded)."""
        return self.submitted_at is not None


class AttemptQuestion(db.Model):
    """A question drawn for an attempt, the order its choices are shown in, and the answer."""

    __tablename__ = "attempt_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    #: The order choices are shown in, as indexes into the question's answers (or, for
    #: matching, into its right-hand texts); ``None``: as written.
    choice_order: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    #: The values the learner's form posted for this question, as saved; ``None``: none yet.
    response: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Share of the question's mark, 0..1, once graded.
    fraction: Mapped[float | None] = mapped_column(Float, nullable=True)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    question: Mapped[QuizQuestion] = relationship()

    __table_args__ = (
        UniqueConstraint("attempt_id", "position", name="uq_attempt_questions_position"),
        CheckConstraint("fraction IS NULL OR (fraction >= 0 AND fraction <= 1)",
                        name="fraction_range"),
    )
