"""Demo data: three facilities, their managers and staff, trainers and an administrator.

Idempotent: records are looked up by licence number or e-mail and created only when
missing. The README lists these accounts.
"""

from __future__ import annotations

from portal.accounts.models import User
from portal.accounts.services import create_user, get_user_by_email
from portal.facilities.services import create_facility, get_facility_by_licence

DEMO_PASSWORD = "demo-password-2025"  # noqa: S105 - published demo credential

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
    return created


__all__ = ["DEMO_PASSWORD", "User", "demo_accounts", "seed_demo"]
