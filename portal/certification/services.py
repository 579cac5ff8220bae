"""Issuing, requesting, declining, renewing and revoking certificates.

Personal certificates are issued automatically, in the transaction that completes a course
(:func:`on_course_completed` listens to :data:`portal.progress.services.course_completed`):
a course certificate when the course awards one, and a programme certificate when the learner
has now completed everything an active programme asks of their job role. A facility
certificate follows a request from its manager and an administrator's review.

Every certificate is unique by what it certifies (``achievement_key``, a database
constraint), so concurrent completions can never issue the same one twice. Services flush;
the caller commits. Every issue, decline, renewal and revocation goes to the audit log.
"""

from __future__ import annotations

import calendar
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.certification.models import Certificate, CertificationRequest, Programme
from portal.certification.rules import FacilityReadiness, facility_readiness, person_status
from portal.db import utcnow
from portal.extensions import db
from portal.text import nfc

logger = logging.getLogger(__name__)

#: A facility may ask for renewal this many days before its certificate expires.
RENEWAL_WINDOW_DAYS = 90
#: Course certificates are valid this long (a programme's certificates use its own validity).
DEFAULT_VALIDITY_MONTHS = 36


class CertificationError(Exception):
    """A request the rules refuse; the message is for the person who asked."""


def add_months(moment: datetime, months: int) -> datetime:
    """Return *moment* plus *months* calendar months (the 31st becomes the month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --------------------------------------------------------------------------- issuing


def _issue(cert: Certificate, actor=None) -> Certificate | None:
    """Insert *cert* unless its achievement is already certified; return it, or ``None``.

    The serial number comes from the row's id, so it is unique without a separate counter.
    """
    cert.serial = f"TMP-{secrets.token_hex(8)}"
    cert.code = secrets.token_urlsafe(18)  # 144 bits
    try:
        with db.session.begin_nested():
            db.session.add(cert)
            db.session.flush()
    except IntegrityError:
        return None
    cert.serial = f"DHA-{cert.issued_at.year}-{cert.id:06d}"
    sign_certificate(cert)
    db.session.flush()
    audit.record("certificate.issued", actor=actor, obj=cert, serial=cert.serial,
                 kind=cert.kind, achievement=cert.achievement_key)
    logger.info("Certificate %s issued (%s)", cert.serial, cert.achievement_key)
    return cert


def sign_certificate(cert: Certificate) -> None:
    """Sign *cert* as an Open Badges 3.0 credential (VC-JWT) and keep the token on it."""
    from portal.certification.signing import sign

    cert.token, cert.kid = sign(cert)


def issue_course_certificate(user, completion, *, now: datetime | None = None
                             ) -> Certificate | None:
    """Issue the certificate of a completed course that awards one (at most once).

    :param user: the learner
    :param completion: their :class:`~portal.progress.models.CourseCompletion`
    :return: the new certificate, or ``None`` when the course awards none or it exists
    """
    version = completion.version
    if not version.awards_certificate:
        return None
    now = now or utcnow()
    cert = Certificate(kind="course", achievement_key=f"course:{user.id}:{completion.course_id}",
                       user_id=user.id, course_id=completion.course_id, version_id=version.id,
                       holder_name=nfc(user.name), title=dict(version.title), issued_at=now,
                       expires_at=add_months(now, DEFAULT_VALIDITY_MONTHS))
    return _issue(cert)


def issue_programme_certificates(user, *, now: datetime | None = None) -> list[Certificate]:
    """Issue a certificate for every active programme *user* has now completed (once each).

    :return: the certificates issued now
    """
    now = now or utcnow()
    issued = []
    for programme in db.session.scalars(select(Programme).where(Programme.is_active)):
        if not person_status(user, programme).is_done:
            continue
        cert = Certificate(kind="programme", achievement_key=f"programme:{user.id}:{programme.id}",
                           user_id=user.id, programme_id=programme.id,
                           holder_name=nfc(user.name), title=dict(programme.title),
                           issued_at=now,
                           expires_at=add_months(now, programme.validity_months))
        if _issue(cert) is not None:
            issued.append(cert)
    return issued


def on_course_completed(sender, user, completion, now=None, **_extra) -> None:
    """Issue what a course completion earns, in the same transaction (signal receiver)."""
    issue_course_certificate(user, completion, now=now)
    issue_programme_certificates(user, now=now)


# --------------------------------------------------------------------------- facilities


def facility_certificates(facility_id: int) -> list[Certificate]:
    """Return a facility's certificates, newest first."""
    return list(db.session.scalars(
        select(Certificate).where(Certificate.facility_id == facility_id,
                                  Certificate.kind == "facility")
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def current_facility_certificate(facility_id: int, programme_id: int,
                                 now: datetime | None = None) -> Certificate | None:
    """Return the facility's newest certificate for *programme_id* that is still active."""
    now = now or utcnow()
    return db.session.scalar(
        select(Certificate).where(
            Certificate.facility_id == facility_id, Certificate.programme_id == programme_id,
            Certificate.kind == "facility", Certificate.revoked_at.is_(None),
            Certificate.expires_at > now)
        .order_by(Certificate.expires_at.desc()).limit(1))


def in_renewal_window(cert: Certificate, now: datetime | None = None) -> bool:
    """Return whether *cert* expires within :data:`RENEWAL_WINDOW_DAYS` from *now*."""
    now = now or utcnow()
    return (cert.expires_at - now).days < RENEWAL_WINDOW_DAYS


@dataclass(frozen=True)
class CertificationSummary:
    """What the dashboards show about a facility's certification (from the live rules)."""

    programme: Programme | None
    readiness: FacilityReadiness | None
    current: Certificate | None
    latest_request: CertificationRequest | None
    can_request: bool
    renewal_due: bool


def certification_summary(facility, programme: Programme | None,
                          now: datetime | None = None) -> CertificationSummary:
    """Return *facility*'s readiness for *programme* and where its certification stands.

    Used by the manager's pages and the administrators' facility detail; a fixed number of
    queries.
    """
    now = now or utcnow()
    if programme is None:
        return CertificationSummary(None, None, None, None, False, False)
    readiness = facility_readiness(facility, programme)
    current = current_facility_certificate(facility.id, programme.id, now)
    latest = db.session.scalar(
        select(CertificationRequest)
        .where(CertificationRequest.facility_id == facility.id,
               CertificationRequest.programme_id == programme.id)
        .order_by(CertificationRequest.requested_at.desc(), CertificationRequest.id.desc())
        .limit(1))
    renewal_due = bool(current and in_renewal_window(current, now))
    can_request = bool(readiness.is_ready
                       and (latest is None or latest.status != "pending")
                       and (current is None or renewal_due))
    return CertificationSummary(programme, readiness, current, latest, can_request, renewal_due)


def request_certification(manager, programme: Programme, *, now: datetime | None = None
                          ) -> CertificationRequest:
    """Ask for the manager's facility to be certified (or renewed) under *programme*.

    :raises CertificationError: the facility is not ready, is certified and not yet in its
        renewal window, or already has a request waiting
    """
    now = now or utcnow()
    facility = manager.facility
    readiness = facility_readiness(facility, programme)
    if not readiness.is_ready:
        raise CertificationError(_("The facility does not meet the programme's rule yet."))
    current = current_facility_certificate(facility.id, programme.id, now)
    if current is not None and not in_renewal_window(current, now):
        raise CertificationError(
            _("The facility is certified until %(date)s; renewal opens %(days)d days before.",
              date=format_date(current.expires_at), days=RENEWAL_WINDOW_DAYS))
    renewal = db.session.scalar(
        select(func.count()).select_from(Certificate)
        .where(Certificate.facility_id == facility.id, Certificate.programme_id == programme.id,
               Certificate.kind == "facility")) > 0
    req = CertificationRequest(facility_id=facility.id, programme_id=programme.id,
                               status="pending", is_renewal=renewal,
                               requested_by_id=manager.id, requested_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(req)
            db.session.flush()
    except IntegrityError:
        raise CertificationError(_("A request is already waiting for review.")) from None
    audit.record("certification.requested", actor=manager, obj=req,
                 facility=facility.licence_number, programme=programme.slug, renewal=renewal)
    return req


def _decide(req: CertificationRequest, status: str, admin, now: datetime, reason: str = ""
            ) -> bool:
    """Move *req* from pending to *status*; return ``False`` when someone else decided first."""
    result = db.session.execute(
        update(CertificationRequest)
        .where(CertificationRequest.id == req.id, CertificationRequest.status == "pending")
        .values(status=status, decided_by_id=admin.id, decided_at=now, decline_reason=reason)
        .execution_options(synchronize_session=False))
    db.session.refresh(req)
    return result.rowcount == 1


def approve_request(admin, req: CertificationRequest, *, now: datetime | None = None
                    ) -> Certificate:
    """Issue the facility's certificate for a pending request.

    The facility must still be ready at the moment of review.

    :raises CertificationError: the request was already decided, or the facility is no
        longer ready
    """
    now = now or utcnow()
    if req.status != "pending":
        raise CertificationError(_("This request has already been decided."))
    if not facility_readiness(req.facility, req.programme).is_ready:
        raise CertificationError(_("The facility no longer meets the programme's rule."))
    if not _decide(req, "issued", admin, now):
        raise CertificationError(_("This request has already been decided."))
    number = db.session.scalar(
        select(func.count()).select_from(Certificate)
        .where(Certificate.facility_id == req.facility_id,
               Certificate.programme_id == req.programme_id,
               Certificate.kind == "facility")) + 1
    cert = Certificate(kind="facility",
                       achievement_key=f"facility:{req.facility_id}:{req.programme_id}:{number}",
                       facility_id=req.facility_id, programme_id=req.programme_id,
                       holder_name=nfc(req.facility.name), title=dict(req.programme.title),
                       issued_at=now,
                       expires_at=add_months(now, req.programme.validity_months),
                       issued_by_id=admin.id)
    if _issue(cert, actor=admin) is None:
        raise CertificationError(_("This request has already been decided."))
    req.certificate_id = cert.id
    audit.record("certification.renewed" if req.is_renewal else "certification.approved",
                 actor=admin, obj=req, certificate=cert.serial)
    return cert


def decline_request(admin, req: CertificationRequest, reason: str, *,
                    now: datetime | None = None) -> CertificationRequest:
    """Decline a pending request with a reason the manager will read.

    :raises CertificationError: no reason given, or the request was already decided
    """
    reason = " ".join(nfc(reason or "").split())
    if not reason:
        raise CertificationError(_("Give the reason, for the manager to read."))
    if len(reason) > 1000:
        raise CertificationError(_("Keep the reason under 1,000 characters."))
    if req.status != "pending" or not _decide(req, "declined", admin, now or utcnow(), reason):
        raise CertificationError(_("This request has already been decided."))
    audit.record("certification.declined", actor=admin, obj=req, reason=reason)
    return req


# --------------------------------------------------------------------------- revoking


def revoke_certificate(cert: Certificate, reason: str, *, actor=None,
                       now: datetime | None = None) -> Certificate:
    """Revoke *cert* with a reason; it then shows as revoked wherever it is checked.

    :param actor: the administrator (``None`` from the command line)
    :raises CertificationError: no reason, or already revoked
    """
    reason = " ".join(nfc(reason or "").split())
    if not reason:
        raise CertificationError(_("Give the reason for revoking the certificate."))
    if len(reason) > 500:
        raise CertificationError(_("Keep the reason under 500 characters."))
    if cert.revoked_at is not None:
        raise CertificationError(_("This certificate is already revoked."))
    actor_id = getattr(actor, "id", None)
    with db.session.no_autoflush:
        cert.revoke_reason = reason
        cert.revoked_by_id = actor_id
        cert.revoked_at = now or utcnow()
    db.session.flush()
    audit.record("certificate.revoked", actor=actor, obj=cert, serial=cert.serial, reason=reason)
    return cert


def get_certificate_by_code(code: str) -> Certificate | None:
    """Return the certificate with verification *code*, or ``None``."""
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))
