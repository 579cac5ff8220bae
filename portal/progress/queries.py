"""Progress across many courses at once, aggregated in SQL (a fixed number of queries).

Used by the catalogue and the learner's dashboard: for each course, how many items of its
live version the learner has done, and when they completed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from portal.catalog.models import Course, CourseItem
from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead, QuizPass

__all__ = ["CourseSummary", "item_counts", "summaries_for"]


@dataclass(frozen=True)
class CourseSummary:
    """One learner's progress in one course."""

    done: int
    total: int
    completed_at: datetime | None
    last_activity_at: datetime | None = None

    @property
    def percent(self) -> int:
        """Return progress as a whole percentage (100 once complete)."""
        if self.completed_at is not None:
            return 100
        return min(100, 100 * self.done // self.total) if self.total else 0

    @property
    def state(self) -> str:
        """Return ``"completed"``, ``"in_progress"`` or ``"not_started"``."""
        if self.completed_at is not None:
            return "completed"
        return "in_progress" if self.done else "not_started"


#: A course nobody has touched.
NOT_STARTED = CourseSummary(0, 0, None)


def item_counts(version_ids: Iterable[int]) -> dict[int, int]:
    """Return version id → number of lessons and quizzes in it (one query)."""
    ids = list(version_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CourseItem.version_id, func.count(CourseItem.id))
        .where(CourseItem.version_id.in_(ids)).group_by(CourseItem.version_id))
    return dict(rows.all())


def summaries_for(user, courses: Iterable[Course]) -> dict[int, CourseSummary]:
    """Return course id → *user*'s progress in each course's live version (four queries).

    Only reads and passes of items that are still in the live version count.

    :param user: the learner (anonymous users get an empty mapping)
    :param courses: courses with ``live_version_id`` set
    """
    courses = [c for c in courses if c.live_version_id is not None]
    if not getattr(user, "is_authenticated", False) or not courses:
        return {}
    live = [c.live_version_id for c in courses]
    totals = item_counts(live)
    done: dict[int, int] = {}
    last: dict[int, datetime] = {}
    for model, slug_column, at_column in ((LessonRead, LessonRead.lesson_slug,
                                           LessonRead.read_at),
                                          (QuizPass, QuizPass.quiz_slug, QuizPass.passed_at)):
        rows = db.session.execute(
            select(model.course_id, func.count(), func.max(at_column))
            .join(Course, Course.id == model.course_id)
            .join(CourseItem, and_(CourseItem.version_id == Course.live_version_id,
                                   CourseItem.slug == slug_column))
            .where(model.user_id == user.id, Course.id.in_([c.id for c in courses]))
            .group_by(model.course_id))
        for course_id, count, at in rows:
            done[course_id] = done.get(course_id, 0) + count
            if at is not None:
                last[course_id] = max(last.get(course_id, at), at)
    completed = dict(db.session.execute(
        select(CourseCompletion.course_id, CourseCompletion.completed_at)
        .where(CourseCompletion.user_id == user.id,
               CourseCompletion.course_id.in_([c.id for c in courses]))).all())
    return {
        c.id: CourseSummary(done.get(c.id, 0), totals.get(c.live_version_id, 0),
                            completed.get(c.id), last.get(c.id))
        for c in courses
    }
