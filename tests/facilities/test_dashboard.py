"""The manager's dashboard: staff progress, sort, filter, pages, readiness, exports, walls."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.accounts.models import User
from portal.extensions import db
from tests.factories import create_facility, create_user, import_courses
from tests.reports.helpers import HYGIENE, WIFI, bulk_staff, complete, read


@pytest.fixture
def clinic(app):
    import_courses()
    facility = create_facility(name="Phòng khám Bình An")
    manager = create_user("manager", facility=facility, job_role="administrative",
                          locale="en", name="Quản lý Vũ")
    hang = create_user(facility=facility, job_role="nurse", name="Nguyễn Thị Hằng")
    minh = create_user(facility=facility, job_role="doctor", name="Trần Văn Minh")
    complete(hang, WIFI)
    complete(hang, HYGIENE)
    read(minh, WIFI, "home-router")
    return facility, manager, hang, minh


def test_dashboard_shows_progress_and_readiness(client, as_user, clinic):
    _facility, manager, hang, minh = clinic
    as_user(manager)
    html = client.get("/facility").get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in html and "Trần Văn Minh" in html
    assert "Clinic Wi-Fi safety: 33%" in html  # Minh read one of three steps
    assert "2 of 2 courses" in html  # Hằng
    assert "Readiness for certification" in html and "of the way to certification" in html
    assert "/facility/certification" in html
    assert 'aria-sort="ascending"' in html


def test_sort_filter_and_pages_through_500_staff(client, as_user, clinic):
    facility, manager, _hang, _minh = clinic
    bulk_staff(facility, 500, prefix="Học viên")
    as_user(manager)
    first = client.get("/facility").get_data(as_text=True)
    assert "503 people found." in first and "Page 1 of 11" in first
    last = client.get("/facility?page=11").get_data(as_text=True)
    assert "Trần Văn Minh" in last and "Page 11 of 11" in last
    by_progress = client.get("/facility?sort=progress&dir=desc").get_data(as_text=True)
    assert by_progress.index("Nguyễn Thị Hằng") < by_progress.index("Học viên 000")
    only = client.get("/facility?q=hang&state=completed").get_data(as_text=True)
    assert "1 person found." in only and "Nguyễn Thị Hằng" in only
    doctors = client.get("/facility?job_role=doctor").get_data(as_text=True)
    assert "1 person found." in doctors
    assert client.get("/facility?page=abc&sort=evil&dir=up").status_code == 200


def test_query_count_is_fixed(client, as_user, clinic, count_queries):
    facility, manager, _hang, _minh = clinic
    as_user(manager)
    client.get("/facility")
    with count_queries() as small:
        assert client.get("/facility").status_code == 200
    for person in bulk_staff(facility, 60)[:15]:
        read(person, WIFI, "home-router")
    with count_queries() as large:
        assert client.get("/facility").status_code == 200
    assert small.count == large.count


def test_exports_read_back_with_vietnamese(client, as_user, clinic):
    _facility, manager, _hang, _minh = clinic
    manager.locale = "vi"
    db.session.commit()
    as_user(manager)
    response = client.get("/facility/staff.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert names == ["Nguyễn Thị Hằng", "Quản lý Vũ", "Trần Văn Minh"]
    assert "An toàn Wi-Fi phòng khám" in rows[0][8]  # the course title in Vietnamese
    xlsx = client.get("/facility/staff.xlsx?job_role=doctor")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][0] == "Trần Văn Minh"
    assert values[1][8] == 33 and values[1][6] == 0  # numbers stay numbers
    assert client.get("/facility/staff.pdf").status_code == 404


def test_english_headers_follow_the_language(client, as_user, clinic):
    _facility, manager, _hang, _minh = clinic
    as_user(manager)
    header = client.get("/facility/staff.csv").data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Name,E-mail,Role,Job role,Account,Progress")
    assert "Clinic Wi-Fi safety (% done)" in header


def test_person_page(client, as_user, clinic):
    _facility, manager, hang, _minh = clinic
    as_user(manager)
    html = client.get(f"/facility/staff/{hang.id}").get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in html and "Electronic hand-hygiene records" in html
    assert "/verify/" in html  # her certificates link to their public check


def test_a_manager_never_sees_another_facilitys_people(client, as_user, clinic):
    _facility, manager, _hang, _minh = clinic
    other = create_facility(name="Nhà thuốc Khác")
    stranger = create_user(facility=other, job_role="pharmacist", name="Người Lạ")
    as_user(manager)
    assert "Người Lạ" not in client.get("/facility").get_data(as_text=True)
    assert "Người Lạ" not in client.get("/facility?q=nguoi la").get_data(as_text=True)
    assert "Người Lạ" not in client.get("/facility/staff.csv").data.decode("utf-8-sig")
    assert client.get(f"/facility/staff/{stranger.id}").status_code == 404
    assert client.post(f"/facility/staff/{stranger.id}/deactivate").status_code == 404
    assert db.session.get(User, stranger.id).is_active
    assert client.get(f"/admin/facilities/{other.id}/detail").status_code == 403
    assert client.get(f"/admin/facilities/{other.id}/staff.csv").status_code == 403


def test_admin_sees_a_facility_as_its_manager_does(client, as_user, clinic):
    facility, _manager, hang, _minh = clinic
    as_user(create_user("admin", locale="en"))
    html = client.get(f"/admin/facilities/{facility.id}/detail").get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in html and "Certification history" in html
    assert "Clinic Wi-Fi safety: 33%" in html
    csv_text = client.get(f"/admin/facilities/{facility.id}/staff.csv").data.decode("utf-8-sig")
    assert "Nguyễn Thị Hằng" in csv_text
    assert client.get("/admin/facilities/999999/detail").status_code == 404


@pytest.mark.parametrize("role", ["learner", "trainer", "admin"])
def test_only_managers_reach_the_facility_pages(client, as_user, role):
    as_user(create_user(role))
    for url in ("/facility", "/facility/staff.csv", "/facility/invitations/bulk"):
        assert client.get(url).status_code == 403
