"""The trainers' course funnel, by province and job role, with its export and its walls."""

from __future__ import annotations

import csv
import io

import pytest

from portal.reports.funnel import course_funnel
from tests.factories import create_facility, create_user, get_course, import_courses
from tests.reports.helpers import WIFI, attempt, complete, read


@pytest.fixture
def learners(app):
    """Hà Nội: a nurse completes, a doctor reads one lesson and fails the quiz.
    Huế: a nurse reads both lessons. A trainer's preview is not counted."""
    import_courses()
    hanoi = create_facility(province="Hà Nội")
    hue = create_facility(province="Huế")
    nurse = create_user(facility=hanoi, job_role="nurse")
    doctor = create_user(facility=hanoi, job_role="doctor")
    hue_nurse = create_user(facility=hue, job_role="nurse")
    trainer = create_user("trainer")
    complete(nurse, WIFI)
    read(doctor, WIFI, "home-router")
    attempt(doctor, WIFI, score=20)
    read(hue_nurse, WIFI)
    read(trainer, WIFI)
    return nurse, doctor, hue_nurse


def _counts(funnel):
    return [(s.kind, s.item.slug if s.item else None, s.count) for s in funnel.steps]


def test_funnel_counts_each_step(learners):
    course, version = get_course(WIFI)
    funnel = course_funnel(course, version)
    assert _counts(funnel) == [
        ("started", None, 3), ("lesson", "home-router", 3), ("lesson", "guest-network", 2),
        ("quiz", "check", 1), ("completed", None, 1), ("certificate", None, 1)]
    assert [funnel.percent(s) for s in funnel.steps] == [100, 100, 67, 33, 33, 33]
    quiz = funnel.quizzes["check"]
    assert (quiz.attempts, quiz.learners, quiz.passed_attempts) == (2, 2, 1)
    assert quiz.mean_score == pytest.approx(60.0) and quiz.pass_rate == pytest.approx(50.0)


@pytest.mark.parametrize(("filters", "started", "read_both"), [
    ({"province": "01"}, 2, 1),
    ({"province": "46"}, 1, 1),
    ({"job_role": "nurse"}, 2, 2),
    ({"province": "01", "job_role": "doctor"}, 1, 0),
    ({"job_role": "midwife"}, 0, 0),
])
def test_funnel_filters(learners, filters, started, read_both):
    course, version = get_course(WIFI)
    funnel = course_funnel(course, version, **filters)
    assert funnel.steps[0].count == started and funnel.steps[2].count == read_both


def test_funnel_page_and_export(client, as_user, learners, count_queries):
    as_user(create_user("trainer", locale="en"))
    html = client.get("/reports/courses").get_data(as_text=True)
    assert "/reports/courses/clinic-wifi-safety" in html
    assert "/courses/clinic-wifi-safety/quizzes/check/statistics" in html
    html = client.get("/reports/courses/clinic-wifi-safety?province=Hà Nội").get_data(
        as_text=True)
    assert '<svg class="chart"' in html and "Started the course" in html
    assert "/courses/clinic-wifi-safety/quizzes/check/statistics" in html
    response = client.get("/reports/courses/clinic-wifi-safety/funnel.csv?job_role=nurse")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Step", "People", "Share of those who started (%)"]
    assert rows[1] == ["Started the course", "2", "100"]
    with count_queries() as few:
        client.get("/reports/courses/clinic-wifi-safety")
    for _n in range(5):
        read(create_user(job_role="nurse"), WIFI)
    with count_queries() as more:
        client.get("/reports/courses/clinic-wifi-safety")
    assert few.count == more.count


def test_unknown_filters_and_courses(client, as_user, learners):
    as_user(create_user("admin", locale="en"))
    response = client.get("/reports/courses/clinic-wifi-safety?province=Mars&job_role=pilot")
    assert response.status_code == 200
    assert "Unknown province: Mars." in response.get_data(as_text=True)
    assert client.get("/reports/courses/no-such-course").status_code == 404
    assert client.get("/reports/courses/clinic-wifi-safety/funnel.doc").status_code == 404


@pytest.mark.parametrize("role", ["learner", "manager"])
def test_learners_and_managers_do_not_see_course_reports(client, as_user, role, learners):
    as_user(create_user(role))
    assert client.get("/reports/courses").status_code == 403
    assert client.get("/reports/courses/clinic-wifi-safety").status_code == 403

