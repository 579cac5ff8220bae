"""The national overview: each aggregate against a small hand-computed country, filters,
charts, exports, role walls and query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from portal.certification.models import Programme
from portal.db import utcnow
from portal.extensions import db
from portal.reports.national import OverviewFilters, national_overview
from tests.factories import create_facility, create_user, import_courses
from tests.reports.helpers import WIFI, bulk_staff, certificate, read

NOW = utcnow()


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def country(app):
    """Six active facilities and an inactive one; see the module's expected figures."""
    import_courses()
    programme = db.session.scalar(select(Programme))
    f = {
        1: create_facility(name="PK Hà Nội 1", province="Hà Nội", type="clinic"),
        2: create_facility(name="NT Hà Nội 2", province="Hà Nội", type="pharmacy"),
        3: create_facility(name="NT Hà Nội 3", province="Hà Nội", type="pharmacy"),
        4: create_facility(name="NT Huế 4", province="Huế", type="pharmacy"),
        5: create_facility(name="PK Huế 5", province="Huế", type="clinic"),
        6: create_facility(name="NK Cà Mau 6", province="Cà Mau", type="dental"),
        7: create_facility(name="PK đóng cửa", province="Hà Nội", type="clinic"),
    }
    f[7].is_active = False
    db.session.commit()
    certificate(facility=f[1], programme=programme, expires=NOW + timedelta(days=45))
    certificate(facility=f[2], programme=programme, expires=NOW + timedelta(days=400))
    certificate(facility=f[5], programme=programme, expires=NOW + timedelta(days=10),
                revoked=True)
    certificate(facility=f[6], programme=programme, issued=NOW - timedelta(days=800),
                expires=NOW - timedelta(days=5))
    l3 = create_user(facility=f[3], job_role="nurse", name="Lan Hà Nội")
    create_user(facility=f[4], job_role="pharmacist", name="Tú Huế")
    l5 = create_user(facility=f[5], job_role="doctor", name="Hải Huế")
    l6 = create_user(facility=f[6], job_role="nurse", name="Mai Cà Mau")
    l7 = create_user(facility=f[7], job_role="nurse", name="Người cơ sở đóng")
    read(l3, WIFI, "home-router", at=NOW - timedelta(days=10))
    read(l5, WIFI, "home-router", at=NOW - timedelta(days=40))
    read(l7, WIFI, "home-router", at=NOW - timedelta(days=1))
    certificate(kind="programme", user=l6, programme=programme,
                expires=NOW + timedelta(days=20))
    return programme, f


def _by(groups):
    return {g.key: (g.total, g.certified, g.in_progress, g.not_started) for g in groups
            if g.total}


def test_facilities_by_province_type_and_status(country):
    programme, _f = country
    overview = national_overview(OverviewFilters(programme=programme), NOW)
    assert _by(overview.by_province) == {"01": (3, 2, 1, 0), "46": (2, 0, 1, 1),
                                         "96": (1, 0, 0, 1)}
    assert _by(overview.by_type) == {"clinic": (2, 1, 1, 0), "pharmacy": (3, 1, 1, 1),
                                     "dental": (1, 0, 0, 1)}
    t = overview.totals
    assert (t.total, t.certified, t.in_progress, t.not_started) == (6, 2, 2, 2)
    assert len(overview.by_province) == 34  # every province is listed, even empty ones


def test_active_learners_in_the_last_30_days(country):
    programme, _f = country
    overview = national_overview(OverviewFilters(programme=programme), NOW)
    assert sorted(overview.active) == [("01", 1, 1), ("46", 2, 0), ("96", 1, 0)]
    assert overview.active_total == (4, 1)


def test_certificates_expiring_within_90_days(country):
    programme, f = country
    overview = national_overview(OverviewFilters(programme=programme), NOW)
    assert overview.expiring == {("facility", 60): 1, ("programme", 30): 1}
    assert [c.facility_name for c in overview.expiring_facilities] == [f[1].name]


def test_pharmacies_in_ha_noi(country):
    """How many pharmacies in Hà Nội are certified, and which expire this quarter?"""
    programme, _f = country
    overview = national_overview(
        OverviewFilters(province="01", type="pharmacy", programme=programme), NOW)
    assert (overview.totals.certified, overview.totals.in_progress) == (1, 1)
    assert overview.expiring_facilities == [] and overview.expiring == {}
    assert overview.active_total == (1, 1)


def test_programme_filter(country):
    _programme, _f = country
    other = Programme(slug="hygiene-only", title={"vi": "Chỉ vệ sinh tay"},
                      courses={"all": ["hand-hygiene-records"]})
    db.session.add(other)
    db.session.commit()
    overview = national_overview(OverviewFilters(programme=other), NOW)
    t = overview.totals
    # nobody is certified under it, and a Wi-Fi lesson is no progress in it
    assert (t.certified, t.in_progress, t.not_started) == (0, 0, 6)
    assert overview.active_total == (4, 0)
    every = national_overview(OverviewFilters(), NOW).totals
    assert (every.certified, every.in_progress, every.not_started) == (2, 2, 2)


def test_page_shows_charts_and_tables(client, as_user, country):
    as_user(create_user("admin", locale="en"))
    html = client.get("/admin/overview?province=Ha%20Noi&type=pharmacy").get_data(as_text=True)
    assert html.count('<svg class="chart"') == 5
    assert "NT Hà Nội 2" not in html  # its certificate does not expire this quarter
    assert "Hà Nội" in html and "<title" in html and "<desc" in html
    html = client.get("/admin/overview").get_data(as_text=True)
    assert "PK Hà Nội 1" in html  # expires in 45 days


def test_bad_filters_are_messages_not_errors(client, as_user, country):
    as_user(create_user("admin", locale="en"))
    response = client.get("/admin/overview?province=Atlantis&type=spaceship&programme=nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown province: Atlantis." in html and "Unknown facility type." in html


def test_exports_read_back(client, as_user, country):
    as_user(create_user("admin", locale="en"))
    response = client.get("/admin/overview/provinces.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Province or city", "Facilities", "Certified", "In progress",
                       "Not started"]
    assert ["Hà Nội", "3", "2", "1", "0"] in rows and len(rows) == 35
    xlsx = client.get("/admin/overview/expiring.xlsx")
    values = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    holders = {row[2] for row in values[1:]}
    assert holders == {"PK Hà Nội 1", "Mai Cà Mau"}
    types = client.get("/admin/overview/types.xlsx?province=Huế")
    rows = list(load_workbook(io.BytesIO(types.data)).active.iter_rows(values_only=True))
    assert ("Clinic", 1, 0, 1, 0) in rows and ("Pharmacy", 1, 0, 0, 1) in rows
    active = client.get("/admin/overview/active.csv").data.decode("utf-8-sig")
    assert "Huế,2,0,0" in active
    windows = client.get("/admin/overview/windows.csv").data.decode("utf-8-sig")
    assert "Within 30 days,0,1,0" in windows
    assert client.get("/admin/overview/secrets.csv").status_code == 404
    assert client.get("/admin/overview/provinces.pdf").status_code == 404


@pytest.mark.parametrize("role", ["learner", "manager", "trainer"])
def test_only_administrators(client, as_user, role, country):
    as_user(create_user(role))
    for url in ("/admin/overview", "/admin/overview/provinces.csv", "/admin/audit",
                "/admin/audit.csv"):
        assert client.get(url).status_code == 403, url


def test_query_count_is_fixed(client, as_user, count_queries, country):
    _programme, f = country
    as_user(create_user("admin", locale="en"))
    client.get("/admin/overview")
    with count_queries() as small:
        assert client.get("/admin/overview").status_code == 200
    for facility in (create_facility(province="Đà Nẵng", type="hospital") for _ in range(5)):
        for person in bulk_staff(facility, 5):
            read(person, WIFI, "home-router")
    with count_queries() as large:
        assert client.get("/admin/overview").status_code == 200
    assert small.count == large.count
