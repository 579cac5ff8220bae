"""The facility manager's journey in a real browser, in Vietnamese: invite staff one by one
and from a file, watch their progress, see readiness, request certification, see the
decision. Every page is checked by :mod:`tests.e2e.journeys`."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.certification.models import CertificationRequest
from portal.certification.services import approve_request
from portal.extensions import db
from tests.e2e.journeys import journey, sign_in, staffed_facility
from tests.factories import PASSWORD, create_user, import_courses
from tests.reports.helpers import WIFI, complete

pytestmark = pytest.mark.e2e


def _staff_file() -> bytes:
    """The CSV a manager fills in: Vietnamese column titles and job roles."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Họ tên", "E-mail", "Vai trò"])
    writer.writerow(["Ngô Thị Thu", "thu.ngo@minhan.example.vn", "Điều dưỡng"])
    writer.writerow(["Trịnh Văn Nam", "nam.trinh@minhan.example.vn", "Bác sĩ"])
    return out.getvalue().encode("utf-8")


def test_manager_invites_watches_and_requests_certification(browser, live_url, live_db):
    import_courses()
    facility, manager, staff = staffed_facility()
    admin = create_user("admin", name="Quản Trị Viên")

    with journey(browser, live_url, "manager-vi") as trip:
        me = trip.visitor("manager")
        page, t = me.page, me.t
        sign_in(me, manager.email, PASSWORD)
        me.follow(page.get_by_role("link", name=t("My facility")))
        assert page.locator("h1").inner_text() == facility.name
        table = page.locator("section[aria-labelledby=staff-h] table")
        for person in staff:
            assert person.name in table.inner_text()

        # One invitation, typed in.
        page.locator("#email").fill("hai.le@minhan.example.vn")
        page.locator("#job_role").select_option("nurse")
        me.follow(page.get_by_role("button", name=t("Create invitation")))
        flash = page.locator(".flashes").inner_text()
        assert "/invitations/" in flash, flash
        invitations = page.locator("section[aria-labelledby=inv-h] table")
        assert "hai.le@minhan.example.vn" in invitations.inner_text()

        # Two more from a CSV file: checked and shown first, then created.
        me.follow(page.get_by_role("link", name=t("Invite many people from a CSV or Excel "
                                                  "file")))
        page.locator("#file").set_input_files(files=[{
            "name": "nhan-vien-minh-an.csv", "mimeType": "text/csv", "buffer": _staff_file()}])
        me.follow(page.get_by_role("button", name=t("Check the file")))
        preview = page.locator("table.preview").inner_text()
        assert "Ngô Thị Thu" in preview and "Trịnh Văn Nam" in preview
        me.follow(page.locator("form[action$='/bulk/confirm'] button[type=submit]"))
        links = [cell.inner_text().strip() for cell in page.locator("td.link-cell").all()]
        assert len(links) == 2 and all("/invitations/" in link for link in links), links

        # One of them opens the link and joins; she reads a lesson.
        newcomer = trip.visitor("newcomer")
        # (the link names PORTAL_BASE_URL; the test server listens elsewhere)
        newcomer.goto(urlsplit(links[0]).path)
        newcomer.page.locator("#name").fill("Ngô Thị Thu")
        newcomer.page.locator("#password").fill("mat-khau-cua-thu-2025")
        newcomer.page.locator("#confirm").fill("mat-khau-cua-thu-2025")
        newcomer.follow(newcomer.page.get_by_role("button", name=t("Create my account")))
        newcomer.goto("/courses/clinic-wifi-safety/home-router")
        newcomer.follow(newcomer.page.get_by_role("button", name=t("Mark as read")))

        # The manager watches: the newcomer is on the staff table, in progress.
        me.goto("/facility")
        row = page.locator("tr").filter(has_text="Ngô Thị Thu")
        assert row.count() == 1
        assert row.locator(".state-progress").inner_text().strip() == t("In progress")
        done = page.locator("tr").filter(has_text=staff[0].name)
        assert done.locator(".state-done").first.inner_text().strip() == t("Completed")
        me.follow(row.get_by_role("link", name="Ngô Thị Thu"))
        assert page.locator("h1").inner_text().strip().startswith("Ngô Thị Thu")

        # Readiness: once the technician finishes too, the rule is met; then the request.
        complete(staff[-1], WIFI)
        me.goto("/facility/certification")
        assert page.locator("#readiness-figure").inner_text().strip() == \
            t("The facility meets the programme's rule.")
        me.follow(page.get_by_role("button", name=t("Request certification")))
        assert t("Your request of %(date)s is waiting for an administrator's review.")\
            .split("%(date)s")[0].strip() in page.locator("main").inner_text()

        # An administrator approves (their side is the administrator's journey).
        request = db.session.scalar(select(CertificationRequest).where(
            CertificationRequest.facility_id == facility.id))
        approve_request(admin, request)
        db.session.commit()

        me.goto("/facility/certification")
        decision = page.locator("#current-h").inner_text()
        assert t("The facility is certified until %(date)s.").split("%(date)s")[0].strip() \
            in decision
        me.follow(page.locator("#current-h ~ p").get_by_role(
            "link", name=t("Verification page")))
        assert page.locator("#verdict").inner_text().strip() == t("This certificate is valid.")
        assert facility.name in page.locator("main").inner_text()
