"""Sign in and out, password change, accepting an invitation, the personal page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import services
from portal.accounts.forms import AcceptInvitationForm, LoginForm, PasswordForm
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.forms import EmptyForm, attach_error
from portal.i18n import COOKIE as LANG_COOKIE
from portal.security import login_required, public, safe_next_url

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]



@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, ip=request.remote_addr)
        if user is None:
            db.session.commit()  # keep the audit record of the failure
            form.password.errors = [_("The e-mail or password is not correct.")]
            return render_template("accounts/login.html", form=form), 401
        session.clear()  # a fresh session on sign-in (no fixation)
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen:  # the language picked before signing in carries into the account
            services.set_locale(user, chosen)
        login_user(user)
        db.session.commit()
        return redirect(safe_next_url(request.args.get("next"), url_for("main.index")))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Sign out (a POST with a CSRF token, so no other site can sign a user out)."""
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.password.data,
                ip=request.remote_addr,
            )
        except services.AccountError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            # the session token changed: keep this session signed in
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("progress.me"))
    return render_template("accounts/password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute")
def accept(token: str):
    """Open an invitation link: set name, job role and password, and join the facility."""
    invitation = services.find_invitation(token)
    state = invitation.status(utcnow()) if invitation else "unknown"
    if state != "pending":
        return render_template("accounts/invitation_closed.html", state=state), 410
    if current_user.is_authenticated:
        logout_user()
        session.clear()
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.job_role:
        form.job_role.data = invitation.job_role
    if form.validate_on_submit():
        from portal.i18n import select_locale

        try:
            user = services.accept_invitation(
                invitation,
                name=form.name.data,
                job_role=form.job_role.data,
                password=form.password.data,
                locale=select_locale(),
                ip=request.remote_addr,
            )
        except services.AccountError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/accept.html", form=form, invitation=invitation)
