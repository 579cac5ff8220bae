"""The studio's rules for courses, their versions and their lessons and quizzes.

A trainer only ever edits a *draft* version. A course's draft is its latest version while
that version's status is ``draft``; editing a published course first copies the live version
into a new draft (:mod:`portal.authoring.versions`). Publishing
(:mod:`portal.authoring.publishing`) makes the draft the live version and freezes it: from
then on it is never edited again (except an answer-key correction, which the quiz engine
regrades, see :mod:`portal.authoring.questions`).

Every edit checks the row's ``lock_version`` against the one the author's form was based on
and raises it (optimistic locking): a second author saving over a newer text gets
:class:`EditConflict`, never a silent overwrite. The database checks the counter again in
the UPDATE itself, so a race between two requests ends in the same error.

Plain functions: they take the acting user, flush and never commit (the view commits once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.catalog.specs import JOB_ROLES, QUIZ_DEFAULT_TITLE, SLUG_RE, QuizSettings
from portal.db import utcnow
from portal.extensions import db
from portal.text import fold, nfc

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_ITEMS",
    "EditConflict",
    "StudioError",
    "add_item",
    "bump",
    "check_lock",
    "create_course",
    "get_draft",
    "move_item",
    "remove_item",
    "renumber",
    "update_course",
    "update_lesson",
    "update_quiz",
]

#: Lessons and quizzes per course: their order number is the two digits of a file name.
MAX_ITEMS = 99


class StudioError(Exception):
    """A studio rule refused an action; ``str(error)`` is a message for the trainer.

    :attr:`field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EditConflict(StudioError):
    """Someone else saved the same thing since the author opened it."""

    def __init__(self, current: int | None = None) -> None:
        super().__init__(_("Someone else saved this while you were editing it. Your text is "
                           "kept below: compare it with theirs, then save again to replace "
                           "theirs with yours."))
        #: The lock version now stored (``None``: the thing is gone).
        self.current = current


def _texts(values: dict[str, str | None]) -> dict[str, str]:
    """Return a {vi, en} map of NFC texts without the empty ones."""
    return {lang: nfc(text) for lang, text in values.items() if text and nfc(text)}


def _search_text(version: CourseVersion) -> str:
    return " ".join(fold(t) for t in (*version.title.values(), *version.summary.values()))


def check_lock(row: Any, expected: int | None) -> None:
    """Raise :class:`EditConflict` unless *row* is still at lock version *expected*."""
    if expected is None or row.lock_version != expected:
        raise EditConflict(row.lock_version)


def bump(row: Any) -> None:
    """Raise *row*'s lock version and flush; a concurrent save turns into EditConflict.

    :raises EditConflict: when another transaction changed the row since it was read
    """
    row.lock_version = row.lock_version + 1
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise EditConflict() from exc


def _require_draft(version: CourseVersion) -> None:
    if version.status != "draft":
        raise StudioError(_("Version %(num)d is published and frozen: start a new version to "
                            "change it.", num=version.number))


# --------------------------------------------------------------------------- reading


def get_draft(course: Course) -> CourseVersion | None:
    """Return the course's draft (its latest version, if that is a draft), or ``None``."""
    latest = course.versions[-1] if course.versions else None
    return latest if latest is not None and latest.status == "draft" else None


# --------------------------------------------------------------------------- courses


def create_course(slug: str, title: dict[str, str], summary: dict[str, str], actor, *,
                  now: datetime | None = None) -> Course:
    """Create a course with an empty first draft.

    :param slug: the course's permanent name in URLs and files
    :param title: language → title; "vi" required
    :param summary: language → summary; "vi" required
    :param actor: the trainer
    :return: the new course (status ``draft``)
    :raises StudioError: a bad or taken slug, or a missing Vietnamese text
    """
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise StudioError(_("Use lowercase letters, digits and hyphens, such as "
                            "data-standards."), "slug")
    title, summary = _texts(title), _texts(summary)
    if "vi" not in title:
        raise StudioError(_("The Vietnamese title is required."), "title_vi")
    if "vi" not in summary:
        raise StudioError(_("The Vietnamese summary is required."), "summary_vi")
    if db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None:
        raise StudioError(_("A course called %(slug)s already exists.", slug=slug), "slug")
    now = now or utcnow()
    course = Course(slug=slug, status="draft")
    version = CourseVersion(number=1, status="draft", title=title, summary=summary,
                            content_hash="", created_at=now,
                            created_by_id=getattr(actor, "id", None))
    version.search_text = _search_text(version)
    course.versions.append(version)
    db.session.add(course)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise StudioError(_("A course called %(slug)s already exists.", slug=slug),
                          "slug") from exc
    audit.record("course.created", actor=actor, obj=course, slug=slug)
    return course


@dataclass
class CourseValues:
    """What the course settings form edits."""

    title: dict[str, str]
    summary: dict[str, str]
    audience: list[str] = field(default_factory=list)
    minutes: int = 0
    position: int = 0
    requires: list[str] = field(default_factory=list)
    certificate: bool = False
    reviewed_on: date | None = None


def _requires_cycle(course: Course, requires: list[str]) -> list[str]:
    """Return a chain of courses that would lead back to *course*, if *requires* makes one."""
    latest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("n"))
              .group_by(CourseVersion.course_id).subquery())
    graph: dict[str, list[str]] = {
        slug: list(req or []) for slug, req in db.session.execute(
            select(Course.slug, CourseVersion.requires)
            .join(CourseVersion, CourseVersion.course_id == Course.id)
            .join(latest, (latest.c.course_id == CourseVersion.course_id)
                  & (latest.c.n == CourseVersion.number)))}
    graph[course.slug] = requires
    paths, seen = [[course.slug]], {course.slug}
    while paths:
        path = paths.pop(0)
        for required in graph.get(path[-1], []):
            if required == course.slug:
                return [*path, course.slug]
            if required not in seen:
                seen.add(required)
                paths.append([*path, required])
    return []


def update_course(version: CourseVersion, values: CourseValues, expected_lock: int | None,
                  actor) -> None:
    """Save a draft's titles, summaries and settings.

    :raises EditConflict: someone saved the settings since *expected_lock*
    :raises StudioError: a frozen version, a missing text, an unknown role or course
    """
    _require_draft(version)
    check_lock(version, expected_lock)
    title, summary = _texts(values.title), _texts(values.summary)
    if "vi" not in title:
        raise StudioError(_("The Vietnamese title is required."), "title_vi")
    if "vi" not in summary:
        raise StudioError(_("The Vietnamese summary is required."), "summary_vi")
    if unknown := [r for r in values.audience if r not in JOB_ROLES]:
        raise StudioError(_("Unknown job role %(role)s.", role=unknown[0]), "audience")
    course = version.course
    requires = [slug for slug in dict.fromkeys(values.requires) if slug]
    if course.slug in requires:
        raise StudioError(_("A course cannot require itself."), "requires")
    known = set(db.session.scalars(select(Course.slug).where(Course.slug.in_(requires))))
    if missing := [slug for slug in requires if slug not in known]:
        raise StudioError(_("Unknown course %(slug)s.", slug=missing[0]), "requires")
    if cycle := _requires_cycle(course, requires):
        raise StudioError(_("These requirements go round in a circle: %(cycle)s.",
                            cycle=" → ".join(cycle)), "requires")
    if values.minutes < 0 or values.position < 0:
        raise StudioError(_("Use a number of 0 or more."), "minutes")
    version.title, version.summary = title, summary
    version.search_text = _search_text(version)
    version.audience = [r for r in JOB_ROLES if r in values.audience]
    version.minutes = values.minutes
    version.position = values.position
    version.requires = requires
    version.awards_certificate = values.certificate
    version.reviewed_on = values.reviewed_on
    bump(version)
    audit.record("course.edited", actor=actor, obj=course, version=version.number)


# --------------------------------------------------------------------------- items


def add_item(version: CourseVersion, kind: str, slug: str, title: dict[str, str], actor
             ) -> CourseItem:
    """Add a lesson or a quiz at the end of a draft.

    :param kind: ``"lesson"`` or ``"quiz"``
    :raises StudioError: a frozen version, a bad or taken slug, a missing title, too many items
    """
    _require_draft(version)
    slug = (slug or "").strip()
    if kind not in ("lesson", "quiz"):
        raise StudioError(_("Choose a lesson or a quiz."), "kind")
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise StudioError(_("Use lowercase letters, digits and hyphens, such as "
                            "data-standards."), "slug")
    if any(item.slug == slug for item in version.items):
        raise StudioError(_("This course already has a step called %(slug)s.", slug=slug),
                          "slug")
    if len(version.items) >= MAX_ITEMS:
        raise StudioError(_("A course holds at most %(num)d lessons and quizzes.",
                            num=MAX_ITEMS))
    title = _texts(title)
    if kind == "quiz" and "vi" not in title:
        title = dict(QUIZ_DEFAULT_TITLE)
    if "vi" not in title:
        raise StudioError(_("The Vietnamese title is required."), "title_vi")
    position = max((item.position for item in version.items), default=0) + 1
    item = CourseItem(position=position, kind=kind, slug=slug, title=title, sources={},
                      body={"vi": ""} if kind == "lesson" else {})
    if kind == "quiz":
        defaults = QuizSettings()
        item.pass_mark, item.max_attempts = defaults.pass_mark, defaults.attempts
        item.time_limit, item.draw = defaults.time_limit, defaults.draw
        item.shuffle, item.feedback = defaults.shuffle, defaults.feedback
    version.items.append(item)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise StudioError(_("This course already has a step called %(slug)s.", slug=slug),
                          "slug") from exc
    audit.record("course.item_added", actor=actor, obj=version.course, version=version.number,
                 kind=kind, item=slug)
    return item


def renumber(rows: list[Any]) -> None:
    """Give *rows* positions 1, 2, 3… in list order, without breaking unique positions.

    Positions move out of the way first (a flush), so no two rows share one midway.
    """
    if all(row.position == index for index, row in enumerate(rows, 1)):
        return
    for row in rows:
        row.position = row.position + 1000
    db.session.flush()
    for index, row in enumerate(rows, 1):
        row.position = index
    db.session.flush()


def move_item(item: CourseItem, offset: int) -> None:
    """Move a lesson or quiz up (-1) or down (+1) in its draft."""
    _require_draft(item.version)
    items = list(item.version.items)
    index = items.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    try:
        renumber(items)
    except StaleDataError as exc:
        raise EditConflict() from exc


def remove_item(item: CourseItem, actor) -> None:
    """Remove a lesson or quiz from its draft (the published versions keep theirs).

    :raises StudioError: a frozen version, or a quiz a preview attempt still points at
    """
    version = item.version
    _require_draft(version)
    slug = item.slug
    try:
        with db.session.begin_nested():
            version.items.remove(item)  # delete-orphan deletes it
            db.session.flush()
    except IntegrityError as exc:
        raise StudioError(_("This quiz has attempts on it and cannot be removed from this "
                            "draft; discard the draft instead.")) from exc
    renumber(list(version.items))
    audit.record("course.item_removed", actor=actor, obj=version.course,
                 version=version.number, item=slug)


@dataclass
class LessonValues:
    """What the lesson editor edits."""

    title: dict[str, str]
    body: dict[str, str]
    sources: dict[str, list[str]]
    minutes: int | None = None


def update_lesson(item: CourseItem, values: LessonValues, expected_lock: int | None) -> None:
    """Save a lesson of a draft in both languages.

    :raises EditConflict: someone saved the lesson since *expected_lock*
    :raises StudioError: a frozen version, a missing Vietnamese title or text
    """
    _require_draft(item.version)
    check_lock(item, expected_lock)
    title = _texts(values.title)
    if "vi" not in title:
        raise StudioError(_("The Vietnamese title is required."), "title_vi")
    if values.minutes is not None and values.minutes < 1:
        raise StudioError(_("Use a number of 1 or more, or leave it empty."), "minutes")
    body = {"vi": _body(values.body.get("vi"))}
    if english := _body(values.body.get("en")):
        body["en"] = english
    sources = {}
    for lang in ("vi", "en"):
        lines = [nfc(line) for line in values.sources.get(lang, [])]
        if lines := [line for line in lines if line]:
            sources[lang] = lines
    item.title, item.body, item.sources, item.minutes = title, body, sources, values.minutes
    bump(item)


def _body(text: str | None) -> str:
    """Return a lesson text as stored: NFC, ``\\n`` line endings, no surrounding blank lines."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return nfc(text) or ""


def update_quiz(item: CourseItem, title: dict[str, str], settings: QuizSettings,
                expected_lock: int | None) -> None:
    """Save a draft quiz's title and settings.

    :raises EditConflict: someone saved the quiz settings since *expected_lock*
    :raises StudioError: a frozen version, a value out of range
    """
    _require_draft(item.version)
    check_lock(item, expected_lock)
    title = _texts(title) or dict(QUIZ_DEFAULT_TITLE)
    if "vi" not in title:
        raise StudioError(_("The Vietnamese title is required."), "title_vi")
    if not 0 <= settings.pass_mark <= 100:
        raise StudioError(_("Use a percentage from 0 to 100."), "pass_mark")
    pool = len(item.questions)
    if settings.draw > pool and pool:
        raise StudioError(ngettext("The quiz has only %(num)d question.",
                                     "The quiz has only %(num)d questions.", pool), "draw")
    item.title = title
    item.pass_mark, item.max_attempts = settings.pass_mark, settings.attempts
    item.time_limit, item.draw = settings.time_limit, settings.draw
    item.shuffle, item.feedback = settings.shuffle, settings.feedback
    bump(item)
