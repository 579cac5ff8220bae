"""Certification: programmes, certificates and facilities' requests for certification.

A :class:`Programme` is loaded from ``courses/programmes.yml`` by ``flask courses import``:
the courses each job role must complete, how long a certificate stays valid and the rule
that makes a facility certifiable. A :class:`Certificate` is issued to a person who completes
a course that awards one or everything a programme asks of their job role, and to a facility
that an administrator certifies after its manager's :class:`CertificationRequest`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.accounts.models import User
from portal.catalog.models import Course, CourseVersion
from portal.db import TimestampMixin, UTCDateTime, utcnow
from portal.extensions import db
from portal.facilities.models import Facility
from portal.text import fold, nfc


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


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


#: What a certificate is for.
CERTIFICATE_KINDS = ("course", "programme", "facility")
#: Where a facility's request for certification stands.
REQUEST_STATUSES = ("pending", "issued", "declined", "withdrawn")


def certificate_status(revoked_at: dt.datetime | None, expires_at: dt.datetime,
                       now: dt.datetime | None = None) -> str:
    """Return ``"revoked"``, ``"expired"`` or ``"active"`` for a certificate in this state."""
    if revoked_at is not None:
        return "revoked"
    if expires_at <= (now or utcnow()):
        return "expired"
    return "active"


class Certificate(TimestampMixin, db.Model):
    """A certificate for a person (a course or a programme) or for a facility (a programme).

    ``achievement_key`` names what was achieved ("course:<user>:<course>",
    "programme:<user>:<programme>", "facility:<facility>:<programme>:<n>") and is unique,
    so the same achievement can never be certified twice, even by concurrent requests.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: For people to read and quote: DHA-2026-000123.
    serial: Mapped[str] = mapped_column(String(24), nullable=False, unique=True)
    #: Unguessable (144 bits, URL-safe) code of the verification link and QR code.
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    achievement_key: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), nullable=True
    )
    #: The course version the certificate was earned on (course certificates).
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="RESTRICT"), nullable=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="RESTRICT"), nullable=True
    )
    #: The holder's or facility's name as certified (a snapshot, NFC).
    holder_name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: ``holder_name`` folded (no case, no diacritics) for the administrators' search.
    holder_folded: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: What is certified, as it read on the day: {"vi": …, "en": …}.
    title: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    #: The administrator who issued it (facility certificates); ``None``: issued automatically.
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revoke_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    #: The signed Open Badges 3.0 credential (VC-JWT), signed once when issued.
    token: Mapped[str] = mapped_column(Text, nullable=False, default="", deferred=True)
    #: Key id the token was signed with.
    kid: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    facility: Mapped[Facility | None] = relationship(foreign_keys=[facility_id])
    course: Mapped[Course | None] = relationship(foreign_keys=[course_id])
    version: Mapped[CourseVersion | None] = relationship(foreign_keys=[version_id])
    programme: Mapped[Programme | None] = relationship(foreign_keys=[programme_id])

    __table_args__ = (
        CheckConstraint(_in("kind", CERTIFICATE_KINDS), name="kind_known"),
        CheckConstraint(
            "(kind = 'course' AND user_id IS NOT NULL AND course_id IS NOT NULL)"
            " OR (kind = 'programme' AND user_id IS NOT NULL AND programme_id IS NOT NULL)"
            " OR (kind = 'facility' AND facility_id IS NOT NULL AND programme_id IS NOT NULL)",
            name="subject_matches_kind",
        ),
        CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
        CheckConstraint("revoked_at IS NULL OR revoke_reason <> ''", name="revoked_with_reason"),
        #: The national overview's "certified facilities" and "expiring soon" look up the few
        #: facility certificates among hundreds of thousands of personal ones by kind and
        #: expiry (docs/performance.md).
        Index("ix_certificates_kind_expires_at", "kind", "expires_at"),
    )

    @validates("holder_name")
    def _set_holder(self, key, value):
        value = nfc(value)
        self.holder_folded = fold(value)
        return value

    def status(self, now: dt.datetime | None = None) -> str:
        """Return ``"revoked"``, ``"expired"`` or ``"active"``."""
        return certificate_status(self.revoked_at, self.expires_at, now)


class CertificationRequest(db.Model):
    """A facility manager asks for the facility's certificate (or its renewal)."""

    __tablename__ = "certification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    is_renewal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Why it was declined, for the manager to read.
    decline_reason: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), nullable=True
    )

    facility: Mapped[Facility] = relationship()
    programme: Mapped[Programme] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    certificate: Mapped[Certificate | None] = relationship()

    __table_args__ = (
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status_known"),
        CheckConstraint("status <> 'declined' OR decline_reason <> ''",
                        name="declined_with_reason"),
        #: One pending request per facility and programme, even under concurrent clicks.
        Index("uq_certification_requests_pending", "facility_id", "programme_id",
              unique=True, sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )
