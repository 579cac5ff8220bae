"""The learner's dashboard: courses in progress, completed, and what the programme asks."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.catalog.models import Course, CourseVersion
from portal.certification.models import Programme
from portal.extensions import db
from portal.progress.models import CourseCompletion
from portal.progress.queries import summaries_for
from portal.security import login_required

bp = Blueprint("progress", __name__)


@bp.route("/me")
@login_required
def me():
    """The signed-in person's own page: their learning at a glance."""
    courses = db.session.scalars(
        select(Course).join(CourseVersion, CourseVersion.id == Course.live_version_id)
        .where(Course.status == "published")
        .options(contains_eager(Course.live_version))
        .order_by(CourseVersion.position, Course.slug)
    ).all()
    summaries = summaries_for(current_user, courses)
    completions = db.session.scalars(
        select(CourseCompletion)
        .join(CourseCompletion.course).join(CourseCompletion.version)
        .options(contains_eager(CourseCompletion.course),
                 contains_eager(CourseCompletion.version))
        .where(CourseCompletion.user_id == current_user.id)
        .order_by(CourseCompletion.completed_at.desc())
    ).all()
    programme = db.session.scalar(
        select(Programme).where(Programme.is_active)
        .order_by(Programme.position, Programme.slug).limit(1))
    by_slug = {c.slug: c for c in courses}
    required = []
    if programme is not None:
        required = [(slug, by_slug.get(slug)) for slug in
                    programme.courses_for(current_user.job_role)]
    in_progress = [c for c in courses if summaries[c.id].state == "in_progress"]
    done_slugs = {completion.course.slug for completion in completions}
    return render_template(
        "progress/me.html", courses=courses, summaries=summaries, completions=completions,
        programme=programme, required=required, in_progress=in_progress,
        required_done=sum(1 for slug, _course in required if slug in done_slugs),
        done_slugs=done_slugs,
    )
