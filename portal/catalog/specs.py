"""What the course files say, as plain frozen values (no database, no Flask).

:func:`portal.catalog.loader.load_tree` reads a ``courses/`` folder into these specs and
:mod:`portal.catalog.writer` writes them back; the DB import and the pages are built on them.
All text is NFC-normalised (:func:`portal.text.nfc`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FEEDBACK_MODES",
    "JOB_ROLES",
    "LANGUAGES",
    "MAX_MEDIA_BYTES",
    "QUIZ_DEFAULT_TITLE",
    "SLUG_RE",
    "CourseSpec",
    "ItemSpec",
    "LoadError",
    "LoadResult",
    "MediaSpec",
    "ProgrammeSpec",
    "QuizSettings",
]

#: Job roles a course's audience and a programme's course lists are written with.
JOB_ROLES = ("doctor", "nurse", "midwife", "pharmacist", "technician", "administrative", "it")
#: Content languages; Vietnamese is the default and always required.
LANGUAGES = ("vi", "en")
#: When a learner sees a quiz's feedback.
FEEDBACK_MODES = ("after_submit", "after_pass", "never")
#: Course, lesson, quiz and programme slugs.
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Largest media file accepted (5 MB).
MAX_MEDIA_BYTES = 5 * 1024 * 1024
#: A quiz's title when course.yml gives none.
QUIZ_DEFAULT_TITLE = {"vi": "Bài kiểm tra", "en": "Quiz"}


@dataclass(frozen=True)
class LoadError:
    """One problem in the course files, with where it is."""

    #: File or folder, relative to the folder given to the loader, with ``/`` separators.
    path: str
    #: 1-based line in that file, when there is one.
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class QuizSettings:
    """A quiz's settings, from the ``quizzes:`` map of course.yml."""

    pass_mark: int = 80  #: percent
    attempts: int = 0  #: 0: unlimited
    time_limit: int = 0  #: minutes; 0: none
    draw: int = 0  #: questions per attempt; 0: all
    shuffle: bool = True
    feedback: str = "after_submit"  #: one of :data:`FEEDBACK_MODES`


@dataclass(frozen=True)
class MediaSpec:
    """An image in a course's ``media/`` folder."""

    name: str
    sha256: str
    size: int
    content_type: str
    #: Absolute path of the file read; not part of equality (the content hash is).
    path: Path = field(compare=False)
    #: The bytes, when they come from the database rather than a file (export).
    data: bytes | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ItemSpec:
    """A lesson or a quiz, in course order."""

    kind: str  #: "lesson" or "quiz"
    number: int  #: the NN of its file name
    slug: str
    title: dict[str, str]  #: language → title; "vi" always
    minutes: int | None = None
    #: What the lesson rests on, as the Vietnamese lesson lists it.
    sources: tuple[str, ...] = ()
    #: Lessons: language → Markdown body.
    body: dict[str, str] = field(default_factory=dict)
    settings: QuizSettings | None = None  #: quizzes only
    #: Quizzes: language → questions (portal.quizzes.questions.Question).
    questions: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: The Vietnamese file, relative to the course folder (``01-why-standards.md``).
    path: str = ""
    #: The same sources as the English lesson words them; empty: it lists none.
    sources_en: tuple[str, ...] = ()

    @property
    def is_quiz(self) -> bool:
        """Return whether this item is a quiz."""
        return self.kind == "quiz"

    def sources_for(self, lang: str) -> tuple[str, ...]:
        """Return the sources to show in *lang*: the English wording when there is one."""
        return (self.sources_en or self.sources) if lang == "en" else self.sources


@dataclass(frozen=True)
class CourseSpec:
    """A course folder: course.yml, its lessons and quizzes, its media."""

    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    audience: tuple[str, ...] = ()  #: job roles; empty: everyone
    minutes: int = 0
    order: int = 0
    requires: tuple[str, ...] = ()
    certificate: bool = False
    reviewed: datetime.date | None = None
    items: tuple[ItemSpec, ...] = ()
    media: tuple[MediaSpec, ...] = ()

    def item(self, slug: str) -> ItemSpec | None:
        """Return the lesson or quiz called *slug*, or ``None``."""
        return next((item for item in self.items if item.slug == slug), None)


@dataclass(frozen=True)
class ProgrammeSpec:
    """A certification programme from programmes.yml."""

    slug: str
    title: dict[str, str]
    summary: dict[str, str] = field(default_factory=dict)
    validity_months: int = 36
    #: "all" or a job role → course slugs.
    courses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    manager_required: bool = True
    staff_share: int = 80  #: percent of active staff
    roles_any: tuple[str, ...] = ()

    def courses_for(self, job_role: str | None) -> tuple[str, ...]:
        """Return the courses a person with *job_role* must complete.

        :param job_role: one of :data:`JOB_ROLES`, or ``None`` for the common courses only
        :return: the "all" courses then the role's own, without repeats, in file order
        """
        slugs = self.courses.get("all", ()) + (self.courses.get(job_role, ()) if job_role else ())
        return tuple(dict.fromkeys(slugs))


@dataclass
class LoadResult:
    """What :func:`~portal.catalog.loader.load_tree` read.

    When :attr:`errors` is not empty the specs may be incomplete: write nothing.
    """

    courses: list[CourseSpec] = field(default_factory=list)
    programmes: list[ProgrammeSpec] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the files loaded without any error."""
        return not self.errors
