"""Importing course files into the database: versions, freezing, progress, drafts, media.

These call :func:`~portal.catalog.importer.import_specs` (through ``tests.factories``) on a
real database, then look at the rows it wrote.
"""

from __future__ import annotations

import datetime
import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from portal.audit import AuditEvent
from portal.catalog.importer import course_hash, import_specs
from portal.catalog.loader import load_tree
from portal.catalog.models import Course, CourseItem, CourseMedia, CourseVersion, MediaBlob
from portal.catalog.queries import get_course_or_404
from portal.certification.models import Programme
from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead
from portal.progress.services import course_progress, mark_lesson_read, record_quiz_result
from portal.quizzes.models import QuizQuestion
from tests.factories import FIXTURE_COURSES, create_user, get_course, import_courses

HH = "hand-hygiene-records"
WIFI = "clinic-wifi-safety"
PNG = FIXTURE_COURSES / HH / "media" / "handwash-chart.png"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the fixture courses."""
    return Path(shutil.copytree(FIXTURE_COURSES, tmp_path / "courses"))


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot() -> dict[str, list[tuple]]:
    """Return every row of every table, to show that an import changed nothing at all."""
    return {
        table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
        for table in db.metadata.sorted_tables
    }


def version_rows(version_id: int) -> dict[str, list[tuple]]:
    """Return the rows that make up a course version (but its status): items, questions…"""
    items = select(CourseItem.id).where(CourseItem.version_id == version_id)
    version_columns = [c for c in CourseVersion.__table__.c if c.name != "status"]
    queries = {
        "version": select(*version_columns).where(CourseVersion.id == version_id),
        "items": select(CourseItem.__table__).where(CourseItem.version_id == version_id),
        "questions": select(QuizQuestion.__table__).where(QuizQuestion.quiz_id.in_(items)),
        "media": select(CourseMedia.__table__).where(CourseMedia.version_id == version_id),
    }
    rows = {name: sorted(map(tuple, db.session.execute(q)), key=repr)
            for name, q in queries.items()}
    return rows


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --------------------------------------------------------------------------- first import


def test_first_import_creates_courses_and_versions():
    report = import_courses()
    assert report.created == [WIFI, HH]  # catalogue order
    assert (report.updated, report.published, report.unchanged) == ([], [], [])
    assert report.programmes == 1 and report.changed
    assert (count(Course), count(CourseVersion)) == (2, 2)

    specs = {spec.slug: spec for spec in load_tree(FIXTURE_COURSES).courses}
    course, version = get_course(HH)
    assert course.status == "published"
    assert course.live_version_id == version.id
    assert (version.number, version.status) == (1, "published")
    assert version.published_at is not None and version.created_by_id is None
    assert version.title == {"vi": "Hồ sơ vệ sinh tay điện tử",
                             "en": "Electronic hand-hygiene records"}
    assert version.summary == specs[HH].summary
    assert version.audience == ("doctor", "nurse", "midwife")
    assert (version.minutes, version.position, version.awards_certificate) == (45, 2, False)
    assert version.requires == [WIFI]
    assert version.reviewed_on == datetime.date(2026, 11, 20)
    assert version.content_hash == course_hash(specs[HH])
    assert "ho so ve sinh tay dien tu" in version.search_text  # folded for search
    _, wifi = get_course(WIFI)
    assert (wifi.position, wifi.awards_certificate, wifi.audience) == (1, True, ())


def test_first_import_creates_lessons_and_quizzes():
    import_courses()
    _, version = get_course(HH)
    assert [(i.position, i.kind, i.slug) for i in version.items] == [
        (1, "lesson", "why-records"),
        (2, "lesson", "audit-checklist"),
        (3, "quiz", "check"),
    ]
    lesson = version.items[0]
    spec = load_tree(FIXTURE_COURSES).courses[1].item("why-records")
    assert lesson.title == spec.title and lesson.minutes == 8
    assert lesson.body == spec.body and set(lesson.body) == {"vi", "en"}
    assert lesson.sources == {"vi": list(spec.sources)}
    assert lesson.pass_mark is None and lesson.questions == []

    quiz = version.items[2]
    assert quiz.title == {"vi": "Kiểm tra cuối khóa", "en": "Final check"}
    assert (quiz.pass_mark, quiz.max_attempts, quiz.time_limit, quiz.draw, quiz.shuffle,
            quiz.feedback) == (80, 3, 15, 5, True, "after_submit")
    assert [(q.position, q.name, q.qtype) for q in quiz.questions] == [
        (1, "five-moments", "numerical"),
        (2, "record-owner", "single_choice"),
        (3, "alcohol-rub", "true_false"),
        (4, "audit-fields", "multiple_response"),
        (5, "observer", "short_answer"),
        (6, "match-terms", "matching"),
    ]
    question = load_tree(FIXTURE_COURSES).courses[1].item("check").questions
    assert quiz.questions[1].question("vi") == question["vi"][1]
    assert quiz.questions[1].question("en") == question["en"][1]
    _, wifi = get_course(WIFI)
    assert wifi.items[2].title == {"vi": "Bài kiểm tra", "en": "Quiz"}
    assert (wifi.items[2].feedback, wifi.items[2].shuffle) == ("after_pass", False)


def test_first_import_stores_media_and_programmes():
    import_courses()
    _, version = get_course(HH)
    (media,) = version.media
    digest = hashlib.sha256(PNG.read_bytes()).hexdigest()
    assert (media.name, media.sha256) == ("handwash-chart.png", digest)
    blob = db.session.get(MediaBlob, digest)
    assert blob.data == PNG.read_bytes()
    assert (blob.content_type, blob.size) == ("image/png", PNG.stat().st_size)
    _, wifi = get_course(WIFI)
    assert wifi.media == []

    programme = db.session.scalar(select(Programme))
    assert programme.slug == "safe-clinic-2026" and programme.is_active
    assert programme.title == {"vi": "Phòng khám an toàn số 2026",
                               "en": "Digitally safe clinic 2026"}
    assert programme.courses == {"all": [WIFI], "nurse": [HH], "doctor": [HH]}
    assert (programme.validity_months, programme.manager_required, programme.staff_share) == (
        36, True, 80)
    assert programme.roles_any == ["it", "administrative"]
    assert programme.courses_for("nurse") == (WIFI, HH)


def test_import_that_changes_something_is_audited():
    import_courses()
    assert audit_actions() == ["course.version_created", "course.version_created",
                               "courses.imported"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "courses.imported"))
    assert event.actor_id is None  # the command line
    assert event.detail == {"created": [WIFI, HH], "updated": [], "published": [],
                            "programmes": 1}


def test_import_by_a_user_names_them(tree):
    trainer = create_user(role="trainer")
    result = load_tree(tree)
    import_specs(result, actor=trainer)
    db.session.commit()
    _, version = get_course(WIFI)
    assert version.created_by_id == trainer.id
    assert set(db.session.scalars(select(AuditEvent.actor_id).where(
        AuditEvent.action.like("course%")))) == {trainer.id}


# --------------------------------------------------------------------------- idempotence


def test_importing_the_same_files_twice_changes_nothing():
    import_courses()
    before, events = snapshot(), count(AuditEvent)
    report = import_courses()
    assert report.unchanged == [WIFI, HH]
    assert (report.created, report.updated, report.published) == ([], [], [])
    assert report.programmes == 0 and not report.changed
    assert count(AuditEvent) == events  # nothing happened, so nothing is logged
    assert snapshot() == before


def test_only_the_changed_course_gets_a_new_version(tree):
    import_courses(tree)
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    report = import_courses(tree)
    assert (report.updated, report.unchanged, report.created) == ([WIFI], [HH], [])
    assert report.programmes == 0
    assert [v.number for v in get_course(HH)[0].versions] == [1]
    assert [v.number for v in get_course(WIFI)[0].versions] == [1, 2]


def test_where_a_question_starts_in_its_file_is_no_change(tree):
    import_courses(tree)
    edit(tree / WIFI / "03-check.gift", "$CATEGORY:", "// Soạn lại: 2026\n\n$CATEGORY:")
    before = load_tree(FIXTURE_COURSES).courses[0]
    after = load_tree(tree).courses[0]
    assert after == before and after.items[2].questions["vi"][0].line == 6
    assert course_hash(after) == course_hash(before)
    assert import_courses(tree).unchanged == [WIFI, HH]


def test_a_changed_programme_alone_is_updated(tree):
    import_courses(tree)
    edit(tree / "programmes.yml", "staff_share: 80", "staff_share: 90")
    report = import_courses(tree)
    assert report.programmes == 1 and report.unchanged == [WIFI, HH]
    assert db.session.scalar(select(Programme.staff_share)) == 90
    assert count(CourseVersion) == 2


# --------------------------------------------------------------------------- new versions


def test_a_changed_lesson_creates_version_2_and_freezes_version_1(tree):
    import_courses(tree)
    course, v1 = get_course(WIFI)
    v1_id, v1_rows = v1.id, version_rows(v1.id)
    old_body = v1.items[0].body["vi"]
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")

    report = import_courses(tree)
    assert report.updated == [WIFI]
    course, v2 = get_course(WIFI)
    assert (v2.number, v2.status) == (2, "published")
    assert course.live_version_id == v2.id and course.status == "published"
    assert "Hãy đổi ngay, đổi ng" in v2.items[0].body["vi"]
    v1 = db.session.get(CourseVersion, v1_id)
    assert v1.status == "superseded" and v1.is_frozen
    assert v1.items[0].body["vi"] == old_body
    assert version_rows(v1_id) == v1_rows  # every row of version 1 is as it was
    assert [a for a in audit_actions() if a == "course.version_created"] == [
        "course.version_created"] * 3


def test_a_removed_lesson_leaves_version_1_whole(tree):
    import_courses(tree)
    v1_id = get_course(WIFI)[1].id
    (tree / WIFI / "02-guest-network.md").unlink()
    (tree / WIFI / "02-guest-network.en.md").unlink()
    import_courses(tree)
    _, v2 = get_course(WIFI)
    assert [i.slug for i in v2.items] == ["home-router", "check"]
    v1 = db.session.get(CourseVersion, v1_id)
    assert [i.slug for i in v1.items] == ["home-router", "guest-network", "check"]


# --------------------------------------------------------------------------- progress


def read_lessons(user, version, *slugs):
    for item in version.items:
        if item.slug in slugs:
            mark_lesson_read(user, item)
    db.session.commit()


def test_a_lesson_read_on_version_1_stays_read_on_version_2(tree):
    import_courses(tree)
    learner = create_user()
    read_lessons(learner, get_course(WIFI)[1], "home-router")
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    import_courses(tree)

    _, v2 = get_course(WIFI)
    assert v2.number == 2
    progress = course_progress(learner, v2)
    assert progress.read == {"home-router"}
    assert (progress.done, progress.total) == (1, 3)


def test_a_removed_lesson_leaves_the_learners_progress(tree):
    import_courses(tree)
    learner = create_user()
    read_lessons(learner, get_course(WIFI)[1], "home-router", "guest-network")
    assert course_progress(learner, get_course(WIFI)[1]).read == {"home-router",
                                                                 "guest-network"}
    (tree / WIFI / "02-guest-network.md").unlink()
    (tree / WIFI / "02-guest-network.en.md").unlink()
    import_courses(tree)

    _, v2 = get_course(WIFI)
    progress = course_progress(learner, v2)
    assert progress.read == {"home-router"}
    assert (progress.done, progress.total, progress.percent) == (1, 2, 50)
    assert count(LessonRead) == 2  # the record stays, naming the version it was made on


def test_a_completion_keeps_the_version_it_was_earned_on(tree):
    import_courses(tree)
    learner = create_user()
    _, v1 = get_course(WIFI)
    read_lessons(learner, v1, "home-router", "guest-network")
    completion = record_quiz_result(learner, v1.items[2], passed=True)
    db.session.commit()
    assert completion is not None and completion.version_id == v1.id
    v1_id = v1.id

    shutil.copy(tree / WIFI / "02-guest-network.md", tree / WIFI / "04-more-guests.md")
    import_courses(tree)

    _, v2 = get_course(WIFI)
    assert v2.number == 2 and len(v2.items) == 4
    (kept,) = db.session.scalars(select(CourseCompletion)).all()
    assert kept.version_id == v1_id
    progress = course_progress(learner, v2)
    assert progress.completion.version_id == v1_id and progress.percent == 100
    assert progress.completion.completed_at == kept.completed_at


# --------------------------------------------------------------------------- drafts


def test_a_draft_import_keeps_the_course_invisible():
    report = import_courses(draft=True)
    assert report.created == [WIFI, HH]
    course, live = get_course(WIFI)
    assert (course.status, live) == ("draft", None)
    assert [(v.number, v.status, v.published_at) for v in course.versions] == [
        (1, "draft", None)]
    learner = create_user()
    with pytest.raises(NotFound):
        get_course_or_404(WIFI, learner)
    trainer = create_user(role="trainer")
    assert get_course_or_404(WIFI, trainer)[1].number == 1  # who may preview, may


def test_a_normal_import_publishes_the_draft_without_a_new_version():
    import_courses(draft=True)
    assert import_courses(draft=True).unchanged == [WIFI, HH]
    report = import_courses()
    assert report.published == [WIFI, HH]
    assert (report.created, report.updated, report.unchanged) == ([], [], [])
    course, live = get_course(WIFI)
    assert course.status == "published"
    assert (live.number, live.status) == (1, "published") and live.published_at is not None
    assert count(CourseVersion) == 2
    assert get_course_or_404(WIFI, create_user())[1].id == live.id
    assert import_courses().unchanged == [WIFI, HH]


def test_a_draft_of_a_published_course_leaves_the_live_version(tree):
    import_courses(tree)
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    assert import_courses(tree, draft=True).updated == [WIFI]
    course, live = get_course(WIFI)
    assert course.status == "published" and live.number == 1
    assert [(v.number, v.status) for v in course.versions] == [(1, "published"), (2, "draft")]

    assert import_courses(tree).published == [WIFI]
    course, live = get_course(WIFI)
    assert live.number == 2
    assert [(v.number, v.status) for v in course.versions] == [(1, "superseded"),
                                                               (2, "published")]


# --------------------------------------------------------------------------- all or nothing


def test_import_of_files_with_errors_is_refused(tree):
    edit(tree / HH / "course.yml", "order: 2\n", "order: 2\ncolour: blue\n")
    result = load_tree(tree)
    assert not result.ok and result.courses  # the good course was read…
    with pytest.raises(ValueError, match="errors cannot be imported"):
        import_specs(result)
    assert (count(Course), count(Programme), count(AuditEvent)) == (0, 0, 0)  # …and not kept


def test_cli_imports_nothing_when_one_course_is_broken(runner, tree):
    shutil.copytree(tree / WIFI, tree / "wifi-copy")  # a third, good course
    edit(tree / HH / "01-why-records.md", 'title: "Vì sao', 'titel: "Vì sao')
    result = runner.invoke(args=["courses", "import", str(tree)])
    assert result.exit_code == 1
    db.session.rollback()
    for model in (Course, CourseVersion, CourseItem, MediaBlob, Programme, AuditEvent):
        assert count(model) == 0, model


def test_cli_changes_nothing_in_a_filled_database_when_a_course_is_broken(runner, tree):
    import_courses(tree)
    before = snapshot()
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    edit(tree / "programmes.yml", "staff_share: 80", "staff_share: 90")
    (tree / HH / "media" / "x.png").write_bytes(b"<svg/>")
    result = runner.invoke(args=["courses", "import", str(tree)])
    assert result.exit_code == 1
    db.session.rollback()
    assert snapshot() == before


# --------------------------------------------------------------------------- media


def test_an_image_is_stored_once_whatever_uses_it(tree):
    (tree / WIFI / "media").mkdir()
    shutil.copy(PNG, tree / WIFI / "media" / "router-chart.png")
    shutil.copy(PNG, tree / WIFI / "media" / "same-chart.png")
    edit(tree / WIFI / "01-home-router.md", "## Đổi mật khẩu quản trị\n",
         "## Đổi mật khẩu quản trị\n\n![Biểu đồ](media/router-chart.png)\n")
    import_courses(tree)
    digest = hashlib.sha256(PNG.read_bytes()).hexdigest()
    assert count(MediaBlob) == 1
    assert sorted(db.session.execute(select(CourseMedia.name, CourseMedia.sha256))) == [
        ("handwash-chart.png", digest), ("router-chart.png", digest),
        ("same-chart.png", digest)]

    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    import_courses(tree)  # version 2 names the same image again
    assert count(MediaBlob) == 1 and count(CourseMedia) == 5


def test_an_image_already_stored_is_not_written_again(tree):
    import_courses(tree)
    digest = hashlib.sha256(PNG.read_bytes()).hexdigest()
    blob_before = snapshot()["media_blobs"]
    (tree / HH / "media" / "handwash-copy.png").write_bytes(PNG.read_bytes())
    assert import_courses(tree).updated == [HH]
    assert snapshot()["media_blobs"] == blob_before
    _, version = get_course(HH)
    assert {m.name: m.sha256 for m in version.media} == {"handwash-chart.png": digest,
                                                         "handwash-copy.png": digest}


# --------------------------------------------------------------------------- one folder


def test_a_single_course_folder_may_require_an_imported_course(tree):
    assert import_courses(tree / WIFI).created == [WIFI]
    assert count(Programme) == 0  # programmes.yml sits in courses/, not in a course
    assert import_courses(tree / HH).created == [HH]
    assert get_course(HH)[1].requires == [WIFI]
    assert import_courses(tree).unchanged == [WIFI, HH]
