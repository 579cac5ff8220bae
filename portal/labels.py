"""Translated labels for the codes stored in the database (roles, job roles, types)."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "learner": _l("Learner"),
    "manager": _l("Facility manager"),
    "trainer": _l("Trainer"),
    "admin": _l("Administrator"),
}

JOB_ROLE_LABELS = {
    "doctor": _l("Doctor"),
    "nurse": _l("Nurse"),
    "midwife": _l("Midwife"),
    "pharmacist": _l("Pharmacist"),
    "technician": _l("Technician"),
    "administrative": _l("Administrative staff"),
    "it": _l("IT staff"),
}

FACILITY_TYPE_LABELS = {
    "clinic": _l("Clinic"),
    "polyclinic": _l("Polyclinic"),
    "dental": _l("Dental clinic"),
    "pharmacy": _l("Pharmacy"),
    "laboratory": _l("Laboratory"),
    "imaging": _l("Imaging centre"),
    "hospital": _l("Hospital"),
    "other": _l("Other"),
}

INVITATION_STATUS_LABELS = {
    "pending": _l("Pending"),
    "accepted": _l("Accepted"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}


def init_app(app) -> None:
    """Expose the label tables to templates."""
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        JOB_ROLE_LABELS=JOB_ROLE_LABELS,
        FACILITY_TYPE_LABELS=FACILITY_TYPE_LABELS,
        INVITATION_STATUS_LABELS=INVITATION_STATUS_LABELS,
    )
