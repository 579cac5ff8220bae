"""The staff progress query against a small facility whose figures are worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.certification.models import Programme
from portal.db import utcnow
from portal.extensions import db
from portal.reports.queries import StaffFilters, requirements, staff_progress
from tests.factories import create_facility, create_user, get_course, import_courses
from tests.reports.helpers import HYGIENE, WIFI, bulk_staff, complete, read

NOW = utcnow()


@pytest.fixture
def clinic(app):
    """A clinic: A and C done, B started, D and the manager not started, E deactivated."""
    import_courses()
    facility = create_facility(name="Phòng khám Hòa Bình")
    manager = create_user("manager", facility=facility, job_role="administrative",
                          name="Quản lý Mai")
    a = create_user(facility=facility, job_role="nurse", name="An Nguyễn")
    b = create_user(facility=facility, job_role="nurse", name="Bình Trần")
    c = create_user(facility=facility, job_role="pharmacist", name="Cúc Lê")
    d = create_user(facility=facility, job_role="doctor", name="Dũng Phạm")
    e = create_user(facility=facility, job_role="nurse", name="Em Đỗ")
    e.is_active = False
    db.session.commit()
    complete(a, WIFI, at=NOW - timedelta(days=4))
    complete(a, HYGIENE, at=NOW - timedelta(days=3))
    read(b, WIFI, "home-router", at=NOW - timedelta(days=1))
    complete(c, WIFI, at=NOW - timedelta(days=10))
    other = create_user(job_role="nurse", name="Người ngoài")  # another facility
    complete(other, WIFI)
    programme = db.session.scalar(select(Programme))
    return facility, programme, {"m": manager, "a": a, "b": b, "c": c, "d": d, "e": e}


def _names(page):
    return [row.name for row in page.items]


def test_requirements_follow_the_programme(clinic):
    _facility, programme, _people = clinic
    req = requirements(programme)
    wifi, hygiene = get_course(WIFI)[0].id, get_course(HYGIENE)[0].id
    assert req.ids_for("nurse") == (wifi, hygiene)
    assert req.ids_for("doctor") == (wifi, hygiene)
    assert req.ids_for("pharmacist") == (wifi,)
    assert req.ids_for(None) == (wifi,)
    assert [c.total for c in req.courses] == [3, 3]  # two lessons and a quiz each


def test_without_a_programme_the_audience_decides(clinic):
    req = requirements(None)
    hygiene = get_course(HYGIENE)[0].id
    assert hygiene in req.ids_for("midwife") and hygiene not in req.ids_for("pharmacist")


def test_states_counts_and_cells(clinic):
    facility, programme, people = clinic
    page = staff_progress(facility.id, requirements(programme), now=NOW)
    assert _names(page) == ["An Nguyễn", "Bình Trần", "Cúc Lê", "Dũng Phạm", "Em Đỗ",
                            "Quản lý Mai"]
    rows = {row.name: row for row in page.items}
    a, b, c, d, e = (rows[n] for n in ("An Nguyễn", "Bình Trần", "Cúc Lê", "Dũng Phạm",
                                       "Em Đỗ"))
    assert (a.state, a.completed, a.required) == ("completed", 2, 2)
    assert (b.state, b.completed, b.required) == ("in_progress", 0, 2)
    assert (c.state, c.completed, c.required) == ("completed", 1, 1)
    assert (d.state, d.completed, d.required) == ("not_started", 0, 2)
    assert (e.state, e.is_active) == ("not_started", False)
    assert [(cell.course.slug, cell.done, cell.percent) for cell in b.courses] == [
        (WIFI, 1, 33), (HYGIENE, 0, 0)]
    assert [cell.percent for cell in a.courses] == [100, 100]
    # the Wi-Fi course awards a certificate, and A and C hold the programme's
    assert (a.certificates, c.certificates, d.certificates) == (2, 2, 0)
    assert a.programme_certificate is not None and d.programme_certificate is None
    assert b.last_activity_at.date() == (NOW - timedelta(days=1)).date()
    assert d.last_activity_at is None
    assert page.count("completed") == 2 and page.count("in_progress") == 1
    assert page.count("not_started") == 2  # D and the manager; E is deactivated
    assert page.count(None, False) == 1 and page.total == 6


@pytest.mark.parametrize(("filters", "expected"), [
    (StaffFilters(q="nguyen"), ["An Nguyễn"]),
    (StaffFilters(q="BÌNH"), ["Bình Trần"]),
    (StaffFilters(job_role="nurse"), ["An Nguyễn", "Bình Trần", "Em Đỗ"]),
    (StaffFilters(state="in_progress"), ["Bình Trần"]),
    (StaffFilters(state="completed"), ["An Nguyễn", "Cúc Lê"]),
    (StaffFilters(active="inactive"), ["Em Đỗ"]),
    (StaffFilters(sort="last_activity", desc=True),
     ["Bình Trần", "An Nguyễn", "Cúc Lê", "Dũng Phạm", "Em Đỗ", "Quản lý Mai"]),
    (StaffFilters(sort="last_activity"),
     ["Cúc Lê", "An Nguyễn", "Bình Trần", "Dũng Phạm", "Em Đỗ", "Quản lý Mai"]),
    (StaffFilters(sort="progress", desc=True),
     ["An Nguyễn", "Cúc Lê", "Bình Trần", "Dũng Phạm", "Em Đỗ", "Quản lý Mai"]),
    (StaffFilters(sort="job_role"),
     ["Quản lý Mai", "Dũng Phạm", "An Nguyễn", "Bình Trần", "Em Đỗ", "Cúc Lê"]),
    (StaffFilters(sort="status"),
     ["Em Đỗ", "An Nguyễn", "Bình Trần", "Cúc Lê", "Dũng Phạm", "Quản lý Mai"]),
])
def test_filters_and_sorts(clinic, filters, expected):
    facility, programme, _people = clinic
    assert _names(staff_progress(facility.id, requirements(programme), filters)) == expected


def test_pages(clinic):
    facility, programme, _people = clinic
    req = requirements(programme)
    first = staff_progress(facility.id, req, StaffFilters(page=1), per_page=4)
    second = staff_progress(facility.id, req, StaffFilters(page=2), per_page=4)
    beyond = staff_progress(facility.id, req, StaffFilters(page=99), per_page=4)
    assert (first.pages, first.has_next, second.has_prev) == (2, True, True)
    assert _names(first) + _names(second) == _names(staff_progress(facility.id, req))
    assert beyond.page == 2


def test_query_count_does_not_grow_with_the_staff(clinic, count_queries):
    facility, programme, people = clinic
    req, facility_id = requirements(programme), facility.id
    with count_queries() as small:
        staff_progress(facility_id, req, StaffFilters(sort="progress"))
    more = bulk_staff(facility, 40)
    for person in more[:10]:
        read(person, WIFI, "home-router")
    with count_queries() as large:
        page = staff_progress(facility_id, req, StaffFilters(sort="progress"))
    assert len(page.items) == 46 and small.count == large.count <= 7


def test_query_args_are_validated():
    from werkzeug.datastructures import MultiDict

    filters = StaffFilters.from_args(MultiDict({
        "q": "x" * 500, "job_role": "pilot", "state": "nonsense", "sort": "password",
        "dir": "desc", "page": "-3", "active": "maybe"}))
    assert filters == StaffFilters(q="x" * 100, desc=True)
    assert StaffFilters.from_args(MultiDict({"page": "abc"})).page == 1
