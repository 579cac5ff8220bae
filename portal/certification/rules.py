"""Readiness: how far a person or a facility is from a programme's certificate, computed live.

A person has completed a programme when they have completed every course it asks of their
job role. A facility is ready when the programme's rule holds over its active people:

- ``manager_required``: every active manager of the facility has completed;
- ``staff_share``: at least this percentage of its active staff (learners) have completed;
- ``roles_any``: among the people who completed, at least one has one of these job roles.

Nothing here is stored: it is recomputed from completions on every call, in a fixed number of
queries, so a deactivated member of staff, a changed job role or a new course in the programme
shows at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.accounts.models import User
from portal.catalog.models import Course
from portal.certification.models import Programme
from portal.extensions import db
from portal.progress.models import CourseCompletion

__all__ = ["FacilityReadiness", "PersonStatus", "completed_slugs", "facility_readiness",
           "person_status"]


@dataclass(frozen=True)
class PersonStatus:
    """One person's standing in a programme."""

    user: User
    required: tuple[str, ...]
    completed: frozenset[str]

    @property
    def missing(self) -> tuple[str, ...]:
        """Return the required courses not completed yet, in programme order."""
        return tuple(slug for slug in self.required if slug not in self.completed)

    @property
    def is_done(self) -> bool:
        """Return whether every required course is completed (and there is at least one)."""
        return bool(self.required) and not self.missing

    @property
    def done_count(self) -> int:
        """Return how many required courses are completed."""
        return len(self.required) - len(self.missing)


@dataclass(frozen=True)
class FacilityReadiness:
    """A facility's standing against a programme's rule."""

    programme: Programme
    managers: list[PersonStatus] = field(default_factory=list)
    staff: list[PersonStatus] = field(default_factory=list)

    @property
    def staff_done(self) -> int:
        """Return how many active staff have completed their courses."""
        return sum(1 for person in self.staff if person.is_done)

    @property
    def staff_needed(self) -> int:
        """Return how many active staff must complete to meet the share (at least one)."""
        return max(1, math.ceil(len(self.staff) * self.programme.staff_share / 100))

    @property
    def managers_ok(self) -> bool:
        """Return whether the manager rule holds."""
        if not self.programme.manager_required:
            return True
        return bool(self.managers) and all(person.is_done for person in self.managers)

    @property
    def share_ok(self) -> bool:
        """Return whether enough staff have completed."""
        return bool(self.staff) and self.staff_done >= self.staff_needed

    @property
    def roles_ok(self) -> bool:
        """Return whether someone with one of the named job roles has completed."""
        roles = set(self.programme.roles_any)
        if not roles:
            return True
        return any(p.is_done and p.user.job_role in roles for p in self.managers + self.staff)

    @property
    def is_ready(self) -> bool:
        """Return whether the facility may be certified."""
        return self.managers_ok and self.share_ok and self.roles_ok

    @property
    def percent(self) -> int:
        """Return a single progress figure: the share of the three conditions' steps met."""
        parts = []
        if self.programme.manager_required:
            total = sum(len(p.required) for p in self.managers) or 1
            parts.append(sum(p.done_count for p in self.managers) / total)
        parts.append(min(1.0, self.staff_done / self.staff_needed))
        if self.programme.roles_any:
            parts.append(1.0 if self.roles_ok else 0.0)
        return int(100 * sum(parts) / len(parts))


def completed_slugs(user_ids: list[int], slugs: tuple[str, ...] | set[str]
                    ) -> dict[int, set[str]]:
    """Return user id → the slugs among *slugs* of the courses that user completed (one query)."""
    result: dict[int, set[str]] = {uid: set() for uid in user_ids}
    if not user_ids or not slugs:
        return result
    rows = db.session.execute(
        select(CourseCompletion.user_id, Course.slug)
        .join(Course, Course.id == CourseCompletion.course_id)
        .where(CourseCompletion.user_id.in_(user_ids), Course.slug.in_(list(slugs))))
    for user_id, slug in rows:
        result[user_id].add(slug)
    return result


def _all_slugs(programme: Programme) -> set[str]:
    return {slug for slugs in programme.courses.values() for slug in slugs}


def person_status(user: User, programme: Programme) -> PersonStatus:
    """Return *user*'s standing in *programme* (one query)."""
    required = programme.courses_for(user.job_role)
    done = completed_slugs([user.id], required)[user.id]
    return PersonStatus(user, required, frozenset(done))


def facility_readiness(facility, programme: Programme) -> FacilityReadiness:
    """Return *facility*'s standing against *programme*'s rule (two queries).

    Only active people count; managers are judged by the manager rule, learners by the
    staff share; both count for the job-role rule.
    """
    people = db.session.scalars(
        select(User).where(User.facility_id == facility.id, User.is_active,
                           User.role.in_(("learner", "manager")))
        .order_by(User.name_folded, User.id)
    ).all()
    done = completed_slugs([p.id for p in people], _all_slugs(programme))
    readiness = FacilityReadiness(programme)
    for person in people:
        required = programme.courses_for(person.job_role)
        status = PersonStatus(person, required, frozenset(done[person.id] & set(required)))
        (readiness.managers if person.role == "manager" else readiness.staff).append(status)
    return readiness
