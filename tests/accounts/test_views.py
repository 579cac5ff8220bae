"""Signing in and out, passwords, language, invitations — through the real pages."""

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import services
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import SuiteConfig, login
from tests.factories import PASSWORD, create_facility, create_user


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_sign_in_and_out(client):
    user = create_user("learner")
    response = login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 302
    page = client.get("/me").get_data(as_text=True)
    assert user.name in page
    client.post("/logout")
    assert client.get("/me").status_code == 302


def test_wrong_email_and_wrong_password_give_the_same_message(client):
    user = create_user("learner")
    wrong_password = login(client, user.email, "not-the-password")
    wrong_email = login(client, "nobody@example.vn", PASSWORD)
    assert wrong_password.status_code == wrong_email.status_code == 401
    message = "E-mail hoặc mật khẩu không đúng."
    assert message in wrong_password.get_data(as_text=True)
    assert message in wrong_email.get_data(as_text=True)
    failures = _events("auth.login_failed")
    assert len(failures) == 2 and {e.detail["reason"] for e in failures} == {"password", "unknown"}


def test_next_parameter_cannot_leave_the_site(client):
    user = create_user("learner")
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/account/password", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/password"


def test_repeated_failed_sign_ins_are_rate_limited(make_app):
    class Limited(SuiteConfig):
        RATELIMIT_ENABLED = True
        LOGIN_RATE_LIMIT = "3 per minute"

    app = make_app(Limited)
    with app.app_context():
        db.create_all()  # a separate in-memory database on SQLite
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": "x@y.vn", "password": "wrong-password"}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]


def test_deactivated_user_cannot_sign_in(client):
    user = create_user("learner")
    user.is_active = False
    db.session.commit()
    assert login(client, user.email, PASSWORD).status_code == 401


def test_change_password_ends_other_sessions(app, client):
    user = create_user("learner")
    other = app.test_client()
    login(other, user.email, PASSWORD)
    assert other.get("/me").status_code == 200
    login(client, user.email, PASSWORD)
    bad = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "password": "new-password-123",
            "confirm": "new-password-123",
        },
    )
    assert "Mật khẩu hiện tại không đúng." in bad.get_data(as_text=True)
    good = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "new-password-123",
            "confirm": "new-password-123",
        },
    )
    assert good.status_code == 302
    assert client.get("/me").status_code == 200  # this session stays
    assert other.get("/me").status_code == 302  # the other one is signed out
    client.post("/logout")
    assert login(client, user.email, "new-password-123").status_code == 302
    assert len(_events("user.password_changed")) == 1


def test_language_is_vietnamese_by_default_and_remembered(client):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    user = create_user("learner")
    login(client, user.email, PASSWORD)
    client.post("/language", data={"lang": "en", "next": "/me"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    fresh = client.application.test_client()
    login(fresh, user.email, PASSWORD)
    assert "My learning" in fresh.get("/me").get_data(as_text=True)


def test_names_are_stored_nfc_and_render_with_diacritics(client):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")
    user = create_user("learner", name=decomposed)
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.name == "Nguyễn Thị Hằng" and unicodedata.is_normalized("NFC", stored.name)
    login(client, user.email, PASSWORD)
    assert "Nguyễn Thị Hằng" in client.get("/me").get_data(as_text=True)


# --- invitations -------------------------------------------------------------------


@pytest.fixture
def manager():
    return create_user("manager", facility=create_facility(name="Phòng khám Bình An"))


def _accept_data(**overrides):
    data = {
        "name": "Trần Thị Hoa",
        "job_role": "nurse",
        "password": "hoa-password-1",
        "confirm": "hoa-password-1",
    }
    data.update(overrides)
    return data


def test_invitation_link_creates_a_learner_in_the_facility(client, manager):
    invitation, token = services.invite(manager, "Hoa@Example.vn", job_role="nurse")
    db.session.commit()
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200 and "Phòng khám Bình An" in page.get_data(as_text=True)
    response = client.post(f"/invitations/{token}", data=_accept_data())
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "hoa@example.vn"))
    assert user.role == "learner" and user.facility_id == manager.facility_id
    assert user.job_role == "nurse" and user.name == "Trần Thị Hoa"
    assert client.get("/me").status_code == 200
    # single use
    client.post("/logout")
    again = client.get(f"/invitations/{token}")
    assert again.status_code == 410
    assert "đã được sử dụng" in again.get_data(as_text=True)


def test_accepting_with_bad_input_changes_nothing(client, manager):
    _, token = services.invite(manager, "a@example.vn")
    db.session.commit()
    response = client.post(f"/invitations/{token}", data=_accept_data(confirm="different-1"))
    assert response.status_code == 200
    assert "Hai mật khẩu không khớp." in response.get_data(as_text=True)
    response = client.post(f"/invitations/{token}", data=_accept_data(job_role="astronaut"))
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the manager only


@pytest.mark.parametrize("state", ["expired", "cancelled", "unknown"])
def test_closed_invitations_give_a_clear_page(client, manager, state):
    invitation, token = services.invite(manager, "late@example.vn")
    if state == "expired":
        invitation.expires_at = utcnow() - timedelta(minutes=1)
    if state == "cancelled":
        services.cancel_invitation(manager, invitation)
    if state == "unknown":
        token = "not-a-real-token"
    db.session.commit()
    response = client.get(f"/invitations/{token}")
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert {"expired": "đã hết hạn", "cancelled": "đã bị hủy", "unknown": "không hợp lệ"}[
        state
    ] in body
    assert client.post(f"/invitations/{token}", data=_accept_data()).status_code == 410
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_invitations_expire_after_seven_days_by_default(manager):
    invitation, _ = services.invite(manager, "x@example.vn", now=utcnow())
    assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
    assert invitation.status(utcnow() + timedelta(days=8)) == "expired"


def test_csrf_is_enforced_on_forms(make_app):
    class WithCsrf(SuiteConfig):
        WTF_CSRF_ENABLED = True

    app = make_app(WithCsrf)
    client = app.test_client()
    response = client.post("/login", data={"email": "a@b.vn", "password": "whatever-123"})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_sessions_expire_after_inactivity(make_app):
    from datetime import timedelta as td

    class ShortSessions(SuiteConfig):
        PERMANENT_SESSION_LIFETIME = td(seconds=1)

    app = make_app(ShortSessions)
    with app.app_context():  # on SQLite this app has its own in-memory database
        db.create_all()
        email = create_user("learner").email
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    assert client.get("/me").status_code == 200
    import time

    time.sleep(2.1)
    assert client.get("/me").status_code == 302  # the signed cookie is too old: signed out


def _session_cookie_sent(response) -> bool:
    return any(v.startswith("session=") for v in response.headers.getlist("Set-Cookie"))


def test_an_unchanged_session_is_signed_again_only_now_and_then(make_app):
    """The idle deadline moves at most every SESSION_REFRESH_SECONDS (not on every page)."""
    import time

    class QuickRefresh(SuiteConfig):
        SESSION_REFRESH_SECONDS = 1

    app = make_app(QuickRefresh)
    with app.app_context():
        db.create_all()
        email = create_user("learner").email
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    client.get("/me")  # the page's forms put the new session's CSRF token in it
    assert not _session_cookie_sent(client.get("/me"))
    time.sleep(1.1)
    assert _session_cookie_sent(client.get("/me"))  # signed again: the deadline moved
    assert not _session_cookie_sent(client.get("/me"))
