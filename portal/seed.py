"""Demo data: three facilities, their managers and staff, trainers and an administrator.

Idempotent: records are looked up by licence number or e-mail and created only when
missing. The README lists these accounts.
"""

from __future__ import annotations

from portal.accounts.models import User
from portal.accounts.services import create_user, get_user_by_email
from portal.extensions import db
from portal.facilities.services import create_facility, get_facility_by_licence

DEMO_PASSWORD = "demo-password-2025"  # noqa: S105 - published demo credential  # nosec B105

FACILITIES = [
    {
        "licence": "01-PK-0001",
        "name": "Phòng khám đa khoa An Bình",
        "type": "polyclinic",
        "province": "Hà Nội",
        "address": "12 Phố Huế, Hai Bà Trưng, Hà Nội",
        "slug": "anbinh",
        "staff": [
            ("Nguyễn Thị Hằng", "nurse"),
            ("Trần Văn Minh", "doctor"),
            ("Lê Thu Trang", "administrative"),
            ("Phạm Quốc Huy", "it"),
            ("Đỗ Thị Mai", "midwife"),
        ],
        "manager": ("Vũ Đức Thành", "doctor"),
    },
    {
        "licence": "79-NT-0002",
        "name": "Nhà thuốc Tâm Đức",
        "type": "pharmacy",
        "province": "TP. Hồ Chí Minh",
        "address": "45 Nguyễn Trãi, Quận 5, TP. Hồ Chí Minh",
        "slug": "tamduc",
        "staff": [
            ("Huỳnh Ngọc Ánh", "pharmacist"),
            ("Bùi Thanh Tùng", "pharmacist"),
            ("Ngô Thị Lan", "administrative"),
            ("Đặng Minh Khoa", "it"),
            ("Lý Thị Hoa", "pharmacist"),
        ],
        "manager": ("Trương Thị Thu", "pharmacist"),
    },
    {
        "licence": "48-NK-0003",
        "name": "Nha khoa Sông Hàn",
        "type": "dental",
        "province": "Đà Nẵng",
        "address": "88 Bạch Đằng, Hải Châu, Đà Nẵng",
        "slug": "songhan",
        "staff": [
            ("Phan Văn Long", "doctor"),
            ("Hồ Thị Nga", "nurse"),
            ("Dương Quang Vinh", "technician"),
            ("Mai Thị Yến", "administrative"),
            ("Cao Văn Hải", "nurse"),
        ],
        "manager": ("Lâm Thị Hương", "doctor"),
    },
]

PEOPLE = [
    ("admin@demo.dha.vn", "Quản trị viên Hệ thống", "admin", None),
    ("trainer1@demo.dha.vn", "BS. Nguyễn Văn An", "trainer", None),
    ("trainer2@demo.dha.vn", "ThS. Trần Thị Bình", "trainer", None),
]


def _ensure_user(email, name, role, facility=None, job_role=None) -> int:
    if get_user_by_email(email) is not None:
        return 0
    create_user(
        email=email,
        name=name,
        password=DEMO_PASSWORD,
        role=role,
        facility=facility,
        job_role=job_role,
    )
    return 1


def demo_accounts() -> list[tuple[str, str, str]]:
    """Return (e-mail, role, facility name) for every demo account, for the README."""
    rows = [(email, role, "") for email, _, role, _ in PEOPLE]
    for spec in FACILITIES:
        rows.append((f"manager.{spec['slug']}@demo.dha.vn", "manager", spec["name"]))
        for index in range(1, len(spec["staff"]) + 1):
            rows.append((f"staff{index}.{spec['slug']}@demo.dha.vn", "learner", spec["name"]))
    return rows


def seed_demo() -> int:
    """Create whatever demo record is missing.

    :return: how many records were created (0 on a second run)
    """
    created = 0
    for email, name, role, job in PEOPLE:
        created += _ensure_user(email, name, role, job_role=job)
    for spec in FACILITIES:
        facility = get_facility_by_licence(spec["licence"])
        if facility is None:
            facility = create_facility(
                licence=spec["licence"],
                name=spec["name"],
                type=spec["type"],
                province=spec["province"],
                address=spec["address"],
            )
            created += 1
        name, job = spec["manager"]
        created += _ensure_user(
            f"manager.{spec['slug']}@demo.dha.vn", name, "manager", facility, job
        )
        for index, (name, job) in enumerate(spec["staff"], start=1):
            created += _ensure_user(
                f"staff{index}.{spec['slug']}@demo.dha.vn", name, "learner", facility, job
            )
    return created + _seed_progress()


#: Demo learning, so the dashboards have something to show: (learner, course, lessons to
#: read (None: all), whether they take and pass the quiz).
PROGRESS = (
    ("staff1.anbinh@demo.dha.vn", "digital-transformation", None, True),
    ("staff2.anbinh@demo.dha.vn", "digital-transformation", 2, False),
    ("manager.anbinh@demo.dha.vn", "digital-transformation", 1, False),
    ("staff1.tamduc@demo.dha.vn", "digital-transformation", None, False),
)


def _seed_progress() -> int:
    """Read lessons and pass a quiz through the real services, once; skip without courses.

    :return: how many lessons and quizzes were recorded (0 when already there)
    """
    from sqlalchemy import select

    from portal.catalog.models import Course
    from portal.progress.models import LessonRead
    from portal.progress.services import mark_lesson_read
    from portal.quizzes import services as quizzes
    from portal.quizzes.grading import model_answer

    done = 0
    for email, slug, lessons, take_quiz in PROGRESS:
        user = get_user_by_email(email)
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if user is None or course is None or course.live_version is None:
            continue
        if db.session.scalar(select(LessonRead.id).where(LessonRead.user_id == user.id)):
            continue  # this learner's demo progress exists
        items = course.live_version.items
        to_read = [i for i in items if not i.is_quiz][:lessons]
        for lesson in to_read:
            mark_lesson_read(user, lesson)
            done += 1
        quiz = next((i for i in items if i.is_quiz), None)
        if take_quiz and quiz is not None:
            attempt = quizzes.start_attempt(user, quiz).attempt
            answers = {row.position: model_answer(row.question.question("vi"))
                       for row in quizzes.list_attempt_questions(attempt)}
            quizzes.save_answers(user, attempt, answers)
            quizzes.submit_attempt(user, attempt)
            done += 1
    db.session.commit()
    return done


__all__ = ["DEMO_PASSWORD", "User", "demo_accounts", "seed_demo"]
