"""Versions of a course in the studio: start a draft, restore an old version, discard a
draft, archive a course.

A draft is always a full copy (texts, settings, steps, questions, images by reference), so a
published version is never touched again; see :mod:`portal.authoring.services` for the rules
shared by every edit, and :mod:`portal.authoring.publishing` for publishing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.authoring.services import StudioError, get_draft
from portal.catalog.models import Course, CourseItem, CourseMedia, CourseVersion
from portal.db import utcnow
from portal.extensions import db
from portal.quizzes.models import QuizQuestion

__all__ = [
    "archive_course",
    "discard_draft",
    "restore_version",
    "start_draft",
    "unarchive_course",
]


def archive_course(course: Course, actor) -> None:
    """Retire a course: learners no longer see it; its versions and records stay."""
    if course.status == "archived":
        raise StudioError(_("The course is already archived."))
    course.status = "archived"
    db.session.flush()
    audit.record("course.archived", actor=actor, obj=course, slug=course.slug)


def unarchive_course(course: Course, actor) -> None:
    """Bring an archived course back: published again if it had a live version."""
    if course.status != "archived":
        raise StudioError(_("The course is not archived."))
    course.status = "published" if course.live_version_id is not None else "draft"
    db.session.flush()
    audit.record("course.unarchived", actor=actor, obj=course, slug=course.slug,
                 status=course.status)


def _copy_item(item: CourseItem) -> CourseItem:
    copy = CourseItem(
        position=item.position, kind=item.kind, slug=item.slug, title=dict(item.title),
        minutes=item.minutes, sources={k: list(v) for k, v in item.sources.items()},
        body=dict(item.body), pass_mark=item.pass_mark, max_attempts=item.max_attempts,
        time_limit=item.time_limit, draw=item.draw, shuffle=item.shuffle,
        feedback=item.feedback)
    for question in item.questions:
        copy.questions.append(QuizQuestion(
            position=question.position, name=question.name, qtype=question.qtype,
            data={lang: dict(data) for lang, data in question.data.items()}))
    return copy


def _copy_version(course: Course, source: CourseVersion, actor, now: datetime
                  ) -> CourseVersion:
    """Add a new draft to *course* holding exactly what *source* says."""
    source = db.session.scalar(
        select(CourseVersion).where(CourseVersion.id == source.id)
        .options(selectinload(CourseVersion.items).selectinload(CourseItem.questions),
                 selectinload(CourseVersion.media)))
    number = max(v.number for v in course.versions) + 1
    draft = CourseVersion(
        number=number, status="draft", title=dict(source.title),
        summary=dict(source.summary), search_text=source.search_text,
        audience_roles=source.audience_roles, minutes=source.minutes,
        position=source.position, requires=list(source.requires),
        awards_certificate=source.awards_certificate, reviewed_on=source.reviewed_on,
        content_hash="", created_at=now, created_by_id=getattr(actor, "id", None))
    for item in source.items:
        draft.items.append(_copy_item(item))
    for media in source.media:
        draft.media.append(CourseMedia(name=media.name, sha256=media.sha256))
    course.versions.append(draft)
    db.session.flush()
    return draft


def start_draft(course: Course, actor, *, now: datetime | None = None) -> CourseVersion:
    """Return the course's draft, first copying the live (or latest) version into one.

    :return: the draft to edit
    """
    if (draft := get_draft(course)) is not None:
        return draft
    source = course.live_version or course.versions[-1]
    draft = _copy_version(course, source, actor, now or utcnow())
    audit.record("course.draft_started", actor=actor, obj=course, version=draft.number,
                 source=source.number)
    return draft


def restore_version(course: Course, source: CourseVersion, actor, *,
                    now: datetime | None = None) -> CourseVersion:
    """Make a new draft holding what an older version said.

    :raises StudioError: the course already has a draft (publish or discard it first)
    """
    if get_draft(course) is not None:
        raise StudioError(_("This course already has a draft: publish or discard it before "
                            "restoring an older version."))
    draft = _copy_version(course, source, actor, now or utcnow())
    audit.record("course.version_restored", actor=actor, obj=course, version=draft.number,
                 source=source.number)
    return draft


def discard_draft(course: Course, actor) -> bool:
    """Throw the course's draft away (a course never published goes with it).

    A draft that a trainer's preview attempt still points at cannot be deleted: it is then
    set aside (``superseded``) instead, and stays in the history.

    :return: whether the whole course was deleted
    :raises StudioError: there is no draft
    """
    draft = get_draft(course)
    if draft is None:
        raise StudioError(_("This course has no draft."))
    number, slug, course_id, draft_id = draft.number, course.slug, course.id, draft.id
    whole = len(course.versions) == 1
    try:
        with db.session.begin_nested():
            db.session.delete(draft)
            db.session.flush()
            db.session.expire(course, ["versions"])
            if whole:
                db.session.delete(course)
                db.session.flush()
    except IntegrityError:
        whole = False
        db.session.execute(update(CourseVersion).where(CourseVersion.id == draft_id)
                           .values(status="superseded"))
        db.session.expire_all()
    audit.record("course.draft_discarded", actor=actor, object_type="courses",
                 object_id=course_id, slug=slug, version=number, course_deleted=whole)
    return whole
