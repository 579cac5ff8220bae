"""Test data builders, one per model (Indico-style create_* functions)."""

from __future__ import annotations

import itertools

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
