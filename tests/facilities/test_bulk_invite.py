"""Inviting staff from a CSV or XLSX file: every row checked, then all or nothing."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.models import Invitation
from portal.audit import AuditEvent
from portal.extensions import db
from portal.facilities import bulk
from tests.factories import create_facility, create_user


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def manager(app):
    return create_user("manager", locale="en")


def _csv(text: str, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Invitation))


# ------------------------------------------------------------------ reading


def test_reads_a_vietnamese_header_in_any_order():
    rows = bulk.read_table("ds.csv", _csv(
        "Vai trò,Họ và tên,Thư điện tử\nĐiều dưỡng,Nguyễn Thị Hằng,hang@example.vn\n\n"
        "Bác sĩ,Trần Văn Minh,minh@example.vn\n"))
    assert [(r.number, r.name, r.email, r.job_role_text) for r in rows] == [
        (2, "Nguyễn Thị Hằng", "hang@example.vn", "Điều dưỡng"),
        (4, "Trần Văn Minh", "minh@example.vn", "Bác sĩ")]


def test_reads_semicolons_and_a_file_without_header_and_windows_1258():
    rows = bulk.read_table("ds.csv", _csv("Lan;lan@example.vn;nurse\n", bom=False))
    assert (rows[0].number, rows[0].email) == (1, "lan@example.vn")
    legacy = "Name,Email,Job role\nHa,ha@example.vn,Nurse\n".encode("cp1258")
    assert bulk.read_table("old.csv", legacy)[0].name == "Ha"


def test_reads_xlsx_with_row_numbers_as_excel_shows_them():
    data = _xlsx([["Họ tên", "E-mail", "Vai trò"], [None, None, None],
                  ["Đỗ Thị Mai", "mai@example.vn", "Hộ sinh"]])
    rows = bulk.read_table("staff.xlsx", data)
    assert [(r.number, r.name, r.job_role_text) for r in rows] == [(3, "Đỗ Thị Mai", "Hộ sinh")]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("staff.pdf", b"%PDF", "Upload a CSV or XLSX file."),
    ("staff.xlsx", b"not a zip", "not an Excel workbook"),
    ("staff.csv", _csv(""), "The file lists nobody."),
    ("staff.csv", _csv("Name,Email,Job role\n"), "The file lists nobody."),
    ("staff.csv", _csv("a,b,c\nd,e,f\n"), "Row 1 must name the columns"),
    ("staff.csv", _csv("Name,Email,Role\n" + "x,x@example.vn,nurse\n" * 1001),
     "at most 1000 people"),
])
def test_unreadable_files_are_clear_errors(name, data, message):
    with pytest.raises(bulk.BulkFileError) as error:
        bulk.read_table(name, data)
    assert message in str(error.value)


# ------------------------------------------------------------------ checking, row by row


def test_every_rule_is_reported_on_its_row(manager):
    elsewhere = create_user(facility=create_facility(), email="other@example.vn")
    create_user(facility=manager.facility, email="here@example.vn")
    create_user("trainer", email="trainer@example.vn")
    accounts.invite(manager, "pending@example.vn", job_role="nurse")
    db.session.commit()
    rows = bulk.read_table("ds.csv", _csv(
        "Name,E-mail,Job role\n"
        "Nguyễn Thị Hằng,Hang@Example.VN,Điều dưỡng\n"       # 2: fine (case folded)
        "Trần Minh,not-an-email,doctor\n"                     # 3: bad e-mail
        "Lê Thu,thu@example.vn,phi công\n"                    # 4: unknown job role
        "Hằng lần hai,hang@example.vn,nurse\n"                # 5: duplicate of row 2
        "Khách,here@example.vn,nurse\n"                       # 6: already on staff
        f"Khác,{elsewhere.email},nurse\n"                     # 7: another facility
        "Giảng viên,trainer@example.vn,nurse\n"               # 8: an account
        "Chờ,pending@example.vn,nurse\n"                      # 9: pending invitation
        ",,\n"                                                 # skipped
        ",noname@example.vn,\n"                               # 11: no name, no role
        "Ổn,ok@example.vn,Y tá\n"))                          # 12: fine (synonym)
    preview = bulk.validate_rows(manager, rows)
    problems = {r.number: r.problems for r in preview.rows}
    assert problems[2] == [] and problems[12] == []
    assert problems[3] == ["Not a valid e-mail address: not-an-email"]
    assert problems[4][0].startswith("Unknown job role: phi công (use one of: doctor, nurse")
    assert problems[5] == ["The same e-mail is already on row 2."]
    assert problems[6] == ["here@example.vn is already on your staff."]
    assert problems[7] == ["other@example.vn already belongs to another facility."]
    assert problems[8] == ["An account with this e-mail already exists."]
    assert problems[9] == [
        "pending@example.vn already has a pending invitation; resend it instead."]
    assert problems[11] == ["Enter a name.", "Enter a job role."]
    assert not preview.ok and 10 not in problems
    roles = {r.number: r.job_role for r in preview.rows}
    assert (roles[2], roles[12]) == ("nurse", "nurse")


@pytest.mark.parametrize(("text", "code"), [
    ("Bác sĩ", "doctor"), ("bac si", "doctor"), ("DOCTOR", "doctor"), ("Điều dưỡng", "nurse"),
    ("Y tá", "nurse"), ("Hộ sinh", "midwife"), ("Dược sĩ", "pharmacist"),
    ("Kỹ thuật viên", "technician"), ("Nhân viên hành chính", "administrative"),
    ("Administrative staff", "administrative"), ("CNTT", "it"), ("IT staff", "it"),
    ("Nhân viên CNTT", "it"),
])
def test_job_roles_in_vietnamese_or_english(app, text, code):
    with app.test_request_context():
        assert bulk.job_role_lookup()[bulk._key(text)] == code


# ------------------------------------------------------------------ through the pages


def _upload(client, name, data):
    return client.post("/facility/invitations/bulk",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _payload(html: str) -> str:
    match = re.search(r'name="payload" type="hidden" value="([^"]+)"', html) or re.search(
        r'type="hidden" name="payload" value="([^"]+)"', html) or re.search(
        r'id="payload" name="payload" type="hidden" value="([^"]+)"', html)
    assert match, "no confirmation form"
    return match.group(1)


def test_preview_then_confirm_creates_every_invitation(client, as_user, manager):
    as_user(manager)
    data = _xlsx([["Họ tên", "E-mail", "Vai trò"],
                  ["Nguyễn Thị Hằng", "hang@example.vn", "Điều dưỡng"],
                  ["Trần Văn Minh", "minh@example.vn", "Bác sĩ"]])
    preview = _upload(client, "nhan-vien.xlsx", data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "every row is correct" in html
    assert _count() == 0  # nothing before confirming
    done = client.post("/facility/invitations/bulk/confirm", data={"payload": _payload(html)})
    assert done.status_code == 200
    invitations = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [(i.email, i.job_role, i.facility_id) for i in invitations] == [
        ("hang@example.vn", "nurse", manager.facility_id),
        ("minh@example.vn", "doctor", manager.facility_id)]
    assert done.get_data(as_text=True).count("/invitations/") >= 2  # one link each
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "invitation.bulk_created"))
    assert event.detail["count"] == 2 and event.detail["file"] == "nhan-vien.xlsx"


def test_a_file_with_problems_creates_nothing(client, as_user, manager):
    as_user(manager)
    response = _upload(client, "ds.csv", _csv(
        "Name,Email,Job role\nA,a@example.vn,nurse\nB,b@example,nurse\n"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Row 3: Not a valid e-mail address: b@example" in html
    assert 'name="payload"' not in html and _count() == 0


def test_confirm_is_all_or_nothing(client, as_user, manager):
    """Someone invites one of the people between the preview and the confirmation."""
    as_user(manager)
    html = _upload(client, "ds.csv", _csv(
        "Name,Email,Job role\nA,a@example.vn,nurse\nB,b@example.vn,nurse\n")).get_data(
        as_text=True)
    accounts.invite(manager, "b@example.vn", job_role="nurse")
    db.session.commit()
    response = client.post("/facility/invitations/bulk/confirm",
                           data={"payload": _payload(html)})
    assert response.status_code == 400
    assert "Row 3: b@example.vn already has a pending invitation" in response.get_data(
        as_text=True)
    assert db.session.scalars(select(Invitation.email)).all() == ["b@example.vn"]


def test_a_tampered_or_foreign_preview_is_refused(client, as_user, manager):
    as_user(manager)
    html = _upload(client, "ds.csv", _csv("Name,Email,Job role\nA,a@example.vn,nurse\n")
                   ).get_data(as_text=True)
    payload = _payload(html)
    bad = client.post("/facility/invitations/bulk/confirm", data={"payload": payload[:-3] + "xyz"})
    assert bad.status_code == 400 and "expired or was altered" in bad.get_data(as_text=True)
    other = create_user("manager", locale="en")
    client.post("/logout")
    as_user(other)
    assert client.post("/facility/invitations/bulk/confirm",
                       data={"payload": payload}).status_code == 400
    assert _count() == 0


def test_no_file_and_wrong_type_are_form_errors(client, as_user, manager):
    as_user(manager)
    assert client.post("/facility/invitations/bulk", data={}).status_code == 400
    response = _upload(client, "staff.docx", b"PK")
    assert response.status_code == 400
    assert "Upload a CSV or XLSX file." in response.get_data(as_text=True)


def test_templates_download(client, as_user, manager):
    as_user(manager)
    csv_file = client.get("/facility/invitations/template.csv")
    assert csv_file.data.decode("utf-8-sig").startswith("Name,E-mail,Job role")
    xlsx = client.get("/facility/invitations/template.xlsx")
    assert bulk.read_table("t.xlsx", xlsx.data)[0].name == "Nguyễn Thị Hằng"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_template_in_either_language_reads_back(client, as_user, manager, app, lang):
    """A manager fills in the file the portal gave them, in their language, and uploads it."""
    with app.app_context():
        from portal.extensions import db

        db.session.get(type(manager), manager.id).locale = lang
        db.session.commit()
    as_user(manager)
    for fmt in ("csv", "xlsx"):
        data = client.get(f"/facility/invitations/template.{fmt}").data
        (row,) = bulk.read_table(f"t.{fmt}", data)
        assert row.email == "hang.nguyen@example.vn" and row.job_role_text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_our_own_column_titles_are_understood_in_both_languages(lang):
    with force_locale(lang):
        header = bulk.template_header()
    with force_locale("en"):
        assert bulk._columns(header) == {"name": 0, "email": 1, "job_role": 2}, header
