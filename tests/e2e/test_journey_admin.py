"""The administrator's journey in a real browser, in Vietnamese: review a facility's request,
issue its certificate, revoke a person's certificate, and find both in the audit log. Every
page is checked by :mod:`tests.e2e.journeys`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.certification.models import Certificate
from portal.certification.services import request_certification
from portal.extensions import db
from portal.reports.queries import default_programme
from tests.e2e.journeys import journey, sign_in, staffed_facility
from tests.factories import PASSWORD, create_user, import_courses
from tests.reports.helpers import WIFI, complete

pytestmark = pytest.mark.e2e


def test_admin_reviews_issues_revokes_and_audits(browser, live_url, live_db):
    import_courses()
    facility, manager, staff = staffed_facility(name="Nha khoa Hải Đăng")
    complete(staff[-1], WIFI)  # everyone done: the facility is ready
    request_certification(manager, default_programme())
    db.session.commit()
    admin = create_user("admin", name="Phan Thị Quản Trị")
    holder = staff[0]  # Đặng Văn Tin, whose course certificate will be revoked

    with journey(browser, live_url, "admin-vi") as trip:
        me = trip.visitor("admin")
        page, t = me.page, me.t
        sign_in(me, admin.email, PASSWORD)
        me.follow_menu("Administration")

        # The request: the evidence, then the certificate.
        me.follow(page.get_by_role("link", name=t("Certification requests")))
        me.follow(page.get_by_role("link", name=facility.name))
        evidence = page.locator("main").inner_text()
        for person in staff:
            assert person.name in evidence
        me.follow(page.get_by_role("button", name=t("Issue the certificate")))
        assert facility.name in page.locator("main").inner_text()
        db.session.expire_all()
        issued = db.session.scalar(select(Certificate).where(
            Certificate.facility_id == facility.id, Certificate.kind == "facility"))
        assert issued is not None and issued.status() == "active"

        # A person's certificate, revoked with a reason.
        me.goto("/admin")
        me.follow(page.locator("main").get_by_role("link", name=t("Certificates"),
                                                   exact=True))
        page.get_by_label(t("Serial number, code or holder")).fill(holder.name)
        me.follow(page.get_by_role("button", name=t("Search")))
        rows = page.locator("tbody tr").filter(has_text=holder.name)
        assert rows.count() >= 1
        me.follow(rows.first.get_by_role("link"))
        serial = page.locator("h1").inner_text().split()[0]
        page.locator("#reason").fill("Cấp nhầm: học viên đã nghỉ việc trước khi hoàn thành.")
        me.follow(page.get_by_role("button", name=t("Revoke the certificate")))
        assert page.locator("#revoke-h").count() == 0  # nothing left to revoke
        assert "Cấp nhầm" in page.locator("main").inner_text()

        # The public page says so.
        me.follow(page.get_by_role("link", name=t("Verification page")))
        assert page.locator("#verdict").inner_text().strip() != \
            t("This certificate is valid.")

        # Both in the audit log.
        me.goto("/admin/audit")
        page.locator("#a-action").select_option("certificate.")
        me.follow(page.get_by_role("button", name=t("Filter")))
        log = page.locator("tbody").inner_text()
        assert "certificate.revoked" in log and serial in log
        assert "certificate.issued" in log and issued.serial in log
        me.goto("/admin/audit?action=certification.approved")
        log = page.locator("tbody").inner_text()
        assert "certification.approved" in log and admin.name in log
