"""Courses, their frozen versions, the lessons and quizzes in them, and their images.

A :class:`Course` is the stable thing learners and certificates point at (its slug never
changes). What it says lives in a :class:`CourseVersion`: importing changed files of a
published course, or publishing from the studio, adds a new version and leaves the previous
one frozen, so every completion and attempt can name the exact content it was earned on.
Learner progress is kept by course and item *slug* (see :mod:`portal.progress.models`), so a
lesson read on version 1 stays read on version 2 as long as its slug survives.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, UTCDateTime
from portal.extensions import db

#: A course's life: a draft is invisible to learners; archived courses are retired.
COURSE_STATUSES = ("draft", "published", "archived")
#: A version's life: only one version of a course is published at a time; the ones it
#: replaced are superseded and stay frozen.
VERSION_STATUSES = ("draft", "published", "superseded")
ITEM_KINDS = ("lesson", "quiz")
FEEDBACK_MODES = ("after_submit", "after_pass", "never")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _delimited(values: tuple[str, ...] | list[str]) -> str:
    """Return job roles as ``|doctor|nurse|`` so that SQL can filter with ``LIKE '%|nurse|%'``."""
    return "|" + "|".join(values) + "|" if values else ""


class Course(TimestampMixin, db.Model):
    """A course, identified by its slug, whatever version of it is current."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    #: The version learners read: the published one (``None`` until the first publication).
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", use_alter=True, ondelete="SET NULL"), nullable=True
    )

    live_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[live_version_id], post_update=True
    )
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course",
        foreign_keys="CourseVersion.course_id",
        order_by="CourseVersion.number",
    )

    __table_args__ = (CheckConstraint(_in("status", COURSE_STATUSES), name="status_known"),)

    def __repr__(self) -> str:
        return f"<Course {self.slug} {self.status}>"


class CourseVersion(db.Model):
    """One version of a course: its texts, settings, lessons, quizzes and images."""

    __tablename__ = "course_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: 1, 2, 3… per course.
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    #: language → text; "vi" always present.
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    summary: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    #: Titles and summaries in every language, folded, for search that ignores diacritics.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Job roles written ``|doctor|nurse|``; empty: everyone (see :attr:`audience`).
    audience_roles: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Place in the catalogue.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Slugs of courses to complete first.
    requires: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    #: Whether completing this course earns a course certificate.
    awards_certificate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: When the content was last reviewed against its sources.
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: SHA-256 of everything the files say; an import with the same hash changes nothing.
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    change_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Optimistic lock for the studio: raised by each edit of the course's settings, so that
    #: a second author saving over a newer text is refused (see portal.authoring).
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1")

    course: Mapped[Course] = relationship(back_populates="versions", foreign_keys=[course_id])
    items: Mapped[list[CourseItem]] = relationship(
        back_populates="version", order_by="CourseItem.position", cascade="all, delete-orphan"
    )
    media: Mapped[list[CourseMedia]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("course_id", "number", name="uq_course_versions_number"),
        CheckConstraint(_in("status", VERSION_STATUSES), name="status_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )
    # The studio raises lock_version itself, only when what an author edits changes; every
    # UPDATE still checks it, so a concurrent edit fails with StaleDataError.
    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}

    @property
    def audience(self) -> tuple[str, ...]:
        """Return the job roles the course is for; empty: everyone."""
        return tuple(r for r in self.audience_roles.split("|") if r)

    @audience.setter
    def audience(self, roles: tuple[str, ...] | list[str]) -> None:
        self.audience_roles = _delimited(roles)

    @property
    def is_frozen(self) -> bool:
        """Return whether this version may no longer change (it was published)."""
        return self.status != "draft"

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id} v{self.number} {self.status}>"


class CourseItem(db.Model):
    """A lesson or a quiz, in its place in a course version."""

    __tablename__ = "course_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), nullable=False
    )
    #: 1, 2, 3… the NN of its file name.
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    slug: Mapped[str] = mapped_column(String(80), nullable=False)
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    #: Estimated minutes as the author gives them (lessons); ``None``: from the word count.
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: What the lesson rests on: {"vi": [...], "en": [...]} ("en" only when it words them).
    sources: Mapped[dict[str, list[str]]] = mapped_column(JSON, nullable=False, default=dict)
    #: Lessons: language → Markdown.
    body: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    # Quiz settings (quizzes only; see docs/course-format.md).
    pass_mark: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Attempts allowed; 0: unlimited.
    max_attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Minutes; 0: none.
    time_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Questions drawn per attempt; 0: all.
    draw: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shuffle: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(12), nullable=True)
    #: Optimistic lock for the studio: raised by each edit of the lesson or quiz settings.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                              server_default="1")

    version: Mapped[CourseVersion] = relationship(back_populates="items")
    #: Quizzes: the pool of questions (portal.quizzes.models.QuizQuestion), in file order.
    questions: Mapped[list[QuizQuestion]] = relationship(  # noqa: F821
        back_populates="quiz", order_by="QuizQuestion.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("version_id", "slug", name="uq_course_items_slug"),
        UniqueConstraint("version_id", "position", name="uq_course_items_position"),
        CheckConstraint(_in("kind", ITEM_KINDS), name="kind_known"),
        CheckConstraint(
            "kind = 'lesson' OR (pass_mark BETWEEN 0 AND 100 AND max_attempts >= 0"
            " AND time_limit >= 0 AND draw >= 0 AND shuffle IS NOT NULL"
            " AND " + _in("feedback", FEEDBACK_MODES) + ")",
            name="quiz_settings",
        ),
    )
    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}

    @property
    def is_quiz(self) -> bool:
        """Return whether this item is a quiz."""
        return self.kind == "quiz"

    def __repr__(self) -> str:
        return f"<CourseItem {self.kind} {self.slug}>"


class MediaBlob(db.Model):
    """An image's bytes, stored once by content hash and served with long cache headers.

    Kept in the database, not on one machine's disk, so every app process can serve it.
    """

    __tablename__ = "media_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)


class CourseMedia(db.Model):
    """A file of a course version's ``media/`` folder: its name there and its content."""

    __tablename__ = "course_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    sha256: Mapped[str] = mapped_column(
        ForeignKey("media_blobs.sha256", ondelete="RESTRICT"), nullable=False, index=True
    )

    version: Mapped[CourseVersion] = relationship(back_populates="media")
    blob: Mapped[MediaBlob] = relationship()

    __table_args__ = (UniqueConstraint("version_id", "name", name="uq_course_media_name"),)

