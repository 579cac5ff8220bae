"""The trainers' studio: courses, their versions, publishing, .zip files and learner figures.

Views parse the form, call one service, commit once, then redirect or render; a service
error is shown at the field it names. Lessons and quizzes are in
:mod:`portal.authoring.item_views`, questions in :mod:`portal.authoring.question_views`.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.authoring.access import (
    STUDIO_ROLES,
    bp,
    get_course_or_404,
    get_version_or_404,
    working_version,
)
from portal.authoring.forms import CourseForm, ImportForm, ItemForm, NewCourseForm, PublishForm
from portal.authoring.media import used_media
from portal.authoring.publishing import (
    PublishBlocked,
    check_version,
    export_zip,
    import_zip,
    publish,
)
from portal.authoring.reports import diff_versions, learner_funnel
from portal.authoring.services import (
    CourseValues,
    EditConflict,
    StudioError,
    create_course,
    get_draft,
    update_course,
)
from portal.authoring.versions import (
    archive_course,
    discard_draft,
    restore_version,
    start_draft,
    unarchive_course,
)
from portal.catalog.models import Course, CourseMedia, CourseVersion
from portal.catalog.views import media_url
from portal.extensions import db
from portal.forms import EmptyForm, attach_error
from portal.quizzes.models import QuizQuestion
from portal.security import roles_required, safe_next_url

studio = roles_required(*STUDIO_ROLES)


def _button_or_400() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _course_url(course: Course) -> str:
    return url_for("authoring.course", course=course.slug)


@bp.route("")
@studio
def index():
    """Every course, whatever its status, with its draft and live versions; create, import."""
    latest = (select(CourseVersion.course_id, func.max(CourseVersion.number).label("n"))
              .group_by(CourseVersion.course_id).subquery())
    rows = db.session.execute(
        select(Course, CourseVersion)
        .join(latest, latest.c.course_id == Course.id)
        .join(CourseVersion, (CourseVersion.course_id == Course.id)
              & (CourseVersion.number == latest.c.n))
        .options(selectinload(Course.live_version))
        .order_by(CourseVersion.position, Course.slug)).all()
    return render_template("authoring/index.html", rows=rows, form=NewCourseForm(),
                           import_form=ImportForm())


@bp.route("/courses", methods=["POST"])
@studio
def create():
    """Create a course with an empty draft, then open it."""
    form = NewCourseForm()
    if form.validate_on_submit():
        try:
            course = create_course(
                form.slug.data, {"vi": form.title_vi.data, "en": form.title_en.data},
                {"vi": form.summary_vi.data, "en": form.summary_en.data}, current_user)
        except StudioError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Course created. Add its lessons and quizzes."), "success")
            return redirect(_course_url(course))
    return render_template("authoring/new_course.html", form=form), 422


@bp.route("/import", methods=["POST"])
@studio
def import_archive():
    """Import a .zip of course folders as drafts, or list every error in it."""
    form = ImportForm()
    upload = request.files.get("archive")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        form.archive.errors = [*form.archive.errors, _("Choose a .zip file.")]
        return render_template("authoring/import.html", form=form, outcome=None), 422
    outcome = import_zip(upload.read(), upload.filename, current_user)
    if outcome.report is None:
        db.session.rollback()
        return render_template("authoring/import.html", form=form, outcome=outcome), 422
    db.session.commit()
    report = outcome.report
    if not report.changed:
        flash(_("Nothing to import: the courses in the .zip say what their latest versions "
                "already say."), "info")
    else:
        flash(_("Imported as drafts: %(courses)s. Check them, then publish.",
                courses=", ".join(report.created + report.updated)), "success")
    if outcome.skipped:
        flash(_("Left out: %(files)s (programmes are managed by administrators).",
                files=", ".join(outcome.skipped)), "info")
    slugs = report.created + report.updated
    if len(slugs) == 1:
        return redirect(url_for("authoring.course", course=slugs[0]))
    return redirect(url_for("authoring.index"))


@bp.route("/courses/<course>")
@studio
def course(course: str):
    """A course as the studio shows it: its draft (or live version), steps and images."""
    course_row = get_course_or_404(course)
    version = working_version(course_row)
    counts = dict(db.session.execute(
        select(QuizQuestion.quiz_id, func.count(QuizQuestion.id))
        .where(QuizQuestion.quiz_id.in_([i.id for i in version.items if i.is_quiz]))
        .group_by(QuizQuestion.quiz_id)).all()) if any(i.is_quiz for i in version.items) else {}
    media = list(db.session.scalars(select(CourseMedia).where(
        CourseMedia.version_id == version.id).options(selectinload(CourseMedia.blob))
        .order_by(CourseMedia.name)))
    return render_template("authoring/course.html", course=course_row, version=version,
                           draft=get_draft(course_row), counts=counts, media=media,
                           used=used_media(version), item_form=ItemForm(),
                           urls={m.name: media_url(m.sha256, m.blob.content_type)
                                 for m in media},
                           button=EmptyForm())


def _course_form(course: Course, version: CourseVersion, formdata=None) -> CourseForm:
    data = None if formdata is not None else {
        "lock": version.lock_version, "title_vi": version.title.get("vi"),
        "title_en": version.title.get("en"), "summary_vi": version.summary.get("vi"),
        "summary_en": version.summary.get("en"), "audience": list(version.audience),
        "minutes": version.minutes or None, "position": version.position,
        "requires": list(version.requires), "certificate": version.awards_certificate,
        "reviewed_on": version.reviewed_on}
    form = CourseForm(formdata=formdata, data=data) if data else CourseForm()
    others = db.session.execute(select(Course.slug).where(Course.id != course.id)
                                .order_by(Course.slug)).scalars()
    form.requires.choices = [SelectChoice(slug, slug) for slug in others]
    return form


@bp.route("/courses/<course>/settings", methods=["GET", "POST"])
@studio
def settings(course: str):
    """The draft's titles, summaries, audience and settings."""
    course_row = get_course_or_404(course)
    version = working_version(course_row)
    if request.method == "GET":
        return render_template("authoring/settings.html", course=course_row, version=version,
                               form=_course_form(course_row, version, None),
                               button=EmptyForm())
    form = _course_form(course_row, version, request.form)
    status, theirs = 422, None
    if form.validate_on_submit():
        values = CourseValues(
            title={"vi": form.title_vi.data, "en": form.title_en.data},
            summary={"vi": form.summary_vi.data, "en": form.summary_en.data},
            audience=form.audience.data or [], minutes=form.minutes.data or 0,
            position=form.position.data or 0, requires=form.requires.data or [],
            certificate=form.certificate.data, reviewed_on=form.reviewed_on.data)
        try:
            update_course(version, values, form.lock.data, current_user)
        except EditConflict as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status, theirs = 409, db.session.get(CourseVersion, version.id)
            set_lock(form, theirs.lock_version)
        except StudioError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(_course_url(course_row))
    return render_template("authoring/settings.html", course=course_row, version=version,
                           form=form, theirs=theirs, button=EmptyForm()), status


def set_lock(form, value: int) -> None:
    """Make *form* carry lock version *value*, so that saving again replaces what is stored."""
    form.lock.data = value
    form.lock.raw_data = [str(value)]


@bp.route("/courses/<course>/draft", methods=["POST"])
@studio
def new_draft(course: str):
    """Start a new version: a draft copying the live one (or open the draft there is)."""
    course_row = get_course_or_404(course)
    _button_or_400()
    had = get_draft(course_row) is not None
    draft = start_draft(course_row, current_user)
    db.session.commit()
    if not had:
        flash(_("Version %(num)d started as a draft: learners keep reading the published "
                "version until you publish this one.", num=draft.number), "success")
    target = safe_next_url(request.form.get("next"), _course_url(course_row))
    return redirect(target if target.startswith("/studio/") else _course_url(course_row))


@bp.route("/courses/<course>/discard", methods=["GET", "POST"])
@studio
def discard(course: str):
    """Throw the draft away, after a confirmation."""
    course_row = get_course_or_404(course)
    draft = get_draft(course_row)
    if draft is None:
        flash(_("This course has no draft."), "info")
        return redirect(_course_url(course_row))
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        deleted = discard_draft(course_row, current_user)
        db.session.commit()
        flash(_("The draft was discarded."), "success")
        return redirect(url_for("authoring.index") if deleted else _course_url(course_row))
    return render_template("authoring/discard.html", course=course_row, draft=draft,
                           form=form, whole=len(course_row.versions) == 1)


@bp.route("/courses/<course>/publish", methods=["GET", "POST"])
@studio
def publish_draft(course: str):
    """Check the draft as course files are checked, then publish it with a change note."""
    course_row = get_course_or_404(course)
    draft = get_draft(course_row)
    if draft is None:
        flash(_("There is no draft to publish: start a new version first."), "info")
        return redirect(_course_url(course_row))
    form = PublishForm()
    problems, _loaded = check_version(draft)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            publish(course_row, draft, form.note.data, current_user)
        except PublishBlocked as exc:
            db.session.rollback()
            problems, status = exc.problems, 422
        except StudioError as exc:
            db.session.rollback()
            attach_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("Version %(num)d is published: learners now read it.",
                    num=draft.number), "success")
            return redirect(_course_url(course_row))
    elif request.method == "POST":
        status = 422
    items = {item.position: item for item in draft.items}
    return render_template("authoring/publish.html", course=course_row, draft=draft,
                           form=form, problems=problems, items=items), status


@bp.route("/courses/<course>/archive", methods=["POST"])
@studio
def archive(course: str):
    """Retire the course: learners no longer see it."""
    course_row = get_course_or_404(course)
    _button_or_400()
    try:
        if course_row.status == "archived":
            unarchive_course(course_row, current_user)
            message = _("The course is back in the catalogue.") \
                if course_row.status == "published" else _("The course is no longer archived.")
        else:
            archive_course(course_row, current_user)
            message = _("The course is archived: learners no longer see it.")
    except StudioError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(_course_url(course_row))


@bp.route("/courses/<course>/versions")
@studio
def versions(course: str):
    """Every version of the course: who, when, the note; compare, export, restore."""
    course_row = get_course_or_404(course)
    ids = {v.created_by_id for v in course_row.versions if v.created_by_id}
    published_by: dict[int, int] = {}
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "course.published", AuditEvent.object_type == "courses",
            AuditEvent.object_id == str(course_row.id)).order_by(AuditEvent.id)):
        if event.actor_id and isinstance(event.detail.get("version"), int):
            published_by[event.detail["version"]] = event.actor_id
            ids.add(event.actor_id)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} \
        if ids else {}
    return render_template("authoring/versions.html", course=course_row,
                           versions=list(reversed(course_row.versions)), users=users,
                           published_by=published_by, draft=get_draft(course_row),
                           button=EmptyForm())


@bp.route("/courses/<course>/diff")
@studio
def diff(course: str):
    """What changed between two versions (by default the working one and the one before)."""
    course_row = get_course_or_404(course)
    numbers = [v.number for v in course_row.versions]
    new = request.args.get("new", type=int) or working_version(course_row).number
    old = request.args.get("old", type=int) or max((n for n in numbers if n < new),
                                                   default=new)
    changes = diff_versions(get_version_or_404(course_row, old),
                            get_version_or_404(course_row, new))
    return render_template("authoring/diff.html", course=course_row, diff=changes,
                           numbers=numbers)


@bp.route("/courses/<course>/versions/<int:number>/restore", methods=["POST"])
@studio
def restore(course: str, number: int):
    """Start a new draft holding what an older version said."""
    course_row = get_course_or_404(course)
    source = get_version_or_404(course_row, number)
    _button_or_400()
    try:
        draft = restore_version(course_row, source, current_user)
    except StudioError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("authoring.versions", course=course_row.slug))
    db.session.commit()
    flash(_("Version %(old)d restored as the draft of version %(new)d. Publish it to make it "
            "live.", old=number, new=draft.number), "success")
    return redirect(_course_url(course_row))


@bp.route("/courses/<course>/export.zip")
@studio
def export(course: str):
    """Download a version (by default the working one) as a .zip of course files."""
    course_row = get_course_or_404(course)
    number = request.args.get("version", type=int)
    version = get_version_or_404(course_row, number) if number else working_version(course_row)
    name, data = export_zip(version)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/courses/<course>/learners")
@studio
def learners(course: str):
    """How learners move through the course: started, each step, completed."""
    course_row = get_course_or_404(course)
    version = course_row.live_version or working_version(course_row)
    return render_template("authoring/learners.html", course=course_row, version=version,
                           funnel=learner_funnel(course_row, version))


from portal.authoring import item_views, question_views  # noqa: E402,F401  (their routes)
