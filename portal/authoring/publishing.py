"""Check and publish a draft; export a version as a .zip of course files and import one.

The studio writes exactly what the course files say. Every check of a draft goes through the
course files themselves: the draft is written to a temporary folder with
:func:`~portal.catalog.writer.write_course` and read back with
:func:`~portal.catalog.loader.load_tree`, so a draft publishes only when ``flask courses
check`` would accept its export, and the same messages name the same problems.
"""

from __future__ import annotations

import dataclasses
import io
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.authoring.services import StudioError, get_draft
from portal.catalog.importer import (
    ImportReport,
    course_hash,
    import_specs,
    known_course_slugs,
)
from portal.catalog.importer import version_spec as spec_from_rows
from portal.catalog.loader import load_tree
from portal.catalog.models import Course, CourseMedia, CourseVersion, MediaBlob
from portal.catalog.specs import CourseSpec, LoadError, LoadResult
from portal.catalog.writer import write_course
from portal.db import utcnow
from portal.extensions import db
from portal.quizzes.models import QuizQuestion
from portal.rendering import render_markdown
from portal.text import nfc

__all__ = [
    "MAX_ZIP_BYTES",
    "ImportOutcome",
    "Problem",
    "check_version",
    "export_zip",
    "import_zip",
    "publish",
    "refresh_hash",
    "version_spec",
]

#: Largest unpacked size and number of files of an imported .zip.
MAX_ZIP_BYTES = 64 * 1024 * 1024
MAX_ZIP_FILES = 1000
_NUMBERED = re.compile(r"^(?P<number>[0-9]{2})-")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Problem:
    """Something that keeps a draft from being published, and where to fix it."""

    message: str
    #: The file and line as the course files name them (``03-check.gift:12``).
    where: str
    #: The lesson or quiz concerned, by order number (``None``: the course settings or media).
    position: int | None = None


def version_spec(version: CourseVersion) -> CourseSpec:
    """Return *version* as the course files would say it (media carrying their bytes)."""
    version = db.session.scalar(
        select(CourseVersion).where(CourseVersion.id == version.id).execution_options(
            populate_existing=True)
        .options(selectinload(CourseVersion.items), selectinload(CourseVersion.course),
                 selectinload(CourseVersion.media).selectinload(CourseMedia.blob)
                 .undefer(MediaBlob.data)))
    questions: dict[int, list[QuizQuestion]] = {}
    quiz_ids = [item.id for item in version.items if item.is_quiz]
    if quiz_ids:
        for row in db.session.scalars(select(QuizQuestion).where(
                QuizQuestion.quiz_id.in_(quiz_ids)).order_by(QuizQuestion.position)):
            questions.setdefault(row.quiz_id, []).append(row)
    return spec_from_rows(version, questions)


def _load(spec: CourseSpec) -> LoadResult:
    """Write *spec* as files in a temporary folder and read them back, as a check would."""
    known = known_course_slugs() - {spec.slug}
    with tempfile.TemporaryDirectory(prefix="studio-") as tmp:
        try:
            write_course(spec, tmp)
        except ValueError as exc:  # a question write_gift refuses
            return LoadResult(errors=[LoadError(spec.slug, None, str(exc))])
        return load_tree(Path(tmp) / spec.slug, known_slugs=known)


def _problem(error: LoadError, slug: str) -> Problem:
    path = error.path.removeprefix(f"{slug}/")
    match = _NUMBERED.match(path)
    where = path if error.line is None else f"{path}:{error.line}"
    return Problem(error.message, where, int(match["number"]) if match else None)


def check_version(version: CourseVersion) -> tuple[list[Problem], CourseSpec | None]:
    """Check a version as ``flask courses check`` checks its files.

    :return: every problem found, and the course as read back from its files (``None`` when
        there are problems)
    """
    spec = version_spec(version)
    problems = []
    if not spec.items:
        problems.append(Problem(_("The course has no lesson or quiz yet."), "course.yml"))
    result = _load(spec)
    problems += [_problem(error, spec.slug) for error in result.errors]
    if problems or not result.courses:
        return problems, None
    return [], result.courses[0]


def refresh_hash(version: CourseVersion) -> None:
    """Store the hash of what *version* now says (after an answer-key correction)."""
    _problems, loaded = check_version(version)
    if loaded is not None:
        version.content_hash = course_hash(loaded)
        db.session.flush()


class PublishBlocked(StudioError):
    """The draft has problems that keep it from being published."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_("The draft cannot be published yet: fix the problems listed."))
        self.problems = problems


def publish(course: Course, version: CourseVersion, note: str, actor, *,
            now: datetime | None = None) -> CourseVersion:
    """Make the draft *version* the one learners read, frozen from now on.

    The version it replaces stays, frozen, as ``superseded``; learners keep their progress
    (kept by lesson and quiz slug).

    :param note: what changed, for the version history (required)
    :raises PublishBlocked: the draft has problems (with each one)
    :raises StudioError: not the course's draft, no change note, nothing changed
    """
    if version is not get_draft(course):
        raise StudioError(_("Only the course's draft can be published."))
    note = nfc(note) or ""
    if not note:
        raise StudioError(_("Say in a few words what changed."), "note")
    if len(note) > 500:
        raise StudioError(_("Keep the note under 500 characters."), "note")
    problems, loaded = check_version(version)
    if loaded is None:
        raise PublishBlocked(problems)
    if not loaded.minutes:
        # Nothing says how long the course takes: estimate it from the lessons' length, and
        # write it down, so that the files and the database keep saying the same.
        loaded = dataclasses.replace(loaded, minutes=_estimate_minutes(loaded))
    digest = course_hash(loaded)
    live = course.live_version
    if live is not None and live.content_hash == digest and course.status == "published":
        raise StudioError(_("The draft says exactly what version %(num)d says: there is "
                            "nothing to publish.", num=live.number))
    now = now or utcnow()
    version.minutes = loaded.minutes
    version.content_hash = digest
    version.change_note = note
    for other in course.versions:
        if other is not version and other.status != "superseded":
            other.status = "superseded"
    version.status = "published"
    version.published_at = now
    if course.status != "archived":
        course.status = "published"
    course.live_version = version
    db.session.flush()
    audit.record("course.published", actor=actor, obj=course, slug=course.slug,
                 version=version.number, note=note)
    return version


def _estimate_minutes(spec: CourseSpec) -> int:
    """Return a course's minutes: each lesson's own, or its reading time; each time limit."""
    total = 0
    for item in spec.items:
        if item.is_quiz:
            total += item.settings.time_limit if item.settings else 0
        else:
            total += item.minutes or render_markdown(item.body.get("vi", "")).minutes
    return max(total, 1)


# --------------------------------------------------------------------------- zip files


def export_zip(version: CourseVersion) -> tuple[str, bytes]:
    """Return a .zip holding *version* as the course folder ``<slug>/`` of ``courses/``.

    :return: the file name and the bytes
    """
    spec = version_spec(version)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="studio-export-") as tmp:
        folder = write_course(spec, tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                name = path.relative_to(tmp).as_posix()
                info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return f"{spec.slug}-v{version.number}.zip", buffer.getvalue()


@dataclass
class ImportOutcome:
    """What importing a .zip did, or why it did nothing."""

    errors: list[LoadError] = field(default_factory=list)
    report: ImportReport | None = None
    #: Files of the .zip left out on purpose (programmes.yml, system files).
    skipped: list[str] = field(default_factory=list)


def _safe_members(archive: zipfile.ZipFile, errors: list[LoadError]) -> list[zipfile.ZipInfo]:
    members, total = [], 0
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name).parts
        if info.is_dir():
            continue
        if (name.startswith(("/", "\\")) or "\\" in name or ".." in parts
                or re.match(r"^[A-Za-z]:", name)):
            errors.append(LoadError(name, None, _("unsafe path in the .zip")))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            errors.append(LoadError(name, None, _("%(name)s is a symbolic link: course files "
                                                   "must be real files", name=name)))
            continue
        total += info.file_size
        members.append(info)
    if len(members) > MAX_ZIP_FILES or total > MAX_ZIP_BYTES:
        errors.append(LoadError("", None, _("The .zip is too large: at most %(files)d files "
                                            "and %(mb)d MB unpacked.", files=MAX_ZIP_FILES,
                                            mb=MAX_ZIP_BYTES // (1024 * 1024))))
    return members


def import_zip(data: bytes, filename: str, actor, *, now: datetime | None = None
               ) -> ImportOutcome:
    """Import the courses of a .zip of course files as new drafts, or report every error.

    The .zip holds course folders (``<slug>/course.yml``…), as the studio exports them, or one
    course's files at its top (the course is then named after the .zip). ``programmes.yml`` is
    left out: programmes are the administrators'. Nothing is imported when anything is wrong.

    :return: the errors (file and line), or the import report
    """
    outcome = ImportOutcome()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        outcome.errors.append(LoadError(filename, None, _("This is not a .zip file.")))
        return outcome
    with archive, tempfile.TemporaryDirectory(prefix="studio-import-") as tmp:
        members = _safe_members(archive, outcome.errors)
        if outcome.errors:
            return outcome
        top = [m for m in members if "/" not in m.filename]
        single = any(m.filename == "course.yml" for m in top)
        base = Path(tmp)
        if single:
            stem = PurePosixPath(filename).stem.lower()
            stem = re.sub(r"-v[0-9]+$", "", stem)
            base = base / stem
        for info in members:
            parts = PurePosixPath(info.filename).parts
            if parts[0] == "__MACOSX" or parts[-1].startswith("."):
                continue
            if parts[-1] == "programmes.yml" and len(parts) <= 2:
                outcome.skipped.append(info.filename)
                continue
            target = base.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_bytes(archive.read(info))
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
                outcome.errors.append(LoadError(info.filename, None,
                                                _("This file of the .zip cannot be read.")))
        if outcome.errors:
            return outcome
        root = base if single else _course_root(Path(tmp))
        result = load_tree(root, known_slugs=known_course_slugs())
        if not result.courses and not result.errors:
            result.errors.append(LoadError(filename, None, _("The .zip holds no course "
                                                              "folder (no course.yml).")))
        if result.errors:
            outcome.errors = list(result.errors)
            return outcome
        result.programmes = []
        outcome.report = import_specs(result, actor=actor, draft=True, now=now)
    return outcome


def _course_root(tmp: Path) -> Path:
    """Return the folder holding the course folders: the top, or one folder below it."""
    entries = [p for p in tmp.iterdir() if not p.name.startswith(".")]
    if (len(entries) == 1 and entries[0].is_dir() and not (entries[0] / "course.yml").is_file()
            and any((p / "course.yml").is_file() for p in entries[0].iterdir() if p.is_dir())):
        return entries[0]
    return tmp


def log_export(course: Course, version: CourseVersion, actor) -> None:
    """Record in the audit log that a version was exported."""
    audit.record("course.exported", actor=actor, obj=course, version=version.number)
