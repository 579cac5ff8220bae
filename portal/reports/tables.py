"""The exported tables: translated column titles and plain cell values, ready for exports.

Column titles go through gettext, so they follow the reader's language (Vietnamese first);
course titles are the courses' own, in that language. Values are plain Python values (text,
numbers, datetimes), which :mod:`portal.reports.exports` writes as CSV or XLSX.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import gettext as _

from portal.i18n import pick
from portal.labels import FACILITY_TYPE_LABELS, JOB_ROLE_LABELS, ROLE_LABELS
from portal.reports.queries import Requirements, StaffRow


def lang() -> str:
    """Return the current interface language."""
    return str(get_locale() or "vi")


def state_label(state: str) -> str:
    """Return the translated name of a progress state."""
    return {"completed": _("Completed"), "in_progress": _("In progress"),
            "not_started": _("Not started")}.get(state, state)


def staff_table(rows: Iterable[StaffRow], req: Requirements) -> tuple[list[str], Iterable[list]]:
    """Return the staff progress export: one row per person, one column per course.

    A course the person's job role does not require is left empty; otherwise the cell is the
    percentage of the course done (100 when completed).
    """
    language = lang()
    titles = [pick(c.title, language)[0] for c in req.courses]
    header = [_("Name"), _("E-mail"), _("Role"), _("Job role"), _("Account"), _("Progress"),
              _("Courses completed"), _("Courses required"),
              *[_("%(course)s (%% done)", course=t) for t in titles],
              _("Last activity"), _("Valid certificates"), _("Programme certificate"),
              _("Programme certificate valid until")]

    def body():
        for row in rows:
            cells = {cell.course.id: cell.percent for cell in row.courses}
            cert = row.programme_certificate
            yield [row.name, row.email, str(ROLE_LABELS.get(row.role, row.role)),
                   str(JOB_ROLE_LABELS[row.job_role]) if row.job_role else "",
                   _("Active") if row.is_active else _("Deactivated"),
                   state_label(row.state), row.completed, row.required,
                   *[cells.get(c.id) for c in req.courses],
                   row.last_activity_at, row.certificates,
                   cert[1] if cert else "", cert[2] if cert else None]

    return header, body()


def facility_type_label(code: str) -> str:
    """Return the translated name of a facility type."""
    return str(FACILITY_TYPE_LABELS.get(code, code))


# --------------------------------------------------------------------------- national overview


def status_label(status: str) -> str:
    """Return the translated name of a facility's certification status."""
    return {"certified": _("Certified"), "in_progress": _("In progress"),
            "not_started": _("Not started")}.get(status, status)


def province_name(code: str) -> str:
    """Return a province's name (Vietnamese, as it is officially written)."""
    from portal.facilities.provinces import BY_CODE

    province = BY_CODE.get(code)
    return province.name if province else code


def window_label(days: int) -> str:
    """Return the name of an expiry window ending *days* days from now."""
    return {30: _("Within 30 days"), 60: _("In 31 to 60 days"),
            90: _("In 61 to 90 days")}.get(days, str(days))


def kind_label(kind: str) -> str:
    """Return the translated name of a certificate kind."""
    return {"facility": _("Facility certificates"), "programme": _("Programme certificates"),
            "course": _("Course certificates")}.get(kind, kind)


def _status_rows(groups, name):
    for g in groups:
        yield [name(g.key), g.total, g.certified, g.in_progress, g.not_started]


def active_rows(overview):
    """Return (province code, accounts, active, share %) for every province shown."""
    from portal.facilities.provinces import PROVINCES

    found = {code: (total, active) for code, total, active in overview.active}
    codes = [p.code for p in PROVINCES
             if not overview.filters.province or p.code == overview.filters.province]
    for code in codes:
        total, active = found.get(code, (0, 0))
        yield code, total, active, (round(100 * active / total) if total else 0)


def overview_table(name: str, overview, all_expiring=None):
    """Return (sheet title, header, rows) of one table of the national overview.

    :param name: ``provinces``, ``types``, ``active``, ``expiring`` or ``status``
    :param all_expiring: for ``expiring``: every expiring certificate (not only the page's)
    :raises KeyError: for an unknown table
    """
    status_header = [_("Facilities"), _("Certified"), _("In progress"), _("Not started")]
    if name == "provinces":
        return (_("By province"), [_("Province or city"), *status_header],
                _status_rows(overview.by_province, province_name))
    if name == "types":
        return (_("By type"), [_("Type"), *status_header],
                _status_rows(overview.by_type, facility_type_label))
    if name == "active":
        return (_("Active learners"),
                [_("Province or city"), _("Staff accounts"),
                 _("Active in the last 30 days"), _("Share active (%)")],
                ([province_name(c), t, a, s] for c, t, a, s in active_rows(overview)))
    if name == "expiring":
        rows = all_expiring if all_expiring is not None else overview.expiring_facilities
        return (_("Expiring certificates"),
                [_("Certificate"), _("Serial number"), _("Holder"), _("Title"),
                 _("Valid until"), _("Facility"), _("Province or city"), _("Type")],
                ([kind_label(c.kind), c.serial, c.holder_name, pick(c.title, lang())[0],
                  c.expires_at, c.facility_name, province_name(c.province_code),
                  facility_type_label(c.facility_type)] for c in rows))
    if name == "windows":
        kinds = ("facility", "programme", "course")
        from portal.reports.national import EXPIRY_BUCKETS

        return (_("Expiring certificates"),
                [_("Expires"), *[kind_label(k) for k in kinds]],
                ([window_label(d), *[overview.expiring.get((k, d), 0) for k in kinds]]
                 for d in EXPIRY_BUCKETS))
    raise KeyError(name)


def audit_table(rows):
    """Return (header, rows) of an audit log export."""
    import json

    header = [_("When"), _("Action"), _("Actor"), _("Actor's e-mail"), _("Object"),
              _("Object id"), _("IP address"), _("Details")]

    def body():
        for r in rows:
            yield [r.at, r.action, r.actor_name or "", r.actor_email or "", r.object_type or "",
                   r.object_id or "", r.ip or "",
                   json.dumps(r.detail or {}, ensure_ascii=False, sort_keys=True)]

    return header, body()


def funnel_table(funnel):
    """Return (header, rows) of a course funnel export."""
    header = [_("Step"), _("People"), _("Share of those who started (%)")]

    def body():
        for step in funnel.steps:
            yield [step_label(step), step.count, funnel.percent(step)]

    return header, body()


def step_label(step) -> str:
    """Return the name of a funnel step."""
    if step.kind == "started":
        return _("Started the course")
    if step.kind == "lesson":
        return _("Read: %(title)s", title=pick(step.item.title, lang())[0])
    if step.kind == "quiz":
        return _("Passed: %(title)s", title=pick(step.item.title, lang())[0])
    if step.kind == "completed":
        return _("Completed the course")
    return _("Received the certificate")
