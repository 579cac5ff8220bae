"""Aggregate queries shared by the dashboards: what each person must complete, and the staff table.

Everything here is computed by the database (GROUP BY, correlated sub-queries, EXISTS) and
returns either aggregated figures or one page of rows, never every row of a big table. Each
public function runs a fixed number of statements whatever the number of people, reads or
attempts (the tests count them).

"Required courses" are those of the active certification programme for a person's job role
(:meth:`Programme.courses_for`); without a programme, the published courses whose audience
includes the job role (or everyone).

The national overview lives in :mod:`portal.reports.national`, the trainers' funnel in
:mod:`portal.reports.funnel` and the audit log queries in :mod:`portal.reports.auditlog`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)

from portal.accounts.models import JOB_ROLES, User
from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.certification.models import Certificate, Programme
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead, QuizPass
from portal.quizzes.models import Attempt
from portal.text import escape_like, fold

__all__ = [
    "SORTS",
    "STATES",
    "CourseCell",
    "CourseInfo",
    "Requirements",
    "StaffFilters",
    "StaffPage",
    "StaffRow",
    "default_programme",
    "greatest",
    "requirements",
    "staff_progress",
]

#: A person's standing in the courses their job role requires.
STATES = ("completed", "in_progress", "not_started")
#: Columns the staff table sorts by.
SORTS = ("name", "job_role", "progress", "last_activity", "status")
#: Staff per page.
STAFF_PAGE_SIZE = 50


def default_programme() -> Programme | None:
    """Return the programme learners currently work towards (the first active one)."""
    return db.session.scalar(select(Programme).where(Programme.is_active)
                             .order_by(Programme.position, Programme.slug).limit(1))


def greatest(a, b):
    """Return the SQL for the later of two nullable timestamps (portable: no GREATEST())."""
    return type_coerce(case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b),
                       UTCDateTime())


# --------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class CourseInfo:
    """A published course as the dashboards show it."""

    id: int
    slug: str
    title: dict
    #: Lessons and quizzes in its live version.
    total: int


@dataclass(frozen=True)
class Requirements:
    """Which courses each job role must complete, as course ids, ready to turn into SQL."""

    programme: Programme | None
    #: Every course some job role requires, in programme order.
    courses: tuple[CourseInfo, ...]
    #: Courses everyone must complete.
    common: tuple[int, ...]
    #: Job role → the courses it requires on top of :attr:`common`.
    extra: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    #: The programme's id (kept apart so that no expired ORM object is reloaded).
    programme_id: int | None = None

    @property
    def course_ids(self) -> tuple[int, ...]:
        """Return the ids of every course some job role requires."""
        return tuple(c.id for c in self.courses)

    def ids_for(self, job_role: str | None) -> tuple[int, ...]:
        """Return the course ids *job_role* requires, in programme order."""
        wanted = set(self.common) | set(self.extra.get(job_role or "", ()))
        return tuple(c.id for c in self.courses if c.id in wanted)

    def is_required(self, job_role_column, course_id_column):
        """Return SQL that is true when the course is required for the person's job role."""
        clauses = []
        if self.common:
            clauses.append(course_id_column.in_(self.common))
        for role, ids in self.extra.items():
            if ids:
                clauses.append(and_(job_role_column == role, course_id_column.in_(ids)))
        return or_(*clauses) if clauses else false()

    def count_expression(self, job_role_column):
        """Return SQL for how many courses the person's job role requires."""
        whens = {role: len(self.ids_for(role)) for role in self.extra}
        if not whens:
            return literal(len(self.common))
        return case(whens, value=job_role_column, else_=len(self.common))


def requirements(programme: Programme | None) -> Requirements:
    """Return the courses each job role must complete (one query).

    :param programme: the programme; ``None``: published courses by their audience
    """
    total = (select(func.count(CourseItem.id))
             .where(CourseItem.version_id == Course.live_version_id)
             .correlate(Course).scalar_subquery())
    stmt = (select(Course.id, Course.slug, CourseVersion.title, CourseVersion.audience_roles,
                   CourseVersion.position, total)
            .join(CourseVersion, CourseVersion.id == Course.live_version_id)
            .where(Course.status == "published"))
    if programme is not None:
        slugs = [s for slugs in programme.courses.values() for s in slugs]
        stmt = stmt.where(Course.slug.in_(slugs))
    rows = db.session.execute(stmt.order_by(CourseVersion.position, Course.slug)).all()
    info = {r.slug: CourseInfo(r.id, r.slug, dict(r.title), int(r[5] or 0)) for r in rows}
    if programme is not None:
        order = list(dict.fromkeys(s for slugs in programme.courses.values() for s in slugs))
        courses = tuple(info[s] for s in order if s in info)
        common = tuple(info[s].id for s in programme.courses.get("all", []) if s in info)
        extra = {role: tuple(info[s].id for s in programme.courses.get(role, [])
                             if s in info and info[s].id not in common)
                 for role in JOB_ROLES}
    else:
        courses = tuple(info[r.slug] for r in rows)
        common = tuple(r.id for r in rows if not r.audience_roles)
        extra = {role: tuple(r.id for r in rows if f"|{role}|" in (r.audience_roles or ""))
                 for role in JOB_ROLES}
    return Requirements(programme, courses, common, {k: v for k, v in extra.items() if v},
                        programme.id if programme is not None else None)


# --------------------------------------------------------------------------- staff table


@dataclass(frozen=True)
class StaffFilters:
    """What the staff table shows: a search, filters, a sort and a page (all validated)."""

    q: str = ""
    job_role: str = ""
    #: ``active``, ``inactive`` or empty (everyone).
    active: str = ""
    state: str = ""
    sort: str = "name"
    desc: bool = False
    page: int = 1
    #: Only this person (a person's own page); never read from the query string.
    user_id: int | None = None

    @classmethod
    def from_args(cls, args) -> StaffFilters:
        """Return the filters in *args* (a request's query string); unknown values are ignored."""
        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        try:
            page = max(1, int(args.get("page", 1)))
        except (TypeError, ValueError):
            page = 1
        return cls(q=(args.get("q") or "").strip()[:100],
                   job_role=pick("job_role", (*JOB_ROLES, "none")),
                   active=pick("active", ("active", "inactive")),
                   state=pick("state", STATES),
                   sort=pick("sort", SORTS) or "name",
                   desc=args.get("dir") == "desc",
                   page=page)

    def args(self, **changes) -> dict[str, str]:
        """Return these filters as query-string arguments, with *changes* applied."""
        values = {"q": self.q, "job_role": self.job_role, "active": self.active,
                  "state": self.state, "sort": self.sort if self.sort != "name" else "",
                  "dir": "desc" if self.desc else "", "page": str(self.page)}
        values.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
        if values.get("page") == "1":
            values["page"] = ""
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class CourseCell:
    """One person's progress in one required course."""

    course: CourseInfo
    done: int
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        """Return the share of the course's items done (100 once completed)."""
        if self.completed_at is not None:
            return 100
        total = self.course.total
        return min(99, 100 * self.done // total) if total else 0


@dataclass(frozen=True)
class StaffRow:
    """One row of the staff table."""

    id: int
    name: str
    email: str
    role: str
    job_role: str | None
    is_active: bool
    required: int
    completed: int
    state: str
    last_activity_at: datetime | None
    courses: tuple[CourseCell, ...] = ()
    #: Valid certificates the person holds (courses and programmes).
    certificates: int = 0
    #: Their valid programme certificate, if any: (verification code, serial, expiry).
    programme_certificate: tuple[str, str, datetime] | None = None


@dataclass(frozen=True)
class StaffPage:
    """A page of the staff table and the facility's totals."""

    items: list[StaffRow]
    page: int
    per_page: int
    total: int
    #: (state, is_active) → people, over the whole facility, whatever the filters.
    summary: dict[tuple[str, bool], int]

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def count(self, state: str | None = None, active: bool | None = True) -> int:
        """Return how many people (active ones by default) are in *state* (any: ``None``)."""
        return sum(n for (s, a), n in self.summary.items()
                   if (state is None or s == state) and (active is None or a == active))


def _staff_subquery(facility_id: int, req: Requirements):
    """Return the facility's people with their required, completed and activity figures."""
    completed = (select(func.count(CourseCompletion.id))
                 .where(CourseCompletion.user_id == User.id,
                        req.is_required(User.job_role, CourseCompletion.course_id))
                 .correlate(User).scalar_subquery())
    started = or_(
        exists().where(LessonRead.user_id == User.id,
                       req.is_required(User.job_role, LessonRead.course_id)),
        exists().where(QuizPass.user_id == User.id,
                       req.is_required(User.job_role, QuizPass.course_id)),
    )
    last_read = (select(func.max(LessonRead.read_at)).where(LessonRead.user_id == User.id)
                 .correlate(User).scalar_subquery())
    last_attempt = (select(func.max(Attempt.submitted_at)).where(Attempt.user_id == User.id)
                    .correlate(User).scalar_subquery())
    return (select(User.id, User.name, User.name_folded, User.email, User.role, User.job_role,
                   User.is_active,
                   req.count_expression(User.job_role).label("required"),
                   completed.label("completed"),
                   case((started, 1), else_=0).label("started"),
                   greatest(last_read, last_attempt).label("last_activity_at"))
            .where(User.facility_id == facility_id, User.role.in_(("learner", "manager")))
            .subquery("staff"))


def _state(staff):
    return case(
        (and_(staff.c.required > 0, staff.c.completed >= staff.c.required), "completed"),
        (or_(staff.c.completed > 0, staff.c.started == 1), "in_progress"),
        else_="not_started")


def _order(staff, filters: StaffFilters):
    """Return the ORDER BY of the staff table: the chosen column, then name and id."""
    if filters.sort == "last_activity":
        key = staff.c.last_activity_at
        # People with no activity yet come last either way, the same on both databases.
        nulls = case((key.is_(None), 1), else_=0)
        first = [nulls, key.desc() if filters.desc else key]
    else:
        key = {
            "name": staff.c.name_folded,
            "job_role": func.coalesce(staff.c.job_role, ""),
            "progress": func.coalesce(
                staff.c.completed * 1.0 / func.nullif(staff.c.required, 0), 0),
            "status": case((staff.c.is_active, 1), else_=0),
        }[filters.sort]
        first = [key.desc() if filters.desc else key]
    return [*first, staff.c.name_folded, staff.c.id]


def staff_progress(facility_id: int, req: Requirements, filters: StaffFilters | None = None,
                   *, per_page: int | None = STAFF_PAGE_SIZE, now: datetime | None = None
                   ) -> StaffPage:
    """Return one page of a facility's people with their progress (seven queries).

    :param facility_id: the facility whose staff (learners and managers) are listed
    :param req: what each job role must complete (:func:`requirements`)
    :param filters: search, filters, sort and page; default: everyone by name, page 1
    :param per_page: rows per page; ``None``: every matching row (exports)
    """
    filters = filters or StaffFilters()
    now = now or utcnow()
    staff = _staff_subquery(facility_id, req)
    state = _state(staff)
    conditions = []
    if filters.q:
        needle = f"%{escape_like(fold(filters.q))}%"
        conditions.append(or_(staff.c.name_folded.like(needle, escape="\\"),
                              func.lower(staff.c.email).like(
                                  f"%{escape_like(filters.q.lower())}%", escape="\\")))
    if filters.job_role == "none":
        conditions.append(staff.c.job_role.is_(None))
    elif filters.job_role:
        conditions.append(staff.c.job_role == filters.job_role)
    if filters.active:
        conditions.append(staff.c.is_active.is_(filters.active == "active"))
    if filters.state:
        conditions.append(state == filters.state)
    if filters.user_id is not None:
        conditions.append(staff.c.id == filters.user_id)

    summary = {(s, bool(a)): int(n) for s, a, n in db.session.execute(
        select(state, staff.c.is_active, func.count()).group_by(state, staff.c.is_active))}
    stmt = select(staff, state.label("state")).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = filters.page
    if per_page:
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.execute(stmt.order_by(*_order(staff, filters))).all()
    items = _with_details(rows, req, now)
    return StaffPage(items, page, per_page or max(1, total), total, summary)


def _with_details(rows, req: Requirements, now: datetime) -> list[StaffRow]:
    """Add each person's per-course progress and certificates (three queries)."""
    ids = [r.id for r in rows]
    done: dict[tuple[int, int], int] = {}
    completed: dict[tuple[int, int], datetime] = {}
    certs: dict[int, int] = {}
    programme_certs: dict[int, tuple[str, str, datetime]] = {}
    course_ids = req.course_ids
    if ids and course_ids:
        items = union_all(
            select(LessonRead.user_id, LessonRead.course_id)
            .join(Course, Course.id == LessonRead.course_id)
            .join(CourseItem, and_(CourseItem.version_id == Course.live_version_id,
                                   CourseItem.slug == LessonRead.lesson_slug,
                                   CourseItem.kind == "lesson"))
            .where(LessonRead.user_id.in_(ids), LessonRead.course_id.in_(course_ids)),
            select(QuizPass.user_id, QuizPass.course_id)
            .join(Course, Course.id == QuizPass.course_id)
            .join(CourseItem, and_(CourseItem.version_id == Course.live_version_id,
                                   CourseItem.slug == QuizPass.quiz_slug,
                                   CourseItem.kind == "quiz"))
            .where(QuizPass.user_id.in_(ids), QuizPass.course_id.in_(course_ids)),
        ).subquery()
        for user_id, course_id, count in db.session.execute(
                select(items.c.user_id, items.c.course_id, func.count())
                .group_by(items.c.user_id, items.c.course_id)):
            done[(user_id, course_id)] = int(count)
        for user_id, course_id, at in db.session.execute(
                select(CourseCompletion.user_id, CourseCompletion.course_id,
                       CourseCompletion.completed_at)
                .where(CourseCompletion.user_id.in_(ids),
                       CourseCompletion.course_id.in_(course_ids))):
            completed[(user_id, course_id)] = at
    if ids:
        programme_id = req.programme_id
        for user_id, kind, cert_programme, code, serial, expires in db.session.execute(
                select(Certificate.user_id, Certificate.kind, Certificate.programme_id,
                       Certificate.code, Certificate.serial, Certificate.expires_at)
                .where(Certificate.user_id.in_(ids), Certificate.revoked_at.is_(None),
                       Certificate.expires_at > now)
                .order_by(Certificate.expires_at)):
            certs[user_id] = certs.get(user_id, 0) + 1
            if kind == "programme" and (programme_id is None or cert_programme == programme_id):
                programme_certs[user_id] = (code, serial, expires)
    by_id = {c.id: c for c in req.courses}
    result = []
    for r in rows:
        cells = tuple(CourseCell(by_id[cid], done.get((r.id, cid), 0), completed.get((r.id, cid)))
                      for cid in req.ids_for(r.job_role))
        result.append(StaffRow(
            id=r.id, name=r.name, email=r.email, role=r.role, job_role=r.job_role,
            is_active=bool(r.is_active), required=int(r.required), completed=int(r.completed),
            state=r.state, last_activity_at=r.last_activity_at, courses=cells,
            certificates=certs.get(r.id, 0), programme_certificate=programme_certs.get(r.id)))
    return result


# --------------------------------------------------------------------------- certification


