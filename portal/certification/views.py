"""Certificates as their holders and the public see them: lists, verification, JWT, PDF, keys."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload, undefer

from portal.cache import app_cache
from portal.catalog.models import Course
from portal.certification import services
from portal.certification.models import Certificate, Programme, certificate_status
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.facilities.models import Facility
from portal.forms import EmptyForm
from portal.security import login_required, public, roles_required

bp = Blueprint("certification", __name__)

#: Verification is public: limit how fast one address can try codes.
VERIFY_LIMIT = "60 per minute"


def _check_code(code: str) -> None:
    """Answer 404 at once for what cannot be a verification code."""
    if not code or len(code) > 40:
        abort(404)


def _certificate_or_404(code: str, *, with_token: bool = False) -> Certificate:
    _check_code(code)
    stmt = select(Certificate).where(Certificate.code == code)
    if with_token:
        stmt = stmt.options(undefer(Certificate.token))
    cert = db.session.scalar(stmt)
    if cert is None:
        abort(404)
    return cert


@bp.route("/me/certificates")
@login_required
def mine():
    """The signed-in person's certificates, each with its verification link and PDF."""
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    return render_template("certification/mine.html", certificates=certificates)


#: What identifies what the verification page says about a certificate: the row's state
#: (revocation, expiry) and, for a facility certificate, the facility's last change.
_VERIFY_STATE = (
    select(Certificate.__table__.c.revoked_at, Certificate.__table__.c.expires_at,
           Facility.__table__.c.updated_at)
    .outerjoin(Facility.__table__, Facility.__table__.c.id == Certificate.__table__.c.facility_id)
    .where(Certificate.__table__.c.code == bindparam("code")))
#: Verification pages kept per worker (a few KB each).
VERIFY_CACHE_SIZE = 4096


@bp.route("/verify/<code>")
@public
@limiter.limit(VERIFY_LIMIT)
def verify(code: str):
    """Public check of a certificate: valid, expired or revoked, and what it certifies.

    The page's content is rendered once per certificate, state and language, and kept: the
    key holds everything that can change what it says (a revocation, a renewal's new expiry,
    the moment it expires, an edit of the facility), so it is never out of date.
    """
    _check_code(code)
    state = db.session.execute(_VERIFY_STATE, {"code": code}).one_or_none()
    if state is None:
        abort(404)
    revoked_at, expires_at, facility_changed = state
    status = certificate_status(revoked_at, expires_at)
    cache = app_cache("verify", VERIFY_CACHE_SIZE)
    key = (code, str(get_locale() or "vi"), status, revoked_at, expires_at, facility_changed)
    page = cache.get(key)
    if page is None:
        cert = _certificate_or_404(code)
        page = (cert.serial,
                Markup(render_template(  # noqa: S704 - our template, autoescaped  # nosec B704
                    "certification/_verify_body.html", cert=cert, status=status)))
        cache.put(key, page)
    serial, body = page
    return render_template("certification/verify.html", serial=serial, body=body)


@bp.route("/verify/<code>.jwt")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_jwt(code: str):
    """The signed Open Badges 3.0 credential, as a VC-JWT."""
    cert = _certificate_or_404(code, with_token=True)
    return Response(cert.token, mimetype="application/vc+jwt",
                    headers={"Cache-Control": "no-cache"})


@bp.route("/verify/<code>.pdf")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_pdf(code: str):
    """The certificate as a PDF to print or send, with its QR code."""
    from portal.certification.signing import certificate_pdf

    cert = _certificate_or_404(code, with_token=True)
    pdf = certificate_pdf(cert, lang=str(get_locale() or "vi"))
    filename = f"{cert.serial}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "no-cache",
    })


@bp.route("/.well-known/jwks.json")
@public
def jwks():
    """The public keys certificates are signed with, current and retired."""
    from portal.certification.signing import public_jwks

    response = jsonify(public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --------------------------------------------------------------------------- managers


@bp.app_context_processor
def _reminders():
    def certificate_reminder(facility):
        """Return the facility's certificate when it is in its renewal window, else ``None``."""
        programme = _active_programme()
        if facility is None or programme is None:
            return None
        current = services.current_facility_certificate(facility.id, programme.id)
        return current if current and services.in_renewal_window(current) else None

    return {"certificate_reminder": certificate_reminder}


def _active_programme() -> Programme | None:
    return db.session.scalar(select(Programme).where(Programme.is_active)
                             .order_by(Programme.position, Programme.slug).limit(1))


@bp.route("/facility/certification")
@roles_required("manager")
def facility():
    """The manager's view of certification: readiness, who still has to finish what, requests."""
    facility = current_user.facility
    now = utcnow()
    summary = services.certification_summary(facility, _active_programme(), now)
    overview = {"programme": summary.programme, "readiness": summary.readiness,
                "current": summary.current, "latest_request": summary.latest_request,
                "can_request": summary.can_request, "renewal_due": summary.renewal_due}
    titles = {}
    if overview["programme"]:
        slugs = {s for v in overview["programme"].courses.values() for s in v}
        titles = {c.slug: c.live_version.title if c.live_version else {"vi": c.slug}
                  for c in db.session.scalars(
                      select(Course).where(Course.slug.in_(slugs))
                      .options(selectinload(Course.live_version)))}
    return render_template("certification/facility.html", facility=facility,
                           certificates=services.facility_certificates(facility.id),
                           course_titles=titles, form=EmptyForm(), now=now, **overview)


@bp.route("/facility/certification/request", methods=["POST"])
@roles_required("manager")
def request_certification():
    """Ask the administrators to certify (or renew) the facility."""
    programme = _active_programme()
    if programme is None or not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.request_certification(current_user, programme)
    except services.CertificationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Your request has been sent. An administrator will review it."), "success")
    return redirect(url_for("certification.facility"))


@bp.route("/programmes/<slug>")
@public
def programme(slug: str):
    """A certification programme as anyone may read it (credentials link here)."""
    item = db.session.scalar(select(Programme).where(Programme.slug == slug))
    if item is None:
        abort(404)
    slugs = {s for v in item.courses.values() for s in v}
    titles = {c.slug: c.live_version.title if c.live_version else {"vi": c.slug}
              for c in db.session.scalars(select(Course).where(Course.slug.in_(slugs))
                                          .options(selectinload(Course.live_version)))}
    return render_template("certification/programme.html", programme=item, titles=titles)
