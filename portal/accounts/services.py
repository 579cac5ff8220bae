"""Account rules: creating users, signing in, passwords, invitations.

Services flush; the caller (a view or a command) commits once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.accounts.models import JOB_ROLES, Invitation, User, new_session_token
from portal.accounts.passwords import (
    MIN_LENGTH,
    check_password,
    dummy_hash,
    hash_password,
    needs_rehash,
)
from portal.db import utcnow
from portal.extensions import db
from portal.facilities.models import Facility
from portal.security import ROLES
from portal.text import escape_like, fold, nfc

logger = logging.getLogger(__name__)


class AccountError(ValueError):
    """A rule about accounts was broken; ``field`` names the form field, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class EmailTaken(AccountError):
    """Another account already uses this e-mail address."""


def validate_password(password: str) -> None:
    """Raise :class:`AccountError` unless *password* is acceptable."""
    if len(password or "") < MIN_LENGTH:
        raise AccountError(_l("Use at least %(n)d characters.", n=MIN_LENGTH), field="password")


def get_user_by_email(email: str) -> User | None:
    """Return the user with *email* (any case), or ``None``."""
    return db.session.scalar(select(User).where(User.email == nfc(email).lower()))


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: str = "learner",
    facility: Facility | None = None,
    job_role: str | None = None,
    locale: str = "vi",
    actor: User | None = None,
    ip: str | None = None,
) -> User:
    """Create a user account.

    :param role: one of learner, manager, trainer, admin
    :param facility: required for learners and managers
    :return: the new, flushed user
    :raises AccountError: on a rule broken (unknown role, missing facility, weak password)
    :raises EmailTaken: when the e-mail is already used
    """
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), field="role")
    if job_role is not None and job_role not in JOB_ROLES:
        raise AccountError(_l("Unknown job role."), field="job_role")
    if role in ("learner", "manager") and facility is None:
        raise AccountError(_l("Learners and managers belong to a facility."), field="facility")
    if not nfc(name):
        raise AccountError(_l("Enter a name."), field="name")
    validate_password(password)
    if get_user_by_email(email) is not None:
        raise EmailTaken(_l("An account with this e-mail already exists."), field="email")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        job_role=job_role,
        facility=facility if role in ("learner", "manager") else None,
        locale=locale,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:  # a concurrent insert won the race
        raise EmailTaken(_l("An account with this e-mail already exists."), field="email") from exc
    audit.record("user.created", actor=actor, obj=user, ip=ip, role=role, email=user.email)
    return user


def authenticate(email: str, password: str, *, ip: str | None = None) -> User | None:
    """Return the active user with these credentials, or ``None``.

    A wrong e-mail and a wrong password take the same time and give the same answer;
    every failure is written to the audit log.
    """
    user = get_user_by_email(email or "")
    if user is None:
        check_password(dummy_hash(), password or "")
        audit.record("auth.login_failed", ip=ip, email=(email or "")[:254], reason="unknown")
        return None
    if not check_password(user.password_hash, password or "") or not user.is_active:
        reason = "inactive" if user.is_active is False else "password"
        audit.record("auth.login_failed", obj=user, ip=ip, email=user.email, reason=reason)
        return None
    if needs_rehash(user.password_hash):  # made with older parameters: bring it up to date
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user, obj=user, ip=ip)
    return user


def change_password(user: User, current: str, new: str, *, ip: str | None = None) -> None:
    """Change *user*'s password and end their other sessions.

    :raises AccountError: when *current* is wrong or *new* is too weak
    """
    if not check_password(user.password_hash, current or ""):
        raise AccountError(_l("The current password is not correct."), field="current_password")
    validate_password(new)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    audit.record("user.password_changed", actor=user, obj=user, ip=ip)


def set_locale(user: User, locale: str) -> None:
    """Remember *user*'s interface language."""
    if locale in ("vi", "en"):
        user.locale = locale


def update_user(
    user: User,
    *,
    actor: User,
    name: str,
    email: str,
    role: str,
    facility: Facility | None,
    job_role: str | None,
    is_active: bool,
    ip: str | None = None,
) -> User:
    """Apply an administrator's edits to *user*, auditing a role change.

    :raises AccountError: on a broken rule; :raises EmailTaken: on a taken e-mail
    """
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), field="role")
    if role in ("learner", "manager") and facility is None:
        raise AccountError(_l("Learners and managers belong to a facility."), field="facility")
    if user.id == actor.id and (role != "admin" or not is_active):
        raise AccountError(_l("You cannot remove your own administrator access."), field="role")
    other = get_user_by_email(email)
    if other is not None and other.id != user.id:
        raise EmailTaken(_l("An account with this e-mail already exists."), field="email")
    if not nfc(name):
        raise AccountError(_l("Enter a name."), field="name")
    old_role = user.role
    user.name = name
    user.email = email
    user.role = role
    user.facility = facility if role in ("learner", "manager") else None
    user.job_role = job_role
    if user.is_active and not is_active:
        user.session_token = new_session_token()
    user.is_active = is_active
    if old_role != role:
        audit.record("user.role_changed", actor=actor, obj=user, ip=ip, old=old_role, new=role)
    audit.record("user.updated", actor=actor, obj=user, ip=ip)
    return user


def search_users(query: str = "", *, facility_id: int | None = None, role: str | None = None):
    """Return a select() of users matching *query* in name or e-mail, ignoring case and accents."""
    stmt = select(User).order_by(User.name_folded, User.id)
    if query and query.strip():
        needle = f"%{escape_like(fold(query))}%"
        stmt = stmt.where(
            or_(
                User.name_folded.like(needle, escape="\\"),
                func.lower(User.email).like(f"%{escape_like(query.strip().lower())}%", escape="\\"),
            )
        )
    if facility_id is not None:
        stmt = stmt.where(User.facility_id == facility_id)
    if role:
        stmt = stmt.where(User.role == role)
    return stmt


# --- invitations -------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(
    manager: User,
    email: str,
    *,
    job_role: str | None = None,
    days: int = 7,
    now: datetime | None = None,
    ip: str | None = None,
) -> tuple[Invitation, str]:
    """Invite *email* to join *manager*'s facility.

    :return: the invitation and the secret token for the link (shown once, never stored)
    :raises AccountError: when the address already has an account or a pending invitation
    """
    now = now or utcnow()
    email = nfc(email).lower()
    if job_role is not None and job_role not in JOB_ROLES:
        raise AccountError(_l("Unknown job role."), field="job_role")
    if get_user_by_email(email) is not None:
        raise EmailTaken(_l("An account with this e-mail already exists."), field="email")
    pending = db.session.scalar(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.facility_id == manager.facility_id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    if pending is not None:
        raise AccountError(
            _l("This person already has a pending invitation; resend it instead."), field="email"
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        facility_id=manager.facility_id,
        email=email,
        job_role=job_role,
        token_hash=_token_hash(token),
        invited_by_id=manager.id,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", actor=manager, obj=invitation, ip=ip, email=email)
    return invitation, token


def resend_invitation(
    manager: User, invitation: Invitation, *, days: int = 7, now: datetime | None = None
) -> str:
    """Issue a new link for *invitation* (the old link stops working) and extend it.

    :return: the new secret token
    :raises AccountError: when the invitation was already accepted
    """
    now = now or utcnow()
    if invitation.accepted_at is not None:
        raise AccountError(_l("This invitation was already accepted."))
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = now + timedelta(days=days)
    invitation.cancelled_at = None
    audit.record("invitation.resent", actor=manager, obj=invitation)
    return token


def cancel_invitation(manager: User, invitation: Invitation, *, now: datetime | None = None):
    """Cancel a pending invitation; its link stops working.

    :raises AccountError: when it was already accepted
    """
    if invitation.accepted_at is not None:
        raise AccountError(_l("This invitation was already accepted."))
    invitation.cancelled_at = now or utcnow()
    audit.record("invitation.cancelled", actor=manager, obj=invitation)


def find_invitation(token: str) -> Invitation | None:
    """Return the invitation whose link carries *token*, whatever its state."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))


def accept_invitation(
    invitation: Invitation,
    *,
    name: str,
    job_role: str,
    password: str,
    locale: str = "vi",
    now: datetime | None = None,
    ip: str | None = None,
) -> User:
    """Create the learner account an invitation offers, and use the invitation up.

    :raises AccountError: when the invitation is not pending, or the input breaks a rule
    """
    now = now or utcnow()
    if invitation.status(now) != "pending":
        raise AccountError(_l("This invitation can no longer be used."))
    if job_role not in JOB_ROLES:
        raise AccountError(_l("Choose your job role."), field="job_role")
    user = create_user(
        email=invitation.email,
        name=name,
        password=password,
        role="learner",
        facility=invitation.facility,
        job_role=job_role,
        locale=locale,
        ip=ip,
    )
    invitation.accepted_at = now
    invitation.user_id = user.id
    audit.record("invitation.accepted", actor=user, obj=invitation, ip=ip)
    return user


def set_staff_active(manager: User, staff: User, active: bool, *, ip: str | None = None) -> None:
    """Deactivate or reactivate a staff member of *manager*'s facility; records stay.

    :raises AccountError: when the manager tries to deactivate themself
    """
    if staff.id == manager.id:
        raise AccountError(_l("You cannot deactivate your own account."))
    if staff.is_active == active:
        return
    staff.is_active = active
    if not active:
        staff.session_token = new_session_token()
    audit.record(
        "user.activated" if active else "user.deactivated", actor=manager, obj=staff, ip=ip
    )
