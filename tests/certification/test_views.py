"""Certificates as people meet them: the holder's list, the public check, the manager's
readiness page, the administrators' review and revocation, the JSON API."""

from __future__ import annotations

import datetime
import re

import pytest
from sqlalchemy import select

from portal.certification.credentials import verify_token
from portal.certification.models import Certificate, CertificationRequest, Programme
from portal.certification.signing import public_jwks
from portal.extensions import db
from portal.facilities.models import Facility
from tests.certification.test_services import finish
from tests.conftest import SuiteConfig
from tests.factories import create_facility, create_user, import_courses

WIFI = "clinic-wifi-safety"


@pytest.fixture(autouse=True)
def _english():
    """Pages pick their own language here (the package's conftest forces English)."""
    yield


def _detached(user):
    db.session.refresh(user)
    db.session.expunge(user)
    return user


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def certified(app):
    """A learner holding the Wi-Fi course certificate; returns (learner, code)."""
    with app.app_context():
        import_courses()
        learner = create_user(name="Nguyễn Thị Hằng", locale="en", email="hang@example.vn")
        finish(learner, WIFI)
        code = db.session.scalar(select(Certificate.code).where(Certificate.kind == "course"))
        return _detached(learner), code


def test_holder_lists_their_certificates_with_links(client, as_user, certified):
    learner, code = certified
    as_user(learner)
    page = _text(client.get("/me/certificates"))
    assert "Clinic Wi-Fi safety" in page and "Course certificate" in page
    assert f'href="/verify/{code}"' in page and f'href="/verify/{code}.pdf"' in page
    assert re.search(r"DHA-\d{4}-\d{6}", page)


def test_verification_page_is_public_in_both_languages(client, certified):
    _learner, code = certified
    page = _text(client.get(f"/verify/{code}"))
    assert "Nguyễn Thị Hằng" in page and "An toàn Wi-Fi phòng khám" in page
    assert "hang@example.vn" not in page  # no more personal data than the certificate shows
    english = _text(client.get(f"/verify/{code}?lang=en"))
    assert "This certificate is valid." in english and "Clinic Wi-Fi safety" in english
    assert f'href="/verify/{code}.jwt"' in english
    assert client.get("/verify/not-a-real-code").status_code == 404


def test_the_credential_is_a_signed_vc_jwt_that_verifies(client, app, certified):
    _learner, code = certified
    response = client.get(f"/verify/{code}.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert jwks["keys"] and all(k["alg"] == "RS256" for k in jwks["keys"])
    verified = verify_token(response.get_data(as_text=True), jwks)
    subject = verified.credential["credentialSubject"]
    assert "OpenBadgeCredential" in verified.credential["type"]
    assert "hang@example.vn" not in response.get_data(as_text=True)
    assert subject["achievement"]["name"] in ("An toàn Wi-Fi phòng khám", "Clinic Wi-Fi safety") \
        or "Wi-Fi" in str(subject["achievement"]["name"])


def test_the_pdf_downloads(client, certified):
    _learner, code = certified
    response = client.get(f"/verify/{code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_revocation_shows_everywhere(client, as_user, app, certified):
    _learner, code = certified
    with app.app_context():
        admin = _detached(create_user("admin", locale="en"))
        cert_id = db.session.scalar(select(Certificate.id).where(Certificate.code == code))
    as_user(admin)
    refused = client.post(f"/admin/certificates/{cert_id}/revoke", data={"reason": ""})
    assert refused.status_code == 400 and "Give the reason." in _text(refused)
    done = client.post(f"/admin/certificates/{cert_id}/revoke",
                       data={"reason": "Issued to the wrong person"})
    assert done.status_code == 302
    client.post("/logout")
    page = _text(client.get(f"/verify/{code}?lang=en"))
    assert "This certificate has been revoked." in page and "Issued to the wrong person" in page
    api = client.get(f"/api/v1/certificates/{code}").get_json()
    assert api["status"] == "revoked" and api["revocation_reason"] == "Issued to the wrong person"
    assert client.get(f"/verify/{code}.pdf").status_code == 200


def test_certs_revoke_command(runner, app, certified):
    _learner, code = certified
    bad = runner.invoke(args=["certs", "revoke", code, "--reason", " "])
    assert bad.exit_code == 1
    ok = runner.invoke(args=["certs", "revoke", code, "--reason", "Gian lận bài kiểm tra"])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
        assert cert.status() == "revoked" and cert.revoke_reason == "Gian lận bài kiểm tra"
    missing = runner.invoke(args=["certs", "revoke", "nope", "--reason", "x"])
    assert missing.exit_code == 1 and "no certificate" in missing.output.lower()


def test_manager_requests_and_admin_issues_facility_certificate(client, as_user, app):
    with app.app_context():
        import_courses()
        programme = db.session.scalar(select(Programme))
        facility = create_facility(name="Nhà thuốc An Bình", licence="NT-0099")
        manager = create_user("manager", facility=facility, job_role="administrative",
                              locale="en")
        nurse = create_user(facility=facility, job_role="nurse", name="Trần Văn Bình")
        admin = create_user("admin", locale="en")
        finish(manager, WIFI)
        manager, nurse, admin = (_detached(u) for u in (manager, nurse, admin))
        courses = programme.courses_for("nurse")
    as_user(manager)
    page = _text(client.get("/facility/certification"))
    assert "Who still has to finish what" in page and "Trần Văn Bình" in page
    assert "Request certification" not in page
    with app.app_context():
        for slug in courses:
            finish(nurse, slug)
    page = _text(client.get("/facility/certification"))
    assert "The facility meets the programme" in page and "Request certification" in page
    assert client.post("/facility/certification/request").status_code == 302
    assert "waiting for an administrator" in _text(client.get("/facility/certification"))
    client.post("/logout")
    as_user(admin)
    queue = _text(client.get("/admin/certification"))
    assert "Nhà thuốc An Bình" in queue
    with app.app_context():
        request_id = db.session.scalar(select(CertificationRequest.id))
    review = _text(client.get(f"/admin/certification/requests/{request_id}"))
    assert "Trần Văn Bình" in review and "completed" in review
    assert client.post(f"/admin/certification/requests/{request_id}/approve").status_code == 302
    client.post("/logout")
    as_user(manager)
    page = _text(client.get("/facility/certification"))
    assert "The facility is certified until" in page
    status = client.get("/api/v1/facilities/nt-0099/certification").get_json()
    assert status["certified"] is True and status["certificates"][0]["kind"] == "facility"


def test_declined_request_shows_the_reason_to_the_manager(client, as_user, app):
    with app.app_context():
        import_courses()
        facility = create_facility()
        manager = create_user("manager", facility=facility, job_role="administrative",
                              locale="en")
        staff = create_user(facility=facility, job_role="pharmacist")
        admin = create_user("admin", locale="en")
        finish(manager, WIFI)
        finish(staff, WIFI)
        manager, admin = _detached(manager), _detached(admin)
    as_user(manager)
    client.post("/facility/certification/request")
    client.post("/logout")
    as_user(admin)
    with app.app_context():
        request_id = db.session.scalar(select(CertificationRequest.id))
    empty = client.post(f"/admin/certification/requests/{request_id}/decline",
                        data={"reason": ""})
    assert empty.status_code == 400
    client.post(f"/admin/certification/requests/{request_id}/decline",
                data={"reason": "Chưa có người phụ trách công nghệ thông tin"})
    client.post("/logout")
    as_user(manager)
    page = _text(client.get("/facility/certification"))
    assert "was declined" in page and "Chưa có người phụ trách công nghệ thông tin" in page


def test_other_facilities_and_roles_cannot_reach_certification_pages(client, as_user, app,
                                                                      certified):
    learner, code = certified
    as_user(learner)
    assert client.get("/facility/certification").status_code == 403
    assert client.get("/admin/certification").status_code == 403
    assert client.get("/admin/certificates").status_code == 403


def test_api_and_openapi(client, certified):
    _learner, code = certified
    data = client.get(f"/api/v1/certificates/{code}").get_json()
    assert data["status"] == "active" and data["kind"] == "course"
    assert data["verify_url"].endswith(f"/verify/{code}") and "email" not in str(data)
    missing = client.get("/api/v1/certificates/unknown")
    assert missing.status_code == 404 and missing.is_json
    assert client.get("/api/v1/facilities/NOPE/certification").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/certificates/{code}", "/facilities/{licence}/certification"}


def test_public_programme_page(client, app):
    with app.app_context():
        import_courses()
        slug = db.session.scalar(select(Programme.slug))
    page = _text(client.get(f"/programmes/{slug}?lang=en"))
    assert "Digitally safe clinic 2026" in page and "Clinic Wi-Fi safety" in page
    assert client.get("/programmes/nope").status_code == 404


def test_verification_is_rate_limited(make_app):
    class Limited(SuiteConfig):
        RATELIMIT_ENABLED = True

    limited = make_app(Limited)
    with limited.app_context():
        db.create_all()
    client = limited.test_client()
    codes = [client.get("/verify/unknown-code").status_code for _ in range(65)]
    assert codes[0] == 404 and codes[-1] == 429


def test_verification_pages_run_a_fixed_number_of_queries(client, app, certified,
                                                          count_queries):
    _learner, code = certified
    with count_queries() as first:
        client.get(f"/verify/{code}")
    with count_queries() as counter:
        client.get(f"/verify/{code}")
    assert first.count <= 4, first.statements
    # Seen once, the page's content is kept: only the certificate's state is read.
    assert counter.count == 1, counter.statements


def test_a_kept_verification_page_shows_a_revocation_at_once(client, runner, app, certified):
    _learner, code = certified
    assert "This certificate is valid." in _text(client.get(f"/verify/{code}?lang=en"))
    assert "This certificate is valid." in _text(client.get(f"/verify/{code}?lang=en"))
    ok = runner.invoke(args=["certs", "revoke", code, "--reason", "Issued by mistake"])
    assert ok.exit_code == 0, ok.output
    page = _text(client.get(f"/verify/{code}?lang=en"))
    assert "This certificate has been revoked." in page and "Issued by mistake" in page


def test_a_kept_verification_page_shows_expiry_and_facility_changes(client, app, certified):
    _learner, code = certified
    with app.app_context():
        facility = create_facility(name="Phòng khám Hòa Bình", licence="PK-0001")
        programme = db.session.scalar(select(Programme))
        cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
        facility_cert = Certificate(
            serial="DHA-2026-999999", code="facility-code-0000000001", kind="facility",
            achievement_key="test-facility", facility=facility, programme=programme,
            holder_name=facility.name, title={"vi": "Cơ sở", "en": "Facility"},
            issued_at=cert.issued_at, expires_at=cert.expires_at)
        db.session.add(facility_cert)
        db.session.commit()
    page = _text(client.get("/verify/facility-code-0000000001?lang=en"))
    assert "PK-0001" in page and "This certificate is valid." in page
    assert "This certificate is valid." in _text(client.get(f"/verify/{code}?lang=en"))
    with app.app_context():
        facility = db.session.scalar(select(Facility).where(Facility.licence_number == "PK-0001"))
        facility.licence_number = "PK-0002"
        cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
        cert.issued_at -= datetime.timedelta(days=3 * 365)
        cert.expires_at = cert.issued_at + datetime.timedelta(days=365)  # long past
        db.session.commit()
    assert "PK-0002" in _text(client.get("/verify/facility-code-0000000001?lang=en"))
    assert "This certificate has expired." in _text(client.get(f"/verify/{code}?lang=en"))


def test_jwks_publishes_the_current_key(app):
    with app.app_context():
        assert public_jwks()["keys"][0]["kty"] == "RSA"
