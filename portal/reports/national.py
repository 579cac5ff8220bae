"""The administrators' national overview: facilities, certification, activity, expiring
certificates.

Every figure is aggregated by the database and each function is one statement, whatever the
number of facilities, learners, lesson reads or attempts:

- :func:`facility_status_counts`: active facilities by province, type and certification
  status, where *certified* means an active (not revoked, not expired) facility certificate
  of the programme; *in progress* means not certified, but at least one active member of
  staff has read a lesson or passed a quiz of the programme's courses (or has a request
  waiting); *not started* is every other facility;
- :func:`active_learners`: learners (and managers) of active facilities by province, and those
  of them who read a lesson or submitted a quiz attempt in the last 30 days;
- :func:`expiring_counts` and :func:`expiring_certificates`: certificates that are not revoked
  and expire within the next 90 days.

Filters (province, facility type, programme) apply to every figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, or_, select, union

from portal.accounts.models import User
from portal.catalog.models import Course
from portal.certification.models import Certificate, CertificationRequest, Programme
from portal.db import utcnow
from portal.extensions import db
from portal.facilities.models import Facility
from portal.progress.models import LessonRead, QuizPass
from portal.quizzes.models import Attempt

__all__ = [
    "ACTIVE_DAYS",
    "EXPIRY_BUCKETS",
    "OverviewFilters",
    "active_learners",
    "expiring_certificates",
    "expiring_counts",
    "facility_status_counts",
    "programme_course_ids",
]

#: "Active learners" read or answered something in this many days.
ACTIVE_DAYS = 30
#: Expiry windows, in days from now: (0, 30], (30, 60], (60, 90].
EXPIRY_BUCKETS = (30, 60, 90)
STAFF_ROLES = ("learner", "manager")


@dataclass(frozen=True)
class OverviewFilters:
    """The filters of the national overview (already validated)."""

    province: str | None = None
    type: str | None = None
    programme: Programme | None = None

    def args(self) -> dict[str, str]:
        """Return the filters as query-string arguments."""
        values = {"province": self.province, "type": self.type,
                  "programme": self.programme.slug if self.programme else None}
        return {k: v for k, v in values.items() if v}

    def facility_conditions(self) -> list:
        """Return the WHERE conditions on :class:`Facility` for the province and type."""
        conditions = [Facility.is_active]
        if self.province:
            conditions.append(Facility.province_code == self.province)
        if self.type:
            conditions.append(Facility.type == self.type)
        return conditions


def programme_course_ids(programme: Programme | None) -> list[int] | None:
    """Return the ids of the courses *programme* asks of anyone (one query); ``None``: all."""
    if programme is None:
        return None
    slugs = sorted({s for slugs in programme.courses.values() for s in slugs})
    return list(db.session.scalars(select(Course.id).where(Course.slug.in_(slugs))))


def _in_courses(column, course_ids: list[int] | None):
    return column.in_(course_ids) if course_ids is not None else True


def facility_status_counts(filters: OverviewFilters, course_ids: list[int] | None,
                           now: datetime | None = None) -> list[tuple[str, str, str, int]]:
    """Return (province code, facility type, status, facilities) for every non-empty group.

    :param course_ids: the programme's courses (:func:`programme_course_ids`); ``None``: any
    """
    now = now or utcnow()
    programme = filters.programme
    certified = exists().where(
        Certificate.facility_id == Facility.id, Certificate.kind == "facility",
        Certificate.revoked_at.is_(None), Certificate.expires_at > now,
        *([Certificate.programme_id == programme.id] if programme else []))
    learning = or_(
        exists().where(LessonRead.user_id == User.id,
                       _in_courses(LessonRead.course_id, course_ids)),
        exists().where(QuizPass.user_id == User.id,
                       _in_courses(QuizPass.course_id, course_ids)))
    started = or_(
        exists().where(User.facility_id == Facility.id, User.is_active, learning),
        exists().where(CertificationRequest.facility_id == Facility.id,
                       CertificationRequest.status == "pending",
                       *([CertificationRequest.programme_id == programme.id]
                         if programme else [])))
    status = case((certified, "certified"), (started, "in_progress"),
                  else_="not_started").label("status")
    inner = (select(Facility.province_code, Facility.type, status)
             .where(*filters.facility_conditions()).subquery())
    rows = db.session.execute(
        select(inner.c.province_code, inner.c.type, inner.c.status, func.count())
        .group_by(inner.c.province_code, inner.c.type, inner.c.status))
    return [(p, t, s, int(n)) for p, t, s, n in rows]


def active_learners(filters: OverviewFilters, course_ids: list[int] | None,
                    now: datetime | None = None, days: int = ACTIVE_DAYS
                    ) -> list[tuple[str, int, int]]:
    """Return (province code, active staff accounts, of whom active in the last *days* days).

    A person is active when they read a lesson or submitted a quiz attempt (in the
    programme's courses, when a programme is chosen) since ``now - days``.
    """
    now = now or utcnow()
    since = now - timedelta(days=days)
    recent = union(
        select(LessonRead.user_id.label("user_id"))
        .where(LessonRead.read_at >= since, _in_courses(LessonRead.course_id, course_ids)),
        select(Attempt.user_id.label("user_id"))
        .where(Attempt.submitted_at >= since, _in_courses(Attempt.course_id, course_ids)),
    ).subquery()
    rows = db.session.execute(
        select(Facility.province_code, func.count(User.id), func.count(recent.c.user_id))
        .select_from(User)
        .join(Facility, Facility.id == User.facility_id)
        .outerjoin(recent, recent.c.user_id == User.id)
        .where(User.is_active, User.role.in_(STAFF_ROLES), *filters.facility_conditions())
        .group_by(Facility.province_code))
    return [(p, int(total), int(active)) for p, total, active in rows]


def _expiring_query(filters: OverviewFilters, course_ids: list[int] | None, now: datetime,
                    days: int):
    """Return the FROM/WHERE shared by the expiring-certificate queries."""
    holder = User.__table__.alias("holder")
    facility_id = func.coalesce(Certificate.facility_id, holder.c.facility_id)
    conditions = [Certificate.revoked_at.is_(None), Certificate.expires_at > now,
                  Certificate.expires_at <= now + timedelta(days=days),
                  *filters.facility_conditions()]
    if filters.programme is not None:
        conditions.append(or_(
            Certificate.programme_id == filters.programme.id,
            and_(Certificate.kind == "course", Certificate.course_id.in_(course_ids or [])),
        ))
    return holder, facility_id, conditions


def expiring_counts(filters: OverviewFilters, course_ids: list[int] | None,
                    now: datetime | None = None) -> dict[tuple[str, int], int]:
    """Return (certificate kind, window end in days) → certificates expiring in that window.

    Windows are those of :data:`EXPIRY_BUCKETS`: within 30 days, 31–60, 61–90.
    """
    now = now or utcnow()
    holder, facility_id, conditions = _expiring_query(filters, course_ids, now,
                                                      EXPIRY_BUCKETS[-1])
    bucket = case(*[(Certificate.expires_at <= now + timedelta(days=d), d)
                    for d in EXPIRY_BUCKETS[:-1]], else_=EXPIRY_BUCKETS[-1]).label("bucket")
    inner = (select(Certificate.kind, bucket)
             .select_from(Certificate)
             .outerjoin(holder, holder.c.id == Certificate.user_id)
             .join(Facility, Facility.id == facility_id)
             .where(*conditions).subquery())
    rows = db.session.execute(select(inner.c.kind, inner.c.bucket, func.count())
                              .group_by(inner.c.kind, inner.c.bucket))
    return {(kind, int(b)): int(n) for kind, b, n in rows}


@dataclass(frozen=True)
class ExpiringCertificate:
    """One certificate about to expire, with where its holder works."""

    kind: str
    serial: str
    code: str
    holder_name: str
    title: dict
    expires_at: datetime
    facility_id: int
    facility_name: str
    province_code: str
    facility_type: str


def expiring_certificates(filters: OverviewFilters, course_ids: list[int] | None,
                          now: datetime | None = None, *, kinds: tuple[str, ...] = ("facility",),
                          limit: int | None = 100) -> list[ExpiringCertificate]:
    """Return certificates of *kinds* expiring within 90 days, soonest first (one query).

    :param limit: most rows returned; ``None``: all of them (exports)
    """
    now = now or utcnow()
    holder, facility_id, conditions = _expiring_query(filters, course_ids, now,
                                                      EXPIRY_BUCKETS[-1])
    stmt = (select(Certificate.kind, Certificate.serial, Certificate.code,
                   Certificate.holder_name, Certificate.title, Certificate.expires_at,
                   Facility.id, Facility.name, Facility.province_code, Facility.type)
            .select_from(Certificate)
            .outerjoin(holder, holder.c.id == Certificate.user_id)
            .join(Facility, Facility.id == facility_id)
            .where(*conditions, Certificate.kind.in_(kinds))
            .order_by(Certificate.expires_at, Certificate.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [ExpiringCertificate(*row) for row in db.session.execute(stmt)]


# --------------------------------------------------------------------------- the whole page


STATUSES = ("certified", "in_progress", "not_started")


@dataclass(frozen=True)
class StatusCounts:
    """Facilities of one group (a province, a type) by certification status."""

    key: str
    certified: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def total(self) -> int:
        return self.certified + self.in_progress + self.not_started

    def get(self, status: str) -> int:
        return getattr(self, status)


@dataclass(frozen=True)
class Overview:
    """Everything the national overview shows, aggregated (five queries)."""

    filters: OverviewFilters
    now: datetime
    totals: StatusCounts
    by_province: list[StatusCounts]
    by_type: list[StatusCounts]
    #: (province code, staff accounts, active in the last 30 days)
    active: list[tuple[str, int, int]]
    #: (kind, window end in days) → certificates
    expiring: dict[tuple[str, int], int]
    expiring_facilities: list[ExpiringCertificate]

    @property
    def active_total(self) -> tuple[int, int]:
        """Return (staff accounts, active in the last 30 days) over all provinces."""
        return (sum(r[1] for r in self.active), sum(r[2] for r in self.active))

    def expiring_total(self, kind: str | None = None) -> int:
        """Return the certificates (of *kind*, or all) expiring within 90 days."""
        return sum(n for (k, _b), n in self.expiring.items() if kind is None or k == kind)


def _group(rows, index: int, keys) -> list[StatusCounts]:
    counts: dict[str, dict[str, int]] = {k: {} for k in keys}
    for row in rows:
        bucket = counts.setdefault(row[index], {})
        bucket[row[2]] = bucket.get(row[2], 0) + row[3]
    return [StatusCounts(k, **v) for k, v in counts.items()]


def national_overview(filters: OverviewFilters, now: datetime | None = None) -> Overview:
    """Return the national overview's figures for *filters* (six queries at most)."""
    from portal.facilities.models import FACILITY_TYPES
    from portal.facilities.provinces import PROVINCES

    now = now or utcnow()
    course_ids = programme_course_ids(filters.programme)
    rows = facility_status_counts(filters, course_ids, now)
    provinces = [p.code for p in PROVINCES if not filters.province or p.code == filters.province]
    types = [t for t in FACILITY_TYPES if not filters.type or t == filters.type]
    totals = _group([("", "", s, n) for _p, _t, s, n in rows], 0, [""])[0]
    return Overview(
        filters=filters, now=now, totals=totals,
        by_province=_group(rows, 0, provinces),
        by_type=_group(rows, 1, types),
        active=active_learners(filters, course_ids, now),
        expiring=expiring_counts(filters, course_ids, now),
        expiring_facilities=expiring_certificates(filters, course_ids, now),
    )
