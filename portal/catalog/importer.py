"""Put course files into the database, and write the database back out as course files.

:func:`import_specs` takes what :func:`~portal.catalog.loader.load_tree` read (only when it
found no error) and, in the caller's one transaction, creates or updates courses:

- files identical to the course's latest version change nothing (a content hash decides);
- changed files add a new version; the version learners read before stays, frozen, as
  ``superseded``, so completions and attempts keep naming what they were earned on;
- progress is kept by lesson and quiz slug, so what a learner read survives a new version.

:func:`export_specs` builds the same specs from the database, so that ``flask courses
export`` writes files that ``import`` reads back to the same content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.catalog.models import Course, CourseItem, CourseMedia, CourseVersion, MediaBlob
from portal.catalog.specs import CourseSpec, ItemSpec, LoadResult, MediaSpec, QuizSettings
from portal.certification.models import Programme
from portal.db import utcnow
from portal.extensions import db
from portal.quizzes.models import QuizQuestion
from portal.quizzes.questions import Question
from portal.text import fold

__all__ = ["ImportReport", "course_hash", "export_specs", "import_specs", "known_course_slugs"]


@dataclass
class ImportReport:
    """What an import did, course by course."""

    created: list[str] = field(default_factory=list)  #: new courses
    updated: list[str] = field(default_factory=list)  #: a new version of an existing course
    published: list[str] = field(default_factory=list)  #: a draft made live, content unchanged
    unchanged: list[str] = field(default_factory=list)
    programmes: int = 0  #: programmes created or changed

    @property
    def changed(self) -> bool:
        """Return whether the import wrote anything."""
        return bool(self.created or self.updated or self.published or self.programmes)


def known_course_slugs() -> set[str]:
    """Return the slugs of every course in the database (``requires`` may name them)."""
    return set(db.session.scalars(select(Course.slug)))


#: Question fields that are not part of what a question says (``line``: where it was read).
_QUESTION_NOT_COMPARED = frozenset(f.name for f in dataclasses.fields(Question) if not f.compare)


def _canonical(value: Any) -> Any:
    """Return JSON-safe data for hashing a spec (dataclasses, tuples, dates).

    Only what equality compares counts: equal specs must give equal hashes, wherever in a
    file a question happened to start.
    """
    if isinstance(value, Question):
        return {k: v for k, v in value.to_dict().items() if k not in _QUESTION_NOT_COMPARED}
    if isinstance(value, MediaSpec):
        return {"name": value.name, "sha256": value.sha256}
    if dataclasses.is_dataclass(value):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.compare and f.name != "path"}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def course_hash(spec: CourseSpec) -> str:
    """Return the SHA-256 of everything *spec* says (not where its files were).

    :param spec: a course as the loader read it
    :return: 64 hex digits; equal specs give equal hashes
    """
    data = json.dumps(_canonical(spec), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def import_specs(result: LoadResult, *, actor=None, draft: bool = False,
                 now: datetime | None = None) -> ImportReport:
    """Create or update courses and programmes from loaded course files, in one transaction.

    The caller commits (or rolls back); this only flushes.

    :param result: a loader result with no errors
    :param actor: the user importing, for the audit log (``None`` from the command line)
    :param draft: keep new versions as drafts instead of publishing them
    :param now: the time to record; defaults to now
    :return: what changed
    :raises ValueError: when *result* has errors (nothing must half-import)
    """
    if result.errors:
        raise ValueError("course files with errors cannot be imported")
    now = now or utcnow()
    report = ImportReport()
    slugs = [spec.slug for spec in result.courses]
    existing = {
        course.slug: course
        for course in db.session.scalars(
            select(Course).where(Course.slug.in_(slugs)).options(selectinload(Course.versions))
        )
    }
    for spec in result.courses:
        _import_course(spec, existing.get(spec.slug), actor, draft, now, report)
    report.programmes = _import_programmes(result)
    db.session.flush()
    if report.changed:
        audit.record("courses.imported", actor=actor, object_type="courses",
                     created=report.created, updated=report.updated,
                     published=report.published, programmes=report.programmes)
    return report


def _import_course(spec: CourseSpec, course: Course | None, actor, draft: bool, now: datetime,
                   report: ImportReport) -> None:
    digest = course_hash(spec)
    if course is None:
        course = Course(slug=spec.slug, status="draft")
        db.session.add(course)
        latest = None
        report.created.append(spec.slug)
    else:
        latest = course.versions[-1] if course.versions else None
    if latest is not None and latest.content_hash == digest:
        if draft or (latest.status == "published" and course.status == "published"):
            report.unchanged.append(spec.slug)
            return
        _publish(course, latest, now)
        report.published.append(spec.slug)
        return
    if latest is not None:
        report.updated.append(spec.slug)
    version = _build_version(spec, digest, (latest.number + 1) if latest else 1, actor, now)
    course.versions.append(version)
    db.session.flush()
    if draft:
        for older in course.versions[:-1]:
            if older.status == "draft":
                older.status = "superseded"
    else:
        _publish(course, version, now)
    audit.record("course.version_created", actor=actor, obj=course, version=version.number,
                 status=version.status)


def _publish(course: Course, version: CourseVersion, now: datetime) -> None:
    """Make *version* the one learners read; every other version of the course is frozen."""
    for other in course.versions:
        if other is not version and other.status != "superseded":
            other.status = "superseded"
    version.status = "published"
    version.published_at = version.published_at or now
    course.status = "published"
    course.live_version = version


def _build_version(spec: CourseSpec, digest: str, number: int, actor, now: datetime
                   ) -> CourseVersion:
    version = CourseVersion(
        number=number,
        status="draft",
        title=dict(spec.title),
        summary=dict(spec.summary),
        search_text=" ".join(fold(t) for t in (*spec.title.values(), *spec.summary.values())),
        minutes=spec.minutes,
        position=spec.order,
        requires=list(spec.requires),
        awards_certificate=spec.certificate,
        reviewed_on=spec.reviewed,
        content_hash=digest,
        created_at=now,
        created_by_id=getattr(actor, "id", None),
    )
    version.audience = spec.audience
    for item in spec.items:
        version.items.append(_build_item(item))
    for media in spec.media:
        _store_blob(media)
        version.media.append(CourseMedia(name=media.name, sha256=media.sha256))
    return version


def _build_item(spec: ItemSpec) -> CourseItem:
    sources = {"vi": list(spec.sources)}
    if spec.sources_en:
        sources["en"] = list(spec.sources_en)
    item = CourseItem(position=spec.number, kind=spec.kind, slug=spec.slug,
                      title=dict(spec.title), minutes=spec.minutes, sources=sources,
                      body=dict(spec.body))
    if spec.is_quiz:
        settings = spec.settings or QuizSettings()
        item.pass_mark = settings.pass_mark
        item.max_attempts = settings.attempts
        item.time_limit = settings.time_limit
        item.draw = settings.draw
        item.shuffle = settings.shuffle
        item.feedback = settings.feedback
        vi = spec.questions.get("vi", ())
        en = spec.questions.get("en", ())
        for index, question in enumerate(vi):
            data = {"vi": question.to_dict()}
            if index < len(en):
                data["en"] = en[index].to_dict()
            item.questions.append(QuizQuestion(position=index + 1, name=question.name,
                                               qtype=question.type, data=data))
    return item


def _store_blob(media: MediaSpec) -> None:
    """Store a media file's bytes once, under its content hash."""
    if db.session.get(MediaBlob, media.sha256) is not None:
        return
    data = media.data if media.data is not None else Path(media.path).read_bytes()
    db.session.add(MediaBlob(sha256=media.sha256, content_type=media.content_type,
                             size=len(data), data=data))
    db.session.flush()


def _import_programmes(result: LoadResult) -> int:
    changed = 0
    existing = {p.slug: p for p in db.session.scalars(select(Programme))}
    for position, spec in enumerate(result.programmes):
        values = {
            "title": dict(spec.title),
            "summary": dict(spec.summary),
            "validity_months": spec.validity_months,
            "courses": {role: list(slugs) for role, slugs in spec.courses.items()},
            "manager_required": spec.manager_required,
            "staff_share": spec.staff_share,
            "roles_any": list(spec.roles_any),
            "is_active": True,
            "position": position,
        }
        programme = existing.get(spec.slug)
        if programme is None:
            db.session.add(Programme(slug=spec.slug, **values))
            changed += 1
        elif any(getattr(programme, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(programme, key, value)
            changed += 1
    return changed


# --------------------------------------------------------------------------- export


def export_specs(slugs: Iterable[str] | None = None) -> tuple[list[CourseSpec], list[Any]]:
    """Return the latest version of each course, and the active programmes, as specs.

    :param slugs: only these courses; ``None``: every course that is not archived
    :return: course specs (media carrying their bytes) and programme specs
    """
    from portal.catalog.specs import ProgrammeSpec

    latest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
              .group_by(CourseVersion.course_id).subquery())
    stmt = (
        select(CourseVersion)
        .join(latest, (latest.c.course_id == CourseVersion.course_id)
              & (latest.c.number == CourseVersion.number))
        .join(Course, Course.id == CourseVersion.course_id)
        .options(selectinload(CourseVersion.items), selectinload(CourseVersion.media)
                 .selectinload(CourseMedia.blob).undefer(MediaBlob.data),
                 selectinload(CourseVersion.course))
        .order_by(CourseVersion.position, Course.slug)
    )
    if slugs is None:
        stmt = stmt.where(Course.status != "archived")
    else:
        stmt = stmt.where(Course.slug.in_(list(slugs)))
    versions = list(db.session.scalars(stmt))
    quiz_ids = [item.id for v in versions for item in v.items if item.is_quiz]
    questions: dict[int, list[QuizQuestion]] = {}
    if quiz_ids:
        for row in db.session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id
                                      .in_(quiz_ids)).order_by(QuizQuestion.position)):
            questions.setdefault(row.quiz_id, []).append(row)
    courses = [version_spec(v, questions) for v in versions]
    programmes = [
        ProgrammeSpec(slug=p.slug, title=dict(p.title), summary=dict(p.summary),
                      validity_months=p.validity_months,
                      courses={k: tuple(v) for k, v in p.courses.items()},
                      manager_required=p.manager_required, staff_share=p.staff_share,
                      roles_any=tuple(p.roles_any))
        for p in db.session.scalars(select(Programme).where(Programme.is_active)
                                    .order_by(Programme.position, Programme.slug))
    ]
    return courses, programmes


def version_spec(version: CourseVersion, questions: dict[int, list[QuizQuestion]]
                  ) -> CourseSpec:
    items = []
    for item in version.items:
        common = {"kind": item.kind, "number": item.position, "slug": item.slug,
                  "title": dict(item.title), "minutes": item.minutes}
        if item.is_quiz:
            rows = questions.get(item.id, [])
            by_lang = {"vi": tuple(Question.from_dict(r.data["vi"]) for r in rows)}
            if rows and all("en" in r.data for r in rows):
                by_lang["en"] = tuple(Question.from_dict(r.data["en"]) for r in rows)
            settings = QuizSettings(pass_mark=item.pass_mark, attempts=item.max_attempts,
                                    time_limit=item.time_limit, draw=item.draw,
                                    shuffle=item.shuffle, feedback=item.feedback)
            items.append(ItemSpec(**common, settings=settings, questions=by_lang,
                                  path=f"{item.position:02d}-{item.slug}.gift"))
        else:
            items.append(ItemSpec(**common, sources=tuple(item.sources.get("vi", ())),
                                  sources_en=tuple(item.sources.get("en", ())),
                                  body=dict(item.body),
                                  path=f"{item.position:02d}-{item.slug}.md"))
    media = tuple(
        MediaSpec(name=m.name, sha256=m.sha256, size=m.blob.size,
                  content_type=m.blob.content_type, path=Path(m.name), data=m.blob.data)
        for m in sorted(version.media, key=lambda m: m.name)
    )
    return CourseSpec(slug=version.course.slug, title=dict(version.title),
                      summary=dict(version.summary), audience=version.audience,
                      minutes=version.minutes, order=version.position,
                      requires=tuple(version.requires),
                      certificate=version.awards_certificate, reviewed=version.reviewed_on,
                      items=tuple(items), media=media)
