"""The learner's dashboard, /me: in progress, completed, and what the programme asks."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.progress.services import mark_lesson_read, record_quiz_result
from tests.factories import create_user, get_course, import_courses

WIFI = "clinic-wifi-safety"
HYGIENE = "hand-hygiene-records"


def _detached(user):
    db.session.refresh(user)
    db.session.expunge(user)
    return user


@pytest.fixture
def nurse(app):
    with app.app_context():
        import_courses()
        return _detached(create_user(job_role="nurse", locale="en"))


def _finish(user, slug):
    _course, version = get_course(slug)
    for item in version.items:
        if item.is_quiz:
            record_quiz_result(user, item, passed=True)
        else:
            mark_lesson_read(user, item)
    db.session.commit()


def test_dashboard_needs_sign_in(client):
    response = client.get("/me")
    assert response.status_code == 302 and "/login" in response.location


def test_new_learner_sees_what_the_programme_asks(client, as_user, nurse):
    as_user(nurse)
    page = client.get("/me").get_data(as_text=True)
    assert "Digitally safe clinic 2026" in page
    assert "You have completed 0 of the 2 courses the programme asks of you." in page
    checklist = page[page.index('class="checklist"'):]
    assert checklist.index("Clinic Wi-Fi safety") < checklist.index("Electronic hand-hygiene")
    assert "No course in progress." in page
    assert "You have not completed a course yet." in page


def test_dashboard_shows_progress_and_completions(client, as_user, nurse, app):
    with app.app_context():
        _finish(nurse, WIFI)
        _course, hygiene = get_course(HYGIENE)
        mark_lesson_read(nurse, hygiene.items[0])
        db.session.commit()
    as_user(nurse)
    page = client.get("/me").get_data(as_text=True)
    assert "You have completed 1 of the 2 courses the programme asks of you." in page
    in_progress = page[page.index('id="in-progress-title"'):page.index('id="completed-title"')]
    assert "Electronic hand-hygiene records" in in_progress
    assert "1 of 3 steps done" in in_progress and 'value="33"' in in_progress
    assert "Last activity" in in_progress
    completed = page[page.index('id="completed-title"'):]
    assert "Clinic Wi-Fi safety" in completed
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}T', completed)


def test_programme_courses_follow_the_job_role(client, as_user, app):
    with app.app_context():
        import_courses()
        pharmacist = _detached(create_user(job_role="pharmacist", locale="en"))
    as_user(pharmacist)
    page = client.get("/me").get_data(as_text=True)
    assert "You have completed 0 of the 1 courses the programme asks of you." in page
    checklist = page[page.index('class="checklist"'):page.index('id="in-progress-title"')]
    assert "Electronic hand-hygiene" not in checklist


def test_dashboard_runs_a_fixed_number_of_queries(client, as_user, app, count_queries):
    from tests.conftest import ROOT

    with app.app_context():
        import_courses()
        user = _detached(create_user(locale="en"))
    as_user(user)
    with count_queries() as few:
        client.get("/me")
    with app.app_context():
        import_courses(ROOT / "courses")
        _finish(user, WIFI)
        _course, emr = get_course("electronic-medical-records")
        mark_lesson_read(user, emr.items[0])
        db.session.commit()
    with count_queries() as many:
        assert client.get("/me").status_code == 200
    assert few.count == many.count, (few.statements, many.statements)
