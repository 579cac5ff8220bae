"""The administrators' reports: national overview, facility detail, audit log (routes of "admin").

Each page runs a fixed number of queries whatever the number of rows; every table exports as
CSV and XLSX with the page's filters.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import JOB_ROLES
from portal.admin.views import bp
from portal.audit import AuditEvent
from portal.certification import services as certification
from portal.certification.models import CertificationRequest, Programme
from portal.certification.services import certification_summary
from portal.db import utcnow
from portal.extensions import db
from portal.facilities.models import FACILITY_TYPES, Facility
from portal.facilities.provinces import PROVINCES, find_province
from portal.reports import tables
from portal.reports.auditlog import AuditFilters, audit_choices, audit_page, audit_rows
from portal.reports.charts import Series, bar_chart
from portal.reports.exports import FORMATS, export_response
from portal.reports.national import (
    EXPIRY_BUCKETS,
    STATUSES,
    OverviewFilters,
    expiring_certificates,
    national_overview,
    programme_course_ids,
)
from portal.reports.queries import (
    STATES,
    StaffFilters,
    default_programme,
    requirements,
    staff_progress,
)
from portal.security import roles_required

#: Fill colours of the certification statuses (green, amber, grey).
STATUS_COLOURS = {"certified": "#1d6b34", "in_progress": "#a15c00", "not_started": "#5f6b78"}
KIND_COLOURS = {"facility": "#0b5d7a", "programme": "#1d6b34", "course": "#a15c00"}


# --------------------------------------------------------------------------- national overview


def _overview_filters() -> tuple[OverviewFilters, list[Programme]]:
    """Return the validated filters of the overview and every programme (one query)."""
    programmes = list(db.session.scalars(select(Programme)
                                         .order_by(Programme.position, Programme.slug)))
    raw_province = request.args.get("province", "")
    province = find_province(raw_province) if raw_province else None
    if raw_province and province is None:
        flash(_("Unknown province: %(p)s.", p=raw_province[:60]), "error")
    ftype = request.args.get("type", "")
    if ftype and ftype not in FACILITY_TYPES:
        flash(_("Unknown facility type."), "error")
        ftype = ""
    slug = request.args.get("programme", "")
    programme = next((p for p in programmes if p.slug == slug), None)
    if slug and programme is None:
        flash(_("Unknown programme."), "error")
    return OverviewFilters(province=province.code if province else None, type=ftype or None,
                           programme=programme), programmes


def _status_chart(title, groups, label):
    groups = [g for g in groups if g.total]
    return bar_chart(title, [label(g.key) for g in groups], [
        Series(tables.status_label(s), [g.get(s) for g in groups], key=s,
               colour=STATUS_COLOURS[s]) for s in STATUSES])


def _charts(overview) -> dict:
    totals = overview.totals
    active = [r for r in tables.active_rows(overview) if r[1]]
    return {
        "status": bar_chart(
            _("Facilities by certification status"),
            [tables.status_label(s) for s in STATUSES],
            [Series(_("Facilities"), [totals.get(s) for s in STATUSES], key="facilities")]),
        "provinces": _status_chart(_("Facilities by province and certification status"),
                                   overview.by_province, tables.province_name),
        "types": _status_chart(_("Facilities by type and certification status"),
                               overview.by_type, tables.facility_type_label),
        "active": bar_chart(
            _("Learners active in the last 30 days, by province"),
            [tables.province_name(r[0]) for r in active],
            [Series(_("Active in the last 30 days"), [r[2] for r in active], key="active")],
            suffixes=[f"{r[3]}%" for r in active]),
        "windows": bar_chart(
            _("Certificates expiring in the next 90 days"),
            [tables.window_label(d) for d in EXPIRY_BUCKETS],
            [Series(tables.kind_label(k), [overview.expiring.get((k, d), 0)
                                           for d in EXPIRY_BUCKETS],
                    key=k, colour=KIND_COLOURS[k]) for k in ("facility", "programme", "course")]),
    }


@bp.route("/overview")
@roles_required("admin")
def overview():
    """The national overview: facilities, certification, active learners, expiring certificates."""
    filters, programmes = _overview_filters()
    data = national_overview(filters)
    return render_template("admin/overview.html", overview=data, filters=filters,
                           programmes=programmes, provinces=PROVINCES, types=FACILITY_TYPES,
                           charts=_charts(data), statuses=STATUSES,
                           active_rows=list(tables.active_rows(data)),
                           windows=EXPIRY_BUCKETS, **_names())


def _names() -> dict:
    """Return the translated names the overview's tables show, keyed by code."""
    return {
        "status_names": {s: tables.status_label(s) for s in STATUSES},
        "province_names": {p.code: p.name for p in PROVINCES},
        "kind_names": {k: tables.kind_label(k) for k in ("facility", "programme", "course")},
        "window_names": {d: tables.window_label(d) for d in EXPIRY_BUCKETS},
    }


OVERVIEW_TABLES = ("provinces", "types", "active", "windows", "expiring")


@bp.route("/overview/<table>.<fmt>")
@roles_required("admin")
def overview_export(table: str, fmt: str):
    """Download one table of the national overview (with its filters) as CSV or XLSX."""
    if table not in OVERVIEW_TABLES or fmt not in FORMATS:
        abort(404)
    filters, _programmes = _overview_filters()
    data = national_overview(filters)
    every = None
    if table == "expiring":
        every = expiring_certificates(filters, programme_course_ids(filters.programme),
                                      data.now, kinds=("facility", "programme", "course"),
                                      limit=None)
    sheet, header, rows = tables.overview_table(table, data, every)
    suffix = "-".join(filters.args().values())
    name = f"overview-{table}-{data.now:%Y%m%d}" + (f"-{suffix}" if suffix else "")
    return export_response(fmt, name, sheet, header, rows)


# --------------------------------------------------------------------------- facility detail


def _facility_or_404(facility_id: int) -> Facility:
    return db.session.get(Facility, facility_id) or abort(404)


@bp.route("/facilities/<int:facility_id>/detail")
@roles_required("admin")
def facility_detail(facility_id: int):
    """One facility: its staff progress as its manager sees it, readiness, certification history."""
    facility = _facility_or_404(facility_id)
    now = utcnow()
    filters = StaffFilters.from_args(request.args)
    programme = default_programme()
    req = requirements(programme)
    page = staff_progress(facility.id, req, filters, now=now)
    requests = db.session.scalars(
        select(CertificationRequest).where(CertificationRequest.facility_id == facility.id)
        .order_by(CertificationRequest.requested_at.desc(), CertificationRequest.id.desc())
        .limit(50)).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "facilities",
                                 AuditEvent.object_id == str(facility.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(20)).all()
    return render_template(
        "admin/facility_detail.html", facility=facility, page=page, filters=filters, req=req,
        certification=certification_summary(facility, programme, now),
        certificates=certification.facility_certificates(facility.id), requests=requests,
        events=events, job_roles=JOB_ROLES, states=STATES, now=now,
        request_status={"pending": _("Waiting for review"), "issued": _("Certified"),
                        "declined": _("Declined"), "withdrawn": _("Withdrawn")})


@bp.route("/facilities/<int:facility_id>/staff.<fmt>")
@roles_required("admin")
def facility_staff_export(facility_id: int, fmt: str):
    """Download a facility's staff progress as CSV or XLSX."""
    facility = _facility_or_404(facility_id)
    if fmt not in FORMATS:
        abort(404)
    req = requirements(default_programme())
    page = staff_progress(facility.id, req, StaffFilters.from_args(request.args), per_page=None)
    header, rows = tables.staff_table(page.items, req)
    name = f"staff-{facility.licence_number}-{utcnow():%Y%m%d}"
    return export_response(fmt, name, _("Staff progress"), header, rows)


# --------------------------------------------------------------------------- audit log


@bp.route("/audit")
@roles_required("admin")
def audit_log():
    """The audit log: filter by actor, action, object and dates; newest first."""
    filters = AuditFilters.from_args(request.args)
    for error in filters.errors:
        flash(error, "error")
    actions, object_types = audit_choices()
    html = render_template("admin/audit.html", filters=filters, page=audit_page(filters),
                           actions=actions, object_types=object_types)
    return html, 400 if filters.errors else 200


@bp.route("/audit.<fmt>")
@roles_required("admin")
def audit_export(fmt: str):
    """Download the matching audit events as CSV or XLSX (newest first)."""
    if fmt not in FORMATS:
        abort(404)
    filters = AuditFilters.from_args(request.args)
    if filters.errors:
        abort(400)
    header, rows = tables.audit_table(audit_rows(filters))
    return export_response(fmt, f"audit-{utcnow():%Y%m%d-%H%M}", _("Audit log"), header, rows)

