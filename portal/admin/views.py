"""The administrators' pages: users and facilities."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.admin.forms import FacilityForm, UserForm
from portal.extensions import db
from portal.facilities import services as facilities
from portal.facilities.models import FACILITY_TYPES, Facility
from portal.facilities.provinces import BY_CODE, PROVINCES
from portal.forms import attach_error
from portal.pagination import paginate
from portal.security import ROLES, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1



@bp.route("")
@roles_required("admin")
def index():
    """Administration start page."""
    return render_template("admin/index.html")


@bp.route("/users")
@roles_required("admin")
def users():
    """List, search and page through users."""
    q = request.args.get("q", "")
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    page = paginate(
        accounts.search_users(q, role=role), _page_arg(), current_app.config["PAGE_SIZE"]
    )
    return render_template("admin/users.html", page=page, q=q, role=role, roles=ROLES)


def _facility_from_form(form) -> Facility | None:
    licence = (form.facility.data or "").strip()
    if not licence:
        return None
    facility = facilities.get_facility_by_licence(licence)
    if facility is None:
        raise accounts.AccountError(_("No facility has this licence number."), field="facility")
    return facility


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    """Create a user."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data or "",
                role=form.role.data,
                facility=_facility_from_form(form),
                job_role=form.job_role.data or None,
                actor=current_user,
                ip=request.remote_addr,
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Account created for %(name)s.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    """Edit a user, including their role."""
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.facility.data = user.facility.licence_number if user.facility else ""
        form.job_role.data = user.job_role or ""
    if form.validate_on_submit():
        try:
            accounts.update_user(
                user,
                actor=current_user,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                facility=_facility_from_form(form),
                job_role=form.job_role.data or None,
                is_active=form.is_active.data,
                ip=request.remote_addr,
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/facilities")
@roles_required("admin")
def facility_list():
    """List, search and page through facilities."""
    q = request.args.get("q", "")
    province = request.args.get("province") if request.args.get("province") in BY_CODE else None
    ftype = request.args.get("type") if request.args.get("type") in FACILITY_TYPES else None
    page = paginate(
        facilities.search_facilities(q, province_code=province, type=ftype),
        _page_arg(),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "admin/facilities.html",
        page=page,
        q=q,
        province=province,
        ftype=ftype,
        provinces=PROVINCES,
        types=FACILITY_TYPES,
    )


def _facility_fields(form) -> dict:
    return {
        "licence": form.licence_number.data,
        "name": form.name.data,
        "type": form.type.data,
        "province": form.province.data,
        "address": form.address.data,
        "phone": form.phone.data,
        "email": form.email.data,
    }


@bp.route("/facilities/new", methods=["GET", "POST"])
@roles_required("admin")
def facility_new():
    """Create a facility."""
    form = FacilityForm()
    if form.validate_on_submit():
        try:
            facility = facilities.create_facility(
                **_facility_fields(form), actor=current_user, ip=request.remote_addr
            )
        except facilities.FacilityError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Facility %(name)s created.", name=facility.name), "success")
            return redirect(url_for("admin.facility_list"))
    return render_template("admin/facility_form.html", form=form, facility=None)


@bp.route("/facilities/<int:facility_id>", methods=["GET", "POST"])
@roles_required("admin")
def facility_edit(facility_id: int):
    """Edit a facility."""
    facility = db.session.get(Facility, facility_id) or abort(404)
    form = FacilityForm(obj=facility)
    if request.method == "GET":
        form.province.data = facility.province_code
    if form.validate_on_submit():
        try:
            facilities.update_facility(
                facility,
                actor=current_user,
                ip=request.remote_addr,
                is_active=form.is_active.data,
                **_facility_fields(form),
            )
        except facilities.FacilityError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.facility_list"))
    return render_template("admin/facility_form.html", form=form, facility=facility)


from portal.admin import certification, reports  # noqa: E402,F401  (their routes join it)
