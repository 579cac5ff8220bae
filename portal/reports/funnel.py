"""The trainers' course funnel: started → each lesson read → each quiz passed → completed →
certificate, for learners of a province and a job role, with each quiz's attempt figures.

Counts are of people (learners and facility managers; trainers' and administrators'
previews are left out). Reads and passes count by slug, whichever version they were made on,
for the steps of the course's live version. Every count is one grouped statement: the
funnel is five queries however many learners there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, func, select, union

from portal.accounts.models import User
from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.certification.models import Certificate
from portal.extensions import db
from portal.facilities.models import Facility
from portal.progress.models import CourseCompletion, LessonRead, QuizPass
from portal.quizzes.models import Attempt

__all__ = ["Funnel", "FunnelStep", "QuizFigures", "course_funnel", "course_totals"]

LEARNER_ROLES = ("learner", "manager")


@dataclass(frozen=True)
class FunnelStep:
    """One step of the funnel and how many people reached it."""

    #: ``started``, ``lesson``, ``quiz``, ``completed`` or ``certificate``.
    kind: str
    count: int
    #: The lesson or quiz (lesson and quiz steps).
    item: CourseItem | None = None


@dataclass(frozen=True)
class QuizFigures:
    """How learners did on one quiz (submitted attempts only)."""

    slug: str
    attempts: int
    learners: int
    mean_score: float | None
    passed_attempts: int

    @property
    def pass_rate(self) -> float | None:
        """Return the share of attempts that passed, in percent."""
        return 100.0 * self.passed_attempts / self.attempts if self.attempts else None


@dataclass(frozen=True)
class Funnel:
    """The funnel of one course."""

    steps: list[FunnelStep]
    quizzes: dict[str, QuizFigures]
    awards_certificate: bool

    @property
    def started(self) -> int:
        """Return how many people started the course."""
        return self.steps[0].count if self.steps else 0

    def percent(self, step: FunnelStep) -> int:
        """Return *step*'s count as a share of those who started, in percent."""
        return round(100 * step.count / self.started) if self.started else 0


def _people(province: str | None, job_role: str | None):
    """Return a SELECT of the ids of the learners the funnel counts."""
    stmt = select(User.id).where(User.role.in_(LEARNER_ROLES))
    if province:
        stmt = stmt.join(Facility, Facility.id == User.facility_id).where(
            Facility.province_code == province)
    if job_role == "none":
        stmt = stmt.where(User.job_role.is_(None))
    elif job_role:
        stmt = stmt.where(User.job_role == job_role)
    return stmt


def course_funnel(course: Course, version: CourseVersion, *, province: str | None = None,
                  job_role: str | None = None) -> Funnel:
    """Return the funnel of *course* in the order *version* gives its steps (five queries).

    :param province: only learners of facilities in this province (its code)
    :param job_role: only learners with this job role (``"none"``: with none set)
    """
    people = _people(province, job_role)
    started_ids = union(
        select(LessonRead.user_id.label("user_id")).where(LessonRead.course_id == course.id),
        select(Attempt.user_id.label("user_id")).where(Attempt.course_id == course.id),
        select(QuizPass.user_id.label("user_id")).where(QuizPass.course_id == course.id),
    ).subquery()
    started, completed, certified = db.session.execute(select(
        select(func.count()).select_from(started_ids)
        .where(started_ids.c.user_id.in_(people)).scalar_subquery(),
        select(func.count(CourseCompletion.id))
        .where(CourseCompletion.course_id == course.id,
               CourseCompletion.user_id.in_(people)).scalar_subquery(),
        select(func.count(Certificate.id))
        .where(Certificate.kind == "course", Certificate.course_id == course.id,
               Certificate.user_id.in_(people)).scalar_subquery(),
    )).one()
    reads = dict(db.session.execute(
        select(LessonRead.lesson_slug, func.count())
        .where(LessonRead.course_id == course.id, LessonRead.user_id.in_(people))
        .group_by(LessonRead.lesson_slug)).all())
    passes = dict(db.session.execute(
        select(QuizPass.quiz_slug, func.count())
        .where(QuizPass.course_id == course.id, QuizPass.user_id.in_(people))
        .group_by(QuizPass.quiz_slug)).all())
    quizzes = {row.quiz_slug: QuizFigures(row.quiz_slug, int(row.attempts), int(row.learners),
                                          float(row.mean) if row.mean is not None else None,
                                          int(row.passed or 0))
               for row in db.session.execute(
                   select(Attempt.quiz_slug, func.count(Attempt.id).label("attempts"),
                          func.count(func.distinct(Attempt.user_id)).label("learners"),
                          func.avg(Attempt.score).label("mean"),
                          func.sum(case((Attempt.is_passed.is_(True), 1), else_=0))
                          .cast(Integer).label("passed"))
                   .where(Attempt.course_id == course.id, Attempt.submitted_at.is_not(None),
                          Attempt.user_id.in_(people))
                   .group_by(Attempt.quiz_slug))}
    steps = [FunnelStep("started", int(started or 0))]
    for item in version.items:
        if item.is_quiz:
            steps.append(FunnelStep("quiz", int(passes.get(item.slug, 0)), item))
        else:
            steps.append(FunnelStep("lesson", int(reads.get(item.slug, 0)), item))
    steps.append(FunnelStep("completed", int(completed or 0)))
    if version.awards_certificate:
        steps.append(FunnelStep("certificate", int(certified or 0)))
    return Funnel(steps, quizzes, bool(version.awards_certificate))


def course_totals() -> dict[int, tuple[int, int]]:
    """Return course id → (completions, course certificates) for every course (two queries)."""
    completions = dict(db.session.execute(
        select(CourseCompletion.course_id, func.count()).group_by(CourseCompletion.course_id)
    ).all())
    certificates = dict(db.session.execute(
        select(Certificate.course_id, func.count())
        .where(Certificate.kind == "course").group_by(Certificate.course_id)).all())
    ids = set(completions) | set(certificates)
    return {cid: (int(completions.get(cid, 0)), int(certificates.get(cid, 0))) for cid in ids}
