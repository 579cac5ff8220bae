"""The manager's facility page: inviting, resending, cancelling, deactivating."""

import re

from sqlalchemy import select

from portal.accounts.models import Invitation, User
from portal.audit import AuditEvent
from portal.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, create_facility, create_user


def _link_token(html: str) -> str:
    match = re.search(r"/invitations/([A-Za-z0-9_\-]{20,})", html)
    assert match, "no invitation link shown"
    return match.group(1)


def test_manager_invites_and_the_link_works(client, as_user):
    manager = create_user("manager")
    as_user(manager)
    response = client.post(
        "/facility/invitations",
        data={"email": "moi@example.vn", "job_role": "pharmacist"},
        follow_redirects=True,
    )
    token = _link_token(response.get_data(as_text=True))
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "moi@example.vn" and invitation.facility_id == manager.facility_id
    assert token not in (invitation.token_hash,)  # only a hash is stored
    client.post("/logout")
    assert client.get(f"/invitations/{token}").status_code == 200


def test_invalid_or_duplicate_invitations_are_form_errors(client, as_user):
    manager = create_user("manager")
    as_user(manager)
    bad = client.post("/facility/invitations", data={"email": "not-an-email", "job_role": "nurse"})
    assert bad.status_code == 400 and "Nhập một địa chỉ e-mail hợp lệ." in bad.get_data(
        as_text=True
    )
    taken = client.post("/facility/invitations", data={"email": manager.email, "job_role": "nurse"})
    assert taken.status_code == 400
    assert "Đã có tài khoản dùng e-mail này." in taken.get_data(as_text=True)
    assert db.session.scalar(select(Invitation)) is None


def test_resend_makes_the_old_link_stop_working(client, as_user):
    manager = create_user("manager")
    as_user(manager)
    first = client.post(
        "/facility/invitations",
        data={"email": "r@example.vn", "job_role": "nurse"},
        follow_redirects=True,
    )
    old = _link_token(first.get_data(as_text=True))
    invitation = db.session.scalar(select(Invitation))
    second = client.post(f"/facility/invitations/{invitation.id}/resend", follow_redirects=True)
    new = _link_token(second.get_data(as_text=True))
    assert new != old
    client.post("/logout")
    assert client.get(f"/invitations/{old}").status_code == 410
    assert client.get(f"/invitations/{new}").status_code == 200


def test_cancel_invitation(client, as_user):
    manager = create_user("manager")
    as_user(manager)
    client.post("/facility/invitations", data={"email": "c@example.vn", "job_role": "nurse"})
    invitation = db.session.scalar(select(Invitation))
    client.post(f"/facility/invitations/{invitation.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).cancelled_at is not None


def test_deactivated_staff_cannot_sign_in_but_their_records_stay(app, client, as_user):
    manager = create_user("manager")
    nurse = create_user("learner", facility=manager.facility, name="Đỗ Thị Mai")
    nurse_client = app.test_client()
    login(nurse_client, nurse.email, PASSWORD)
    as_user(manager)
    client.post(f"/facility/staff/{nurse.id}/deactivate")
    db.session.expire_all()
    assert db.session.get(User, nurse.id).is_active is False
    assert nurse_client.get("/me").status_code == 302  # signed out at once
    assert login(app.test_client(), nurse.email, PASSWORD).status_code == 401
    page = client.get("/facility").get_data(as_text=True)
    assert "Đỗ Thị Mai" in page and "Đã vô hiệu hóa" in page
    client.post(f"/facility/staff/{nurse.id}/reactivate")
    assert login(app.test_client(), nurse.email, PASSWORD).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.deactivated" in actions and "user.activated" in actions


def test_a_manager_never_reaches_another_facility(client, as_user):
    manager = create_user("manager")
    stranger = create_user("learner", facility=create_facility(), name="Người Lạ")
    other_manager = create_user("manager", facility=stranger.facility)
    client_other = client.application.test_client()
    login(client_other, other_manager.email, PASSWORD)
    client_other.post("/facility/invitations", data={"email": "z@example.vn", "job_role": "nurse"})
    foreign = db.session.scalar(select(Invitation))
    as_user(manager)
    assert client.post(f"/facility/staff/{stranger.id}/deactivate").status_code == 404
    assert client.post(f"/facility/invitations/{foreign.id}/cancel").status_code == 404
    assert client.post(f"/facility/invitations/{foreign.id}/resend").status_code == 404
    assert "Người Lạ" not in client.get("/facility").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, stranger.id).is_active
    assert db.session.get(Invitation, foreign.id).cancelled_at is None
