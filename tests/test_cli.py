"""The `flask` commands of the public contract."""

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.facilities.models import Facility
from portal.facilities.provinces import PROVINCES, find_province


@pytest.mark.parametrize(
    "text, code",
    [
        ("Hà Nội", "01"),
        ("ha noi", "01"),
        ("Thành phố Hà Nội", "01"),
        ("HÀ NỘI", "01"),
        ("Huế", "46"),
        ("thanh pho hue", "46"),
        ("TP. Hồ Chí Minh", "79"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("ho chi minh", "79"),
        ("Tỉnh Đắk Lắk", "66"),
        ("dak lak", "66"),
        ("79", "79"),
        ("1", "01"),
        ("Đà Nẵng", "48"),
    ],
)
def test_province_matching_ignores_case_diacritics_and_prefixes(text, code):
    assert find_province(text).code == code


def test_there_are_34_provinces():
    assert len(PROVINCES) == 34 and len({p.code for p in PROVINCES}) == 34
    assert find_province("Narnia") is None and find_province("") is None


def test_facilities_create(runner):
    result = runner.invoke(
        args=[
            "facilities",
            "create",
            "--licence",
            "01-pk-9",
            "--name",
            "Phòng khám Hạnh Phúc",
            "--type",
            "clinic",
            "--province",
            "thanh pho ha noi",
        ]
    )
    assert result.exit_code == 0, result.output
    facility = db.session.scalar(select(Facility))
    assert facility.licence_number == "01-PK-9" and facility.province_code == "01"
    again = runner.invoke(
        args=[
            "facilities",
            "create",
            "--licence",
            "01-PK-9",
            "--name",
            "Khác",
            "--type",
            "clinic",
            "--province",
            "Hà Nội",
        ]
    )
    assert again.exit_code == 1
    assert "01-PK-9" in again.output
    assert db.session.scalar(select(func.count()).select_from(Facility)) == 1


def test_facilities_create_rejects_unknown_province_and_type(runner):
    bad_province = runner.invoke(
        args=[
            "facilities",
            "create",
            "--licence",
            "A",
            "--name",
            "A",
            "--type",
            "clinic",
            "--province",
            "Atlantis",
        ]
    )
    bad_type = runner.invoke(
        args=[
            "facilities",
            "create",
            "--licence",
            "B",
            "--name",
            "B",
            "--type",
            "spa",
            "--province",
            "Huế",
        ]
    )
    assert bad_province.exit_code == 1 and bad_type.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(Facility)) == 0


def test_users_create_reads_password_from_stdin(runner):
    runner.invoke(
        args=[
            "facilities",
            "create",
            "--licence",
            "L1",
            "--name",
            "PK",
            "--type",
            "clinic",
            "--province",
            "Huế",
        ]
    )
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Hoa@Example.vn",
            "--name",
            "Lý Thị Hoa",
            "--role",
            "learner",
            "--facility",
            "L1",
            "--job-role",
            "nurse",
        ],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "hoa@example.vn" and user.facility.licence_number == "L1"
    assert user.job_role == "nurse"


def test_users_create_refuses_learner_without_facility_and_weak_password(runner):
    no_facility = runner.invoke(
        args=["users", "create", "--email", "a@b.vn", "--name", "A", "--role", "learner"],
        input="a-long-password\n",
    )
    weak = runner.invoke(
        args=["users", "create", "--email", "c@d.vn", "--name", "C", "--role", "trainer"],
        input="short\n",
    )
    assert no_facility.exit_code == 1 and weak.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Facility)),
    )
    assert counts == (3 + 3 * 6, 3)
    second = runner.invoke(args=["seed", "demo"])
    assert "(0 new records)" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == counts[0]
    provinces = set(db.session.scalars(select(Facility.province_code)))
    assert len(provinces) == 3
    types = set(db.session.scalars(select(Facility.type)))
    assert {"pharmacy", "dental"} <= types


def test_seed_demo_records_real_progress_once_courses_are_loaded(runner, app):
    from portal.accounts.services import get_user_by_email
    from portal.certification.models import Certificate
    from portal.progress.models import CourseCompletion, LessonRead
    from portal.quizzes.models import Attempt
    from tests.conftest import ROOT
    from tests.factories import import_courses

    with app.app_context():
        import_courses(ROOT / "courses")
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with app.app_context():
        learner = get_user_by_email("staff1.anbinh@demo.dha.vn")
        (completion,) = db.session.scalars(select(CourseCompletion)).all()
        assert completion.user_id == learner.id
        attempt = db.session.scalar(select(Attempt))
        assert attempt.user_id == learner.id and attempt.is_passed and attempt.score == 100
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        reads = db.session.scalar(select(func.count()).select_from(LessonRead))
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "(0 new records)" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonRead)) == reads
