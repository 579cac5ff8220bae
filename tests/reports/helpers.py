"""Builders of learning history for the dashboard tests: reads, passes, attempts, certificates.

Progress goes through the real services (mark_lesson_read, record_quiz_result), so
completions and the certificates they earn are exactly what the portal would record.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certification.models import Certificate
from portal.db import utcnow
from portal.extensions import db
from portal.progress.services import mark_lesson_read, record_quiz_result
from portal.quizzes.models import Attempt
from tests.factories import get_course

WIFI = "clinic-wifi-safety"
HYGIENE = "hand-hygiene-records"


def item(course_slug: str, slug: str):
    """Return the live version's item *slug* of a fixture course."""
    _course, version = get_course(course_slug)
    return next(i for i in version.items if i.slug == slug)


def read(user, course_slug: str, *lessons: str, at=None):
    """Mark lessons read (all the course's lessons when none are named)."""
    _course, version = get_course(course_slug)
    names = lessons or [i.slug for i in version.items if not i.is_quiz]
    for name in names:
        mark_lesson_read(user, item(course_slug, name), now=at or utcnow())
    db.session.commit()


def attempt(user, course_slug: str, quiz: str = "check", *, score: float, at=None):
    """Record a submitted attempt and its result, as the quiz engine would."""
    quiz_item = item(course_slug, quiz)
    at = at or utcnow()
    number = (db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.user_id == user.id, Attempt.course_id == quiz_item.version.course_id,
        Attempt.quiz_slug == quiz)) or 0) + 1
    passed = score >= quiz_item.pass_mark
    db.session.add(Attempt(user_id=user.id, quiz_id=quiz_item.id,
                           course_id=quiz_item.version.course_id, quiz_slug=quiz, number=number,
                           started_at=at - timedelta(minutes=5), submitted_at=at, score=score,
                           is_passed=passed, pass_mark=quiz_item.pass_mark))
    db.session.flush()
    if passed:
        record_quiz_result(user, quiz_item, passed=True, now=at)
    db.session.commit()


def complete(user, course_slug: str, at=None):
    """Read every lesson and pass every quiz of a course (it completes, certificates follow)."""
    read(user, course_slug, at=at)
    _course, version = get_course(course_slug)
    for quiz in (i for i in version.items if i.is_quiz):
        attempt(user, course_slug, quiz.slug, score=100, at=at)


def bulk_staff(facility, count: int, *, job_role: str = "nurse", prefix: str = "Nhân viên"):
    """Insert *count* learners into *facility* quickly (no password hashing, one flush)."""
    users = [User(email=f"{prefix.lower().replace(' ', '')}{n}.{facility.id}@bulk.example.vn"
                  .encode("ascii", "ignore").decode(),
                  name=f"{prefix} {n:03d}", password_hash="x", role="learner",
                  job_role=job_role, facility_id=facility.id)
             for n in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return users


def certificate_of(user_or_facility_id, kind="course"):
    """Return the certificates of a user (or a facility, for kind="facility")."""
    column = Certificate.facility_id if kind == "facility" else Certificate.user_id
    return list(db.session.scalars(select(Certificate).where(
        column == user_or_facility_id, Certificate.kind == kind)))


def certificate(*, kind="facility", facility=None, user=None, programme=None, course=None,
                issued=None, expires, revoked=False):
    """Insert a certificate directly (no signing), for the reports that count them."""
    import secrets

    issued = issued or utcnow() - timedelta(days=30)
    key = secrets.token_hex(8)
    cert = Certificate(
        serial=f"T-{key}", code=secrets.token_urlsafe(18), kind=kind,
        achievement_key=f"test:{key}", facility_id=getattr(facility, "id", None),
        user_id=getattr(user, "id", None), programme_id=getattr(programme, "id", None),
        course_id=getattr(course, "id", None),
        holder_name=(facility.name if facility is not None else user.name),
        title={"vi": "Chứng nhận thử", "en": "Test certificate"}, issued_at=issued,
        expires_at=expires, revoked_at=utcnow() if revoked else None,
        revoke_reason="Thử thu hồi" if revoked else "")
    db.session.add(cert)
    db.session.commit()
    return cert
