"""Certification programmes (certificates themselves come with the certification work).

A :class:`Programme` is loaded from ``courses/programmes.yml`` by ``flask courses import``:
the courses each job role must complete, how long a certificate stays valid and the rule
that makes a facility certifiable.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import TimestampMixin
from portal.extensions import db


class Programme(TimestampMixin, db.Model):
    """A named certification programme."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    summary: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    validity_months: Mapped[int] = mapped_column(Integer, nullable=False, default=36)
    #: "all" or a job role → course slugs, as programmes.yml lists them.
    courses: Mapped[dict[str, list[str]]] = mapped_column(JSON, nullable=False)
    #: Facility rule: the manager must have completed their courses.
    manager_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Facility rule: this percentage of active staff must have completed theirs.
    staff_share: Mapped[int] = mapped_column(Integer, nullable=False, default=80)
    #: Facility rule: at least one person with one of these job roles among them.
    roles_any: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    #: Whether learners are currently working towards it.
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Place in lists (file order).
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        CheckConstraint("validity_months > 0", name="validity_positive"),
        CheckConstraint("staff_share BETWEEN 0 AND 100", name="staff_share_percent"),
    )

    def courses_for(self, job_role: str | None) -> tuple[str, ...]:
        """Return the course slugs a person with *job_role* must complete, without repeats."""
        slugs = list(self.courses.get("all", []))
        if job_role:
            slugs += self.courses.get(job_role, [])
        return tuple(dict.fromkeys(slugs))
