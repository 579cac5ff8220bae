"""The facility manager's pages: staff progress, readiness, invitations (one by one or from a
file) and exports."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.forms import InviteForm
from portal.accounts.models import JOB_ROLES, Invitation, User
from portal.certification.models import Certificate
from portal.certification.services import certification_summary
from portal.db import utcnow
from portal.extensions import db
from portal.facilities import bulk
from portal.facilities.forms import BulkConfirmForm, BulkInviteForm
from portal.facilities.services import (
    get_invitation_for_manager_or_404,
    get_staff_for_manager_or_404,
)
from portal.forms import EmptyForm
from portal.labels import JOB_ROLE_LABELS
from portal.reports.exports import FORMATS, export_response
from portal.reports.queries import (
    SORTS,
    STATES,
    StaffFilters,
    default_programme,
    requirements,
    staff_progress,
)
from portal.reports.tables import staff_table
from portal.security import roles_required

bp = Blueprint("facilities", __name__, url_prefix="/facility")


def _invite_link(token: str) -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for(
        "accounts.accept", token=token
    )


def _invitations(facility_id: int) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation)
        .where(Invitation.facility_id == facility_id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())))


def _dashboard(form=None, status=200):
    facility = current_user.facility
    now = utcnow()
    filters = StaffFilters.from_args(request.args)
    programme = default_programme()
    req = requirements(programme)
    page = staff_progress(facility.id, req, filters, now=now)
    return render_template(
        "facilities/dashboard.html",
        facility=facility,
        page=page,
        filters=filters,
        req=req,
        certification=certification_summary(facility, programme, now),
        invitations=_invitations(facility.id),
        form=form or InviteForm(),
        action_form=EmptyForm(),
        job_roles=JOB_ROLES,
        states=STATES,
        sorts=SORTS,
        now=now,
    ), status


@bp.route("")
@roles_required("manager")
def dashboard():
    """The manager's facility page: staff progress, readiness, invitations (fixed queries)."""
    return _dashboard()


@bp.route("/staff.<fmt>")
@roles_required("manager")
def export_staff(fmt: str):
    """Download the staff progress (the table's filters and sort apply) as CSV or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    facility = current_user.facility
    filters = StaffFilters.from_args(request.args)
    req = requirements(default_programme())
    page = staff_progress(facility.id, req, filters, per_page=None)
    header, rows = staff_table(page.items, req)
    name = f"staff-{facility.licence_number}-{utcnow():%Y%m%d}"
    return export_response(fmt, name, _("Staff progress"), header, rows)


@bp.route("/staff/<int:user_id>")
@roles_required("manager")
def staff_member(user_id: int):
    """One person of the facility: progress in each required course and certificates."""
    person = get_staff_for_manager_or_404(current_user, user_id)
    return _person_page(person, "facilities/person.html")


def _person_page(person: User, template: str, **extra):
    now = utcnow()
    req = requirements(default_programme())
    page = staff_progress(person.facility_id, req,
                          StaffFilters(user_id=person.id), per_page=None, now=now)
    row = next((r for r in page.items if r.id == person.id), None)
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == person.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    return render_template(template, person=person, row=row, req=req,
                           certificates=certificates, now=now, **extra)


# --------------------------------------------------------------------------- bulk invitations


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="bulk-invite")


def _bulk_page(form=None, preview=None, error=None, status=200):
    confirm = None
    if preview is not None and preview.ok:
        confirm = BulkConfirmForm()
        confirm.payload.data = _signer().dumps({
            "facility": current_user.facility_id, "manager": current_user.id,
            "file": preview_filename(), "rows": [
                [r.number, r.name, r.email, r.job_role_text] for r in preview.rows]})
    return render_template("facilities/bulk.html", form=form or BulkInviteForm(),
                           preview=preview, error=error, confirm=confirm,
                           max_rows=bulk.MAX_ROWS), status


def preview_filename() -> str:
    """Return the uploaded file's name (for the audit log), shortened."""
    upload = request.files.get("file")
    return (getattr(upload, "filename", "") or "")[:200]


@bp.route("/invitations/bulk", methods=["GET", "POST"])
@roles_required("manager")
def bulk_invite():
    """Upload a CSV or XLSX file of people; every row is checked and shown before any invite."""
    form = BulkInviteForm()
    if request.method == "GET":
        return _bulk_page(form)
    if not form.validate_on_submit():
        return _bulk_page(form, status=400)
    upload = form.file.data
    try:
        rows = bulk.read_table(upload.filename or "", upload.read())
    except bulk.BulkFileError as exc:
        return _bulk_page(form, error=str(exc), status=400)
    preview = bulk.validate_rows(current_user, rows)
    return _bulk_page(form, preview=preview, status=200 if preview.ok else 400)


@bp.route("/invitations/bulk/confirm", methods=["POST"])
@roles_required("manager")
def bulk_confirm():
    """Create every invitation of a checked preview, all or none."""
    form = BulkConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = _signer().loads(form.payload.data or "", max_age=3600)
    except BadSignature:
        return _bulk_page(error=_("This preview has expired or was altered. Upload the file "
                                  "again."), status=400)
    if data.get("facility") != current_user.facility_id or data.get("manager") != current_user.id:
        abort(400)
    rows = [bulk.BulkRow(number=n, name=name, email=email, job_role_text=role)
            for n, name, email, role in data.get("rows", [])]
    try:
        created = bulk.create_invitations(
            current_user, rows, days=current_app.config["INVITATION_DAYS"],
            filename=data.get("file", ""), ip=request.remote_addr)
    except bulk.BulkInviteError as exc:
        db.session.rollback()
        return _bulk_page(preview=exc.preview, status=400)
    except accounts.AccountError as exc:
        db.session.rollback()
        return _bulk_page(error=_("Nothing was created: %(problem)s", problem=str(exc)),
                          status=409)
    db.session.commit()
    links = [(row, _invite_link(token)) for row, _invitation, token in created]
    return render_template("facilities/bulk_done.html", links=links)


@bp.route("/invitations/template.<fmt>")
@roles_required("manager")
def bulk_template(fmt: str):
    """A file to fill in: the three columns with their Vietnamese (or English) titles."""
    if fmt not in FORMATS:
        abort(404)
    header = bulk.template_header()
    example = [["Nguyễn Thị Hằng", "hang.nguyen@example.vn", str(JOB_ROLE_LABELS["nurse"])]]
    return export_response(fmt, "invite-staff", _("Staff"), header, example)


@bp.route("/invitations", methods=["POST"])
@roles_required("manager")
def invite():
    """Invite one person by e-mail; the link is shown once to the manager."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _dashboard(form, 400)
    try:
        _invitation, token = accounts.invite(
            current_user,
            form.email.data,
            job_role=form.job_role.data,
            days=current_app.config["INVITATION_DAYS"],
            ip=request.remote_addr,
        )
    except accounts.AccountError as exc:
        db.session.rollback()
        form.email.errors = [*form.email.errors, str(exc)]
        return _dashboard(form, 400)
    db.session.commit()
    flash(
        _("Invitation created. Send this link to the person: %(link)s", link=_invite_link(token)),
        "success",
    )
    return redirect(url_for("facilities.dashboard"))


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@roles_required("manager")
def resend(invitation_id: int):
    """Make a new link for an invitation; the old link stops working."""
    invitation = get_invitation_for_manager_or_404(current_user, invitation_id)
    if EmptyForm().validate_on_submit():
        try:
            token = accounts.resend_invitation(
                current_user, invitation, days=current_app.config["INVITATION_DAYS"]
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("New link created: %(link)s", link=_invite_link(token)), "success")
    return redirect(url_for("facilities.dashboard"))


@bp.route("/invitations/<int:invitation_id>/cancel", methods=["POST"])
@roles_required("manager")
def cancel(invitation_id: int):
    """Cancel a pending invitation."""
    invitation = get_invitation_for_manager_or_404(current_user, invitation_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.cancel_invitation(current_user, invitation)
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The invitation is cancelled."), "success")
    return redirect(url_for("facilities.dashboard"))


@bp.route("/staff/<int:user_id>/deactivate", methods=["POST"])
@roles_required("manager")
def deactivate(user_id: int):
    """Deactivate a staff member; their records stay."""
    return _set_active(user_id, False)


@bp.route("/staff/<int:user_id>/reactivate", methods=["POST"])
@roles_required("manager")
def reactivate(user_id: int):
    """Reactivate a staff member."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    staff = get_staff_for_manager_or_404(current_user, user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_staff_active(current_user, staff, active, ip=request.remote_addr)
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            message = (
                _("%(name)s can sign in again.")
                if active
                else _("%(name)s is deactivated; their records are kept.")
            )
            flash(message % {"name": staff.name}, "success")
    return redirect(url_for("facilities.dashboard"))
