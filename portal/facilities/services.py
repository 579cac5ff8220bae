"""Facility rules: creating and editing facilities, and the access gates on them."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.extensions import db
from portal.facilities.models import FACILITY_TYPES, Facility
from portal.facilities.provinces import find_province
from portal.text import escape_like, fold, nfc


class FacilityError(ValueError):
    """A rule about facilities was broken; ``field`` names the form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


class LicenceTaken(FacilityError):
    """Another facility already holds this licence number."""


def normalise_licence(licence: str) -> str:
    """Return a licence number as stored: NFC, trimmed, upper-case."""
    return (nfc(licence) or "").upper()


def get_facility_by_licence(licence: str) -> Facility | None:
    """Return the facility holding *licence*, or ``None``."""
    return db.session.scalar(
        select(Facility).where(Facility.licence_number == normalise_licence(licence))
    )


def _apply(facility: Facility, *, licence, name, type, province, address, phone, email):
    if not nfc(name):
        raise FacilityError(_l("Enter the facility's name."), field="name")
    if type not in FACILITY_TYPES:
        raise FacilityError(_l("Unknown facility type."), field="type")
    found = find_province(province)
    if found is None:
        raise FacilityError(_l("Unknown province: %(p)s.", p=province), field="province")
    licence = normalise_licence(licence)
    if not licence:
        raise FacilityError(_l("Enter the operating licence number."), field="licence_number")
    other = get_facility_by_licence(licence)
    if other is not None and other.id != facility.id:
        raise LicenceTaken(
            _l("A facility with licence number %(l)s already exists.", l=licence),
            field="licence_number",
        )
    facility.licence_number = licence
    facility.name = name
    facility.type = type
    facility.province_code = found.code
    facility.address = address or ""
    facility.phone = (phone or "").strip()
    facility.email = (email or "").strip().lower()


def create_facility(
    *,
    licence: str,
    name: str,
    type: str,
    province: str,
    address: str = "",
    phone: str = "",
    email: str = "",
    actor=None,
    ip: str | None = None,
) -> Facility:
    """Create a facility.

    :param province: a province name as people write it, or its official code
    :return: the new, flushed facility
    :raises FacilityError: on a missing or unknown value
    :raises LicenceTaken: when the licence number is already registered
    """
    facility = Facility()
    _apply(
        facility,
        licence=licence,
        name=name,
        type=type,
        province=province,
        address=address,
        phone=phone,
        email=email,
    )
    try:
        with db.session.begin_nested():
            db.session.add(facility)
    except IntegrityError as exc:
        raise LicenceTaken(
            _l("A facility with licence number %(l)s already exists.", l=facility.licence_number),
            field="licence_number",
        ) from exc
    audit.record("facility.created", actor=actor, obj=facility, ip=ip, licence=licence)
    return facility


def update_facility(facility: Facility, *, actor, ip=None, is_active=True, **fields) -> Facility:
    """Apply an administrator's edits to *facility*.

    :raises FacilityError: or :class:`LicenceTaken`, as for :func:`create_facility`
    """
    _apply(facility, **fields)
    facility.is_active = is_active
    audit.record("facility.updated", actor=actor, obj=facility, ip=ip)
    return facility


def search_facilities(
    query: str = "", *, province_code: str | None = None, type: str | None = None
):
    """Return a select() of facilities matching *query* in name or licence, ignoring accents."""
    stmt = select(Facility).order_by(Facility.name_folded, Facility.id)
    if query and query.strip():
        folded = escape_like(fold(query))
        stmt = stmt.where(
            or_(
                Facility.name_folded.like(f"%{folded}%", escape="\\"),
                Facility.licence_number.like(f"%{folded.upper()}%", escape="\\"),
            )
        )
    if province_code:
        stmt = stmt.where(Facility.province_code == province_code)
    if type:
        stmt = stmt.where(Facility.type == type)
    return stmt


def get_staff_for_manager_or_404(manager, user_id: int):
    """Return the user *user_id* if they belong to *manager*'s facility, else 404."""
    from portal.accounts.models import User

    user = db.session.get(User, user_id)
    if user is None or manager.facility_id is None or user.facility_id != manager.facility_id:
        abort(404)
    return user


def get_invitation_for_manager_or_404(manager, invitation_id: int):
    """Return the invitation *invitation_id* if it is for *manager*'s facility, else 404."""
    from portal.accounts.models import Invitation

    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.facility_id != manager.facility_id:
        abort(404)
    return invitation
