"""Users and the invitations that bring staff into a facility."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.db import TimestampMixin, UTCDateTime
from portal.extensions import db
from portal.facilities.models import Facility
from portal.security import ROLES
from portal.text import fold, nfc

JOB_ROLES = ("doctor", "nurse", "midwife", "pharmacist", "technician", "administrative", "it")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def new_session_token() -> str:
    """Return a fresh random token identifying a user's sessions."""
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    """A person with an account: learner, manager, trainer or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique.
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_folded: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="learner")
    job_role: Mapped[str | None] = mapped_column(String(20))
    facility_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Interface language chosen by the user (vi or en).
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="vi")
    #: Part of the session cookie; changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(
        String(64), nullable=False, unique=True, default=new_session_token
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    facility: Mapped[Facility | None] = relationship(lazy="joined", innerjoin=False)

    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role_known"),
        CheckConstraint("job_role IS NULL OR " + _in("job_role", JOB_ROLES), name="job_role_known"),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
        CheckConstraint(
            "role NOT IN ('learner', 'manager') OR facility_id IS NOT NULL",
            name="staff_have_facility",
        ),
    )

    @validates("email")
    def _set_email(self, key, value):
        return nfc(value).lower()

    @validates("name")
    def _set_name(self, key, value):
        value = nfc(value)
        self.name_folded = fold(value)
        return value

    def get_id(self) -> str:
        """Return the session token, so a password change ends every other session."""
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(TimestampMixin, db.Model):
    """A single-use, expiring link a manager sends to bring someone into a facility."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facilities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    job_role: Mapped[str | None] = mapped_column(String(20))
    #: SHA-256 of the secret token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    facility: Mapped[Facility] = relationship()

    __table_args__ = (
        CheckConstraint("job_role IS NULL OR " + _in("job_role", JOB_ROLES), name="job_role_known"),
        CheckConstraint(
            "accepted_at IS NULL OR cancelled_at IS NULL", name="not_accepted_and_cancelled"
        ),
    )

    @validates("email")
    def _set_email(self, key, value):
        return nfc(value).lower()

    def status(self, now: datetime) -> str:
        """Return ``accepted``, ``cancelled``, ``expired`` or ``pending`` at *now*."""
        if self.accepted_at is not None:
            return "accepted"
        if self.cancelled_at is not None:
            return "cancelled"
        if self.expires_at <= now:
            return "expired"
        return "pending"
