"""Reports for trainers (and administrators): each course's funnel and its quizzes' figures."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import JOB_ROLES
from portal.catalog.models import Course, CourseVersion
from portal.catalog.queries import get_course_or_404
from portal.db import utcnow
from portal.extensions import db
from portal.facilities.provinces import PROVINCES, find_province
from portal.reports import tables
from portal.reports.charts import Series, bar_chart
from portal.reports.exports import FORMATS, export_response
from portal.reports.funnel import course_funnel, course_totals
from portal.security import roles_required

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: Who reads the course reports.
REPORT_ROLES = ("trainer", "admin")


@bp.route("/courses")
@roles_required(*REPORT_ROLES)
def courses():
    """Every course with its completions and certificates, linking to its funnel."""
    rows = db.session.scalars(
        select(Course).where(Course.live_version_id.is_not(None))
        .options(selectinload(Course.live_version).selectinload(CourseVersion.items))
        .order_by(Course.slug)).all()
    rows = sorted(rows, key=lambda c: (c.live_version.position, c.slug))
    return render_template("reports/courses.html", courses=rows, totals=course_totals())


def _funnel_filters() -> tuple[str | None, str | None]:
    """Return the validated province code and job role of the query string."""
    raw = request.args.get("province", "")
    province = find_province(raw) if raw else None
    if raw and province is None:
        flash(_("Unknown province: %(p)s.", p=raw[:60]), "error")
    job_role = request.args.get("job_role", "")
    if job_role and job_role not in (*JOB_ROLES, "none"):
        flash(_("Unknown job role."), "error")
        job_role = ""
    return (province.code if province else None), (job_role or None)


def _course_and_funnel(course: str):
    course_row, version = get_course_or_404(course, current_user)
    province, job_role = _funnel_filters()
    funnel = course_funnel(course_row, version, province=province, job_role=job_role)
    return course_row, version, province, job_role, funnel


@bp.route("/courses/<course>")
@roles_required(*REPORT_ROLES)
def funnel(course: str):
    """A course's funnel (started → each lesson → each quiz → completed → certificate)."""
    course_row, version, province, job_role, data = _course_and_funnel(course)
    chart = bar_chart(
        _("How many learners reached each step of the course"),
        [tables.step_label(step) for step in data.steps],
        [Series(_("Learners"), [step.count for step in data.steps], key="learners")],
        suffixes=[f"{data.percent(step)}%" for step in data.steps])
    args = {k: v for k, v in (("province", province), ("job_role", job_role)) if v}
    return render_template("reports/funnel.html", course=course_row, version=version,
                           funnel=data, chart=chart, province=province, job_role=job_role,
                           provinces=PROVINCES, job_roles=JOB_ROLES, args=args,
                           step_label=tables.step_label)


@bp.route("/courses/<course>/funnel.<fmt>")
@roles_required(*REPORT_ROLES)
def funnel_export(course: str, fmt: str):
    """Download a course's funnel (with its filters) as CSV or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    course_row, _version, province, job_role, data = _course_and_funnel(course)
    header, rows = tables.funnel_table(data)
    parts = [p for p in (province, job_role) if p]
    name = "-".join(["funnel", course_row.slug, *parts, f"{utcnow():%Y%m%d}"])
    return export_response(fmt, name, _("Funnel"), header, rows)
