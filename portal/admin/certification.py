"""The administrators' certification pages: the review queue, certificates, programmes.

Routes live on the admin blueprint (imported by :mod:`portal.admin.views`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal.admin.forms import ReasonForm
from portal.admin.views import _page_arg, bp
from portal.catalog.models import Course
from portal.certification import services
from portal.certification.models import Certificate, CertificationRequest, Programme
from portal.certification.rules import facility_readiness
from portal.db import utcnow
from portal.extensions import db
from portal.forms import EmptyForm
from portal.pagination import paginate
from portal.progress.models import CourseCompletion
from portal.security import roles_required
from portal.text import escape_like, fold


def _course_titles(programme: Programme) -> dict[str, dict]:
    slugs = {s for v in programme.courses.values() for s in v}
    return {c.slug: (c.live_version.title if c.live_version else {"vi": c.slug})
            for c in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))}


@bp.route("/certification")
@roles_required("admin")
def certification_queue():
    """Requests waiting for review, and the latest decisions."""
    pending = db.session.scalars(
        select(CertificationRequest).where(CertificationRequest.status == "pending")
        .order_by(CertificationRequest.requested_at)).all()
    decided = db.session.scalars(
        select(CertificationRequest).where(CertificationRequest.status != "pending")
        .order_by(CertificationRequest.decided_at.desc()).limit(20)).all()
    return render_template("admin/certification_queue.html", pending=pending, decided=decided)


def _request_or_404(request_id: int) -> CertificationRequest:
    req = db.session.get(CertificationRequest, request_id)
    if req is None:
        abort(404)
    return req


def _review(req: CertificationRequest, form=None, status=200):
    readiness = facility_readiness(req.facility, req.programme)
    people = [p.user.id for p in readiness.managers + readiness.staff]
    completed_at = {}
    if people:
        for user_id, slug, at in db.session.execute(
                select(CourseCompletion.user_id, Course.slug, CourseCompletion.completed_at)
                .join(Course, Course.id == CourseCompletion.course_id)
                .where(CourseCompletion.user_id.in_(people))):
            completed_at[(user_id, slug)] = at
    return render_template("admin/certification_review.html", req=req, readiness=readiness,
                           completed_at=completed_at, titles=_course_titles(req.programme),
                           form=form or ReasonForm(), approve_form=EmptyForm()), status


@bp.route("/certification/requests/<int:request_id>")
@roles_required("admin")
def certification_review(request_id: int):
    """The evidence for one request: who completed what, and when."""
    return _review(_request_or_404(request_id))


@bp.route("/certification/requests/<int:request_id>/approve", methods=["POST"])
@roles_required("admin")
def certification_approve(request_id: int):
    """Issue the facility's certificate."""
    req = _request_or_404(request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        cert = services.approve_request(current_user, req)
    except services.CertificationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.certification_review", request_id=request_id))
    db.session.commit()
    flash(_("Certificate %(serial)s issued to %(facility)s.", serial=cert.serial,
            facility=req.facility.name), "success")
    return redirect(url_for("admin.certification_queue"))


@bp.route("/certification/requests/<int:request_id>/decline", methods=["POST"])
@roles_required("admin")
def certification_decline(request_id: int):
    """Decline a request with a reason the manager sees."""
    req = _request_or_404(request_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _review(req, form, 400)
    try:
        services.decline_request(current_user, req, form.reason.data)
    except services.CertificationError as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, str(exc)]
        return _review(req, form, 400)
    db.session.commit()
    flash(_("The request is declined; the manager will see your reason."), "success")
    return redirect(url_for("admin.certification_queue"))


@bp.route("/certificates")
@roles_required("admin")
def certificates():
    """Find certificates by serial number, code or holder."""
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if q:
        pattern = f"%{escape_like(fold(q))}%"
        stmt = stmt.where(or_(Certificate.serial == q.upper(), Certificate.code == q,
                              Certificate.holder_folded.like(pattern, escape="\\")))
    page = paginate(stmt, _page_arg(), 50)
    return render_template("admin/certificates.html", page=page, q=q, now=utcnow())


def _certificate_or_404(certificate_id: int) -> Certificate:
    cert = db.session.get(Certificate, certificate_id)
    if cert is None:
        abort(404)
    return cert


@bp.route("/certificates/<int:certificate_id>")
@roles_required("admin")
def certificate(certificate_id: int):
    """One certificate, with the form to revoke it."""
    return render_template("admin/certificate.html", cert=_certificate_or_404(certificate_id),
                           form=ReasonForm(), now=utcnow())


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles_required("admin")
def certificate_revoke(certificate_id: int):
    """Revoke a certificate with a reason."""
    cert = _certificate_or_404(certificate_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(cert, form.reason.data, actor=current_user)
        except services.CertificationError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Certificate %(serial)s is revoked.", serial=cert.serial), "success")
            return redirect(url_for("admin.certificate", certificate_id=cert.id))
    return render_template("admin/certificate.html", cert=cert, form=form, now=utcnow()), 400


@bp.route("/programmes")
@roles_required("admin")
def programmes():
    """The certification programmes, as programmes.yml defines them."""
    items = db.session.scalars(select(Programme).order_by(Programme.position,
                                                          Programme.slug)).all()
    titles = {}
    for programme in items:
        titles.update(_course_titles(programme))
    return render_template("admin/programmes.html", programmes=items, titles=titles)
