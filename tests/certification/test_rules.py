"""Readiness of people and facilities, computed live from completions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.certification.models import Programme
from portal.certification.rules import facility_readiness, person_status
from portal.db import utcnow
from portal.extensions import db
from portal.progress.models import CourseCompletion
from tests.factories import create_facility, create_user, get_course, import_courses

WIFI = "clinic-wifi-safety"
HYGIENE = "hand-hygiene-records"


def complete(user, *slugs):
    """Record completions directly (the rules read nothing else)."""
    for slug in slugs:
        course, version = get_course(slug)
        db.session.add(CourseCompletion(user_id=user.id, course_id=course.id,
                                        version_id=version.id, completed_at=utcnow()))
    db.session.commit()


@pytest.fixture
def programme(app):
    import_courses()
    return db.session.scalar(select(Programme))


@pytest.fixture
def clinic(programme):
    facility = create_facility()
    manager = create_user("manager", facility=facility, job_role="administrative")
    staff = [create_user(facility=facility, job_role=role)
             for role in ("nurse", "nurse", "doctor", "pharmacist", "it")]
    return facility, manager, staff


def test_a_person_needs_the_courses_of_their_job_role(programme):
    nurse = create_user(job_role="nurse")
    pharmacist = create_user(job_role="pharmacist")
    assert person_status(nurse, programme).required == (WIFI, HYGIENE)
    assert person_status(pharmacist, programme).required == (WIFI,)
    complete(nurse, WIFI)
    complete(pharmacist, WIFI)
    assert person_status(nurse, programme).missing == (HYGIENE,)
    assert person_status(pharmacist, programme).is_done


def test_facility_is_ready_with_manager_share_and_role(clinic, programme):
    facility, manager, (n1, n2, doctor, pharmacist, it) = clinic
    readiness = facility_readiness(facility, programme)
    assert not readiness.is_ready and readiness.staff_needed == 4  # 80% of 5, rounded up
    complete(manager, WIFI)
    complete(n1, WIFI, HYGIENE)
    complete(n2, WIFI, HYGIENE)
    complete(doctor, WIFI, HYGIENE)
    readiness = facility_readiness(facility, programme)
    assert readiness.managers_ok and readiness.roles_ok  # the manager is administrative
    assert readiness.staff_done == 3 and not readiness.share_ok and not readiness.is_ready
    complete(pharmacist, WIFI)
    assert facility_readiness(facility, programme).is_ready


def test_deactivated_staff_do_not_count(clinic, programme):
    facility, manager, (n1, n2, doctor, pharmacist, it) = clinic
    complete(manager, WIFI)
    for person in (n1, n2, doctor):
        complete(person, WIFI, HYGIENE)
    assert not facility_readiness(facility, programme).is_ready
    for person in (pharmacist, it):
        person.is_active = False
    db.session.commit()
    readiness = facility_readiness(facility, programme)
    assert len(readiness.staff) == 3 and readiness.staff_needed == 3
    assert readiness.is_ready


def test_a_changed_job_role_changes_what_is_required(clinic, programme):
    facility, manager, (n1, *_rest) = clinic
    complete(n1, WIFI)
    assert not person_status(n1, programme).is_done
    n1.job_role = "pharmacist"
    db.session.commit()
    assert person_status(n1, programme).is_done


def test_the_manager_rule_and_the_role_rule(clinic, programme):
    facility, manager, staff = clinic
    for person in staff:
        complete(person, *programme.courses_for(person.job_role))
    readiness = facility_readiness(facility, programme)
    assert readiness.share_ok and not readiness.managers_ok and not readiness.is_ready
    complete(manager, WIFI)
    assert facility_readiness(facility, programme).is_ready
    staff[4].is_active = False  # the only "it" person leaves; the manager is administrative
    manager.job_role = "nurse"
    db.session.commit()
    readiness = facility_readiness(facility, programme)
    assert not readiness.roles_ok and not readiness.managers_ok  # nurse needs hygiene too


def test_readiness_runs_a_fixed_number_of_queries(clinic, programme, count_queries):
    facility, manager, staff = clinic
    with count_queries() as few:
        facility_readiness(facility, programme)
    for _ in range(20):
        complete(create_user(facility=facility, job_role="nurse"), WIFI)
    db.session.expire_all()
    with count_queries() as many:
        facility_readiness(facility, programme)
    assert few.count == many.count <= 4  # people, completions (+ reloads after expire_all)


def test_a_completion_on_an_older_course_version_still_counts(programme, tmp_path):
    import shutil

    from tests.conftest import ROOT

    nurse = create_user(job_role="nurse")
    complete(nurse, WIFI, HYGIENE)
    tree = tmp_path / "courses"
    shutil.copytree(ROOT / "tests/fixtures/courses", tree)
    lesson = tree / WIFI / "02-guest-network.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nThêm một đoạn.\n", encoding="utf-8")
    assert import_courses(tree).updated == [WIFI]
    assert get_course(WIFI)[1].number == 2
    assert person_status(nurse, programme).is_done
