"""Issuing, requesting, deciding, renewing and revoking certificates."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.certification import services
from portal.certification.models import Certificate, CertificationRequest, Programme
from portal.db import utcnow
from portal.extensions import db
from portal.progress.models import CourseCompletion
from portal.progress.services import mark_lesson_read, record_quiz_result
from tests.conftest import SuiteConfig
from tests.factories import create_facility, create_user, get_course, import_courses

WIFI = "clinic-wifi-safety"
HYGIENE = "hand-hygiene-records"


def finish(user, slug, now=None):
    """Complete *slug* through the progress services (so certificates are issued)."""
    _course, version = get_course(slug)
    for item in version.items:
        if item.is_quiz:
            record_quiz_result(user, item, passed=True, now=now)
        else:
            mark_lesson_read(user, item, now=now)
    db.session.commit()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def programme(app):
    import_courses()
    return db.session.scalar(select(Programme))


@pytest.fixture
def ready_clinic(programme):
    """A clinic whose manager and staff have completed everything the programme asks."""
    facility = create_facility(name="Phòng khám Đa khoa Tâm Đức")
    manager = create_user("manager", facility=facility, job_role="administrative")
    staff = [create_user(facility=facility, job_role=role) for role in ("nurse", "pharmacist")]
    admin = create_user("admin")
    for person in (manager, *staff):
        for slug in programme.courses_for(person.job_role):
            finish(person, slug)
    return facility, manager, staff, admin


def test_completing_a_course_that_awards_one_issues_its_certificate(programme):
    learner = create_user(name="Nguyễn Thị Hằng", job_role="nurse")
    finish(learner, WIFI)
    (cert,) = db.session.scalars(select(Certificate)).all()
    assert cert.kind == "course" and cert.holder_name == "Nguyễn Thị Hằng"
    assert re.fullmatch(r"DHA-\d{4}-\d{6}", cert.serial)
    assert len(cert.code) >= 24  # 144 bits, URL-safe
    assert cert.title["en"] == "Clinic Wi-Fi safety"
    assert cert.version_id == get_course(WIFI)[1].id
    assert timedelta(days=365 * 3 - 2) < cert.expires_at - cert.issued_at < timedelta(days=1100)
    assert cert.status() == "active"
    assert count(AuditEvent, AuditEvent.action == "certificate.issued") == 1


def test_a_course_without_a_certificate_issues_none_but_the_programme_does(programme):
    nurse = create_user(job_role="nurse")
    finish(nurse, WIFI)
    assert count(Certificate, Certificate.kind == "programme") == 0
    finish(nurse, HYGIENE)  # hand hygiene awards no course certificate
    kinds = sorted(db.session.scalars(select(Certificate.kind)))
    assert kinds == ["course", "programme"]
    programme_cert = db.session.scalar(select(Certificate).where(Certificate.kind == "programme"))
    assert programme_cert.title["en"] == "Digitally safe clinic 2026"


def test_the_same_achievement_is_never_certified_twice(programme):
    learner = create_user()
    finish(learner, WIFI)
    completion = db.session.scalar(select(CourseCompletion))
    assert services.issue_course_certificate(learner, completion) is None
    assert services.issue_programme_certificates(learner) == []
    assert count(Certificate) == 1  # a nurse also needs hand hygiene for the programme


def _file_app(make_app, tmp_path):
    """An app on a database that several threads can really share (file SQLite or PG)."""

    class Shared(SuiteConfig):
        if SuiteConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'shared.db'}"

    shared = make_app(Shared)
    if Shared.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///"):
        with shared.app_context():
            db.create_all()
    return shared


def test_concurrent_completions_issue_one_certificate(make_app, tmp_path, app):
    shared = _file_app(make_app, tmp_path)
    with shared.app_context():
        import_courses()
        learner = create_user()
        _course, version = get_course(WIFI)
        for item in version.items:
            if item.is_quiz:
                record_quiz_result(learner, item, passed=True)
            else:
                mark_lesson_read(learner, item)
        db.session.commit()
        db.session.execute(Certificate.__table__.delete())  # as if issuing had not happened
        db.session.commit()
        user_id = learner.id
    barrier = threading.Barrier(4)
    results, errors = [], []

    def issue():
        try:
            with shared.app_context():
                from portal.accounts.models import User

                user = db.session.get(User, user_id)
                completion = db.session.scalar(select(CourseCompletion))
                barrier.wait(timeout=10)
                cert = services.issue_course_certificate(user, completion)
                db.session.commit()
                results.append(cert is not None)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with shared.app_context():
        issued = db.session.scalar(select(func.count()).select_from(Certificate)
                                   .where(Certificate.kind == "course"))
        # clean up what this app wrote when it shares the suite's PostgreSQL database
        if not str(db.engine.url).startswith("sqlite"):
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
    # SQLite may refuse a racing writer ("database is locked"); it must never double-issue
    assert issued == 1, (results, errors)
    assert results.count(True) <= 1


def test_request_needs_readiness_and_only_one_waits(programme):
    facility = create_facility()
    manager = create_user("manager", facility=facility, job_role="administrative")
    create_user(facility=facility, job_role="nurse")
    with pytest.raises(services.CertificationError, match="does not meet"):
        services.request_certification(manager, programme)
    assert count(CertificationRequest) == 0


def test_request_review_and_issue(ready_clinic, programme):
    facility, manager, staff, admin = ready_clinic
    req = services.request_certification(manager, programme)
    db.session.commit()
    assert req.status == "pending" and not req.is_renewal
    with pytest.raises(services.CertificationError, match="already waiting"):
        services.request_certification(manager, programme)
    db.session.rollback()
    cert = services.approve_request(admin, req)
    db.session.commit()
    assert req.status == "issued" and req.certificate_id == cert.id
    assert cert.kind == "facility" and cert.holder_name == "Phòng khám Đa khoa Tâm Đức"
    assert cert.issued_by_id == admin.id
    with pytest.raises(services.CertificationError, match="already been decided"):
        services.approve_request(admin, req)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"certification.requested", "certification.approved", "certificate.issued"} <= actions


def test_decline_needs_a_reason_that_the_manager_sees(ready_clinic, programme):
    facility, manager, staff, admin = ready_clinic
    req = services.request_certification(manager, programme)
    with pytest.raises(services.CertificationError, match="reason"):
        services.decline_request(admin, req, "   ")
    services.decline_request(admin, req, "Thiếu  hồ sơ của điều dưỡng")
    db.session.commit()
    assert req.status == "declined" and req.decline_reason == "Thiếu hồ sơ của điều dưỡng"
    assert count(Certificate, Certificate.kind == "facility") == 0
    services.request_certification(manager, programme)  # may ask again
    db.session.commit()


def test_renewal_opens_in_the_last_90_days(ready_clinic, programme):
    facility, manager, staff, admin = ready_clinic
    first = services.approve_request(admin, services.request_certification(manager, programme))
    db.session.commit()
    with pytest.raises(services.CertificationError, match="certified until"):
        services.request_certification(manager, programme)
    db.session.rollback()
    later = first.expires_at - timedelta(days=80)
    renewal = services.request_certification(manager, programme, now=later)
    assert renewal.is_renewal
    second = services.approve_request(admin, renewal, now=later)
    db.session.commit()
    assert second.achievement_key.endswith(":2") and second.issued_at == later
    assert second.expires_at > first.expires_at
    assert "certification.renewed" in set(db.session.scalars(select(AuditEvent.action)))
    assert first.status(first.expires_at + timedelta(days=1)) == "expired"


def test_a_facility_that_stopped_being_ready_is_not_certified(ready_clinic, programme):
    facility, manager, staff, admin = ready_clinic
    req = services.request_certification(manager, programme)
    db.session.commit()
    for person in staff:
        person.job_role = "doctor"  # doctors also need hand hygiene, not completed
    db.session.commit()
    with pytest.raises(services.CertificationError, match="no longer"):
        services.approve_request(admin, req)
    db.session.rollback()
    assert db.session.get(CertificationRequest, req.id).status == "pending"


def test_revoking_needs_a_reason_and_shows_as_revoked(programme):
    learner = create_user()
    finish(learner, WIFI)
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "course"))
    admin = create_user("admin")
    with pytest.raises(services.CertificationError):
        services.revoke_certificate(cert, "", actor=admin)
    services.revoke_certificate(cert, "Cấp nhầm người", actor=admin)
    db.session.commit()
    assert cert.status() == "revoked" and cert.revoke_reason == "Cấp nhầm người"
    with pytest.raises(services.CertificationError, match="already revoked"):
        services.revoke_certificate(cert, "again", actor=admin)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert event.actor_id == admin.id and event.detail["reason"] == "Cấp nhầm người"


def test_expiry_follows_the_clock(programme):
    learner = create_user()
    start = utcnow() - timedelta(days=365 * 4)
    finish(learner, WIFI, now=start)
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "course"))
    assert cert.issued_at == start and cert.status() == "expired"


def test_add_months_keeps_the_day_or_the_month_end():
    from datetime import UTC, datetime

    assert services.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).day == 28
    assert services.add_months(datetime(2026, 11, 25, tzinfo=UTC), 36).year == 2029

