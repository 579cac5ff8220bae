"""The facility manager's pages: staff and invitations."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.forms import InviteForm
from portal.accounts.models import Invitation, User
from portal.db import utcnow
from portal.extensions import db
from portal.facilities.services import (
    get_invitation_for_manager_or_404,
    get_staff_for_manager_or_404,
)
from portal.forms import EmptyForm
from portal.security import roles_required

bp = Blueprint("facilities", __name__, url_prefix="/facility")


def _invite_link(token: str) -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for(
        "accounts.accept", token=token
    )


def _dashboard(form=None, status=200):
    facility = current_user.facility
    staff = db.session.scalars(
        select(User).where(User.facility_id == facility.id).order_by(User.name_folded)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.facility_id == facility.id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "facilities/dashboard.html",
        facility=facility,
        staff=staff,
        invitations=invitations,
        form=form or InviteForm(),
        action_form=EmptyForm(),
        now=utcnow(),
    ), status


@bp.route("")
@roles_required("manager")
def dashboard():
    """The manager's facility page: staff and pending invitations."""
    return _dashboard()


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
