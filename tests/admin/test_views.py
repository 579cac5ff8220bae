"""The administrators' user and facility pages."""

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.extensions import db
from portal.facilities.models import Facility
from tests.factories import create_facility, create_user


def test_search_ignores_case_and_diacritics(client, as_user):
    as_user(create_user("admin"))
    facility = create_facility(name="Phòng khám Đức Minh")
    create_user("learner", facility=facility, name="Nguyễn Thị Hằng")
    create_user("learner", facility=facility, name="Trần Văn Bình")
    page = client.get("/admin/users?q=nguyen thi hang").get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in page and "Trần Văn Bình" not in page
    page = client.get("/admin/users?q=NGUYỄN").get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in page
    page = client.get("/admin/facilities?q=duc minh").get_data(as_text=True)
    assert "Phòng khám Đức Minh" in page


def test_users_are_paged(client, as_user, app):
    as_user(create_user("admin"))
    facility = create_facility()
    for n in range(30):
        create_user("learner", facility=facility, name=f"Học viên {n:02d}")
    first = client.get("/admin/users?role=learner").get_data(as_text=True)
    second = client.get("/admin/users?role=learner&page=2").get_data(as_text=True)
    assert "Trang 1 / 2" in first and "Học viên 00" in first and "Học viên 29" not in first
    assert "Học viên 29" in second
    assert client.get("/admin/users?page=99").status_code == 200


def test_duplicate_email_is_a_form_error(client, as_user):
    admin = create_user("admin")
    as_user(admin)
    response = client.post(
        "/admin/users/new",
        data={
            "name": "Ai Đó",
            "email": admin.email,
            "role": "trainer",
            "password": "long-password-1",
        },
    )
    assert response.status_code == 200
    assert "Đã có tài khoản dùng e-mail này." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_duplicate_licence_is_a_form_error(client, as_user):
    as_user(create_user("admin"))
    create_facility(licence="01-PK-7")
    response = client.post(
        "/admin/facilities/new",
        data={"name": "Khác", "licence_number": "01-pk-7", "type": "clinic", "province": "01"},
    )
    assert response.status_code == 200
    assert "Đã có cơ sở với số giấy phép 01-PK-7." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Facility)) == 1


def test_admin_creates_facility_and_user(client, as_user):
    as_user(create_user("admin"))
    client.post(
        "/admin/facilities/new",
        data={
            "name": "Nhà thuốc Hồng Phúc",
            "licence_number": "92-NT-1",
            "type": "pharmacy",
            "province": "92",
            "address": "1 Đường 3/2, Ninh Kiều",
        },
    )
    facility = db.session.scalar(select(Facility).where(Facility.licence_number == "92-NT-1"))
    assert facility.name == "Nhà thuốc Hồng Phúc" and facility.province.name == "Cần Thơ"
    client.post(
        "/admin/users/new",
        data={
            "name": "Lê Văn Tám",
            "email": "tam@example.vn",
            "role": "manager",
            "facility": "92-nt-1",
            "job_role": "pharmacist",
            "is_active": "y",
            "password": "long-password-1",
        },
    )
    user = db.session.scalar(select(User).where(User.email == "tam@example.vn"))
    assert user.role == "manager" and user.facility_id == facility.id


def test_role_change_is_audited(client, as_user):
    admin = create_user("admin")
    as_user(admin)
    trainer = create_user("trainer", name="Giảng Viên")
    response = client.post(
        f"/admin/users/{trainer.id}",
        data={"name": "Giảng Viên", "email": trainer.email, "role": "admin", "is_active": "y"},
    )
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == admin.id and event.detail == {"old": "trainer", "new": "admin"}


def test_learner_without_facility_is_refused(client, as_user):
    as_user(create_user("admin"))
    response = client.post(
        "/admin/users/new",
        data={
            "name": "X",
            "email": "x@example.vn",
            "role": "learner",
            "password": "long-password-1",
        },
    )
    assert "Học viên và quản lý phải thuộc một cơ sở." in response.get_data(as_text=True)
    response = client.post(
        "/admin/users/new",
        data={
            "name": "X",
            "email": "x@example.vn",
            "role": "learner",
            "facility": "NOPE",
            "password": "long-password-1",
        },
    )
    assert "Không có cơ sở nào có số giấy phép này." in response.get_data(as_text=True)


def test_unknown_user_or_facility_is_404(client, as_user):
    as_user(create_user("admin"))
    assert client.get("/admin/users/424242").status_code == 404
    assert client.get("/admin/facilities/424242").status_code == 404
