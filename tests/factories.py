"""Test data builders, one per model (Indico-style create_* functions)."""

from __future__ import annotations

import itertools
from pathlib import Path

from portal.accounts.services import create_user as _create_user
from portal.extensions import db
from portal.facilities.services import create_facility as _create_facility

PASSWORD = "correct-horse-battery"  # noqa: S105
_seq = itertools.count(1)


def create_facility(**overrides):
    n = next(_seq)
    values = {
        "licence": f"T-{n:05d}",
        "name": f"Phòng khám Thử nghiệm {n}",
        "type": "clinic",
        "province": "Hà Nội",
    }
    values.update(overrides)
    facility = _create_facility(**values)
    db.session.commit()
    return facility


def create_user(role: str = "learner", facility=None, **overrides):
    n = next(_seq)
    if role in ("learner", "manager") and facility is None:
        facility = create_facility()
    values = {
        "email": f"user{n}@example.vn",
        "name": f"Người dùng {n}",
        "password": PASSWORD,
        "role": role,
        "facility": facility,
        "job_role": "nurse" if role in ("learner", "manager") else None,
    }
    values.update(overrides)
    user = _create_user(**values)
    db.session.commit()
    return user


FIXTURE_COURSES = Path(__file__).parent / "fixtures" / "courses"


def import_courses(path=FIXTURE_COURSES, *, draft: bool = False):
    """Load and import a courses/ folder (the two small fixture courses by default), committed.

    :return: the import report
    """
    from portal.catalog.importer import import_specs, known_course_slugs
    from portal.catalog.loader import load_tree

    result = load_tree(path, known_slugs=known_course_slugs())
    assert result.ok, [str(e) for e in result.errors]
    report = import_specs(result, draft=draft)
    db.session.commit()
    return report


def get_course(slug: str):
    """Return ``(course, live_version)`` for an imported course."""
    from sqlalchemy import select

    from portal.catalog.models import Course

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return course, course.live_version
