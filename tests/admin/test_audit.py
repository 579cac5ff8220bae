"""The audit log viewer: filters by actor, action, object and date; export; bad input."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from portal.audit import AuditEvent
from portal.extensions import db
from tests.factories import create_user


@pytest.fixture
def log(app):
    """Four events: two by Hằng (one on 1 March local time), one by the system, one by Bình."""
    admin = create_user("admin", locale="en", name="Quản trị Viên")
    hang = create_user("admin", name="Nguyễn Thị Hằng", email="hang@example.vn")
    binh = create_user("admin", name="Trần Bình", email="binh@example.vn")
    db.session.query(AuditEvent).delete()  # the accounts' own creation events
    db.session.add_all([
        # 2026-02-28 17:30 UTC is 1 March 00:30 in Hà Nội
        AuditEvent(at=datetime(2026, 2, 28, 17, 30, tzinfo=UTC), actor_id=hang.id,
                   action="certificate.revoked", object_type="certificates", object_id="7",
                   ip="10.0.0.1", detail={"reason": "Sai tên người học"}),
        AuditEvent(at=datetime(2026, 3, 5, 3, 0, tzinfo=UTC), actor_id=hang.id,
                   action="user.role_changed", object_type="users", object_id="12",
                   detail={"old": "learner", "new": "manager"}),
        AuditEvent(at=datetime(2026, 3, 6, 3, 0, tzinfo=UTC), actor_id=None,
                   action="auth.login_failed", ip="203.0.113.9", detail={"email": "x@y.vn"}),
        AuditEvent(at=datetime(2026, 4, 1, 3, 0, tzinfo=UTC), actor_id=binh.id,
                   action="certificate.issued", object_type="certificates", object_id="8",
                   detail={}),
    ])
    db.session.commit()
    return admin, hang, binh


def _actions(client, query=""):
    response = client.get(f"/admin/audit.csv{query}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    return [row[1] for row in rows[1:] if row[1] != "auth.login"]  # the test's own sign-in


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["certificate.issued", "auth.login_failed", "user.role_changed",
          "certificate.revoked"]),
    ("?actor=nguyen thi", ["user.role_changed", "certificate.revoked"]),
    ("?actor=binh@example", ["certificate.issued"]),
    ("?actor=system", ["auth.login_failed"]),
    ("?action=certificate.", ["certificate.issued", "certificate.revoked"]),
    ("?action=certificate.revoked", ["certificate.revoked"]),
    ("?object_type=certificates&object_id=8", ["certificate.issued"]),
    ("?from=2026-03-01&to=2026-03-05", ["user.role_changed", "certificate.revoked"]),
    ("?from=2026-03-02&to=2026-12-31",
     ["certificate.issued", "auth.login_failed", "user.role_changed"]),
    ("?to=2026-02-28", []),
])
def test_filters(client, as_user, log, query, expected):
    as_user(log[0])
    assert _actions(client, query) == expected


def test_page_lists_events_with_their_actor(client, as_user, log):
    admin, hang, _binh = log
    as_user(admin)
    html = client.get(f"/admin/audit?actor_id={hang.id}").get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in html and "certificate.revoked" in html
    assert "auth.login_failed" not in html.split("events found")[1]
    assert "Sai tên người học" in html


def test_bad_dates_are_a_message(client, as_user, log):
    as_user(log[0])
    response = client.get("/admin/audit?from=yesterday&to=2026-13-45")
    assert response.status_code == 400
    assert "Not a date: yesterday (use YYYY-MM-DD)." in response.get_data(as_text=True)
    reversed_ = client.get("/admin/audit?from=2026-04-01&to=2026-03-01")
    assert "The start date is after the end date." in reversed_.get_data(as_text=True)
    assert client.get("/admin/audit.csv?from=nope").status_code == 400


def test_xlsx_export_keeps_vietnamese(client, as_user, log):
    as_user(log[0])
    response = client.get("/admin/audit.xlsx?action=certificate.revoked")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[1][1:4] == ("certificate.revoked", "Nguyễn Thị Hằng", "hang@example.vn")
    assert rows[1][0] == datetime(2026, 3, 1, 0, 30)  # local time
    assert "Sai tên người học" in rows[1][7]


def test_paging_keeps_a_fixed_number_of_queries(client, as_user, log, count_queries):
    as_user(log[0])
    client.get("/admin/audit")
    with count_queries() as few:
        client.get("/admin/audit")
    db.session.add_all([AuditEvent(action="auth.login_failed", detail={"n": n})
                        for n in range(120)])
    db.session.commit()
    with count_queries() as many:
        html = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert few.count == many.count
    assert "Page 2 of 3" in html
