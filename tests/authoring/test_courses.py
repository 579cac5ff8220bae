"""The studio's course forms end to end: create, edit, steps, preview, images, publish,
new version, restore, discard, archive, history and diff, learners — through the test client,
checking both the page and the database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.catalog.models import CourseMedia, MediaBlob
from portal.extensions import db
from portal.progress.services import mark_lesson_read, record_quiz_result
from tests.authoring.helpers import (
    SLUG,
    add_item,
    course_row,
    create_course,
    item,
    save_lesson,
    text,
    version,
)
from tests.conftest import ROOT
from tests.factories import create_user

PNG = (ROOT / "tests/fixtures/courses/hand-hygiene-records/media/handwash-chart.png").read_bytes()


def actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def course(studio):
    """A draft course with one lesson (saved) and one empty quiz."""
    assert create_course(studio).status_code == 302
    assert add_item(studio, "lesson", "why-privacy", "Vì sao cần bảo mật").status_code == 302
    assert save_lesson(studio, item("why-privacy")).status_code == 302
    return course_row()


def publish(client, note="First version"):
    return client.post(f"/studio/courses/{SLUG}/publish", data={"note": note})


def test_create_course_makes_a_draft_invisible_to_learners(app, studio, client):
    response = create_course(studio)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{SLUG}")
    course = course_row()
    assert course.status == "draft" and [v.status for v in course.versions] == ["draft"]
    assert course.versions[0].title == {"vi": "Bảo mật thông tin phòng khám",
                                        "en": "Clinic information privacy"}
    assert "course.created" in actions()
    page = text(studio.get("/studio"))
    assert "Bảo mật thông tin phòng khám" in page or "Clinic information privacy" in page
    learner = create_user("learner")
    client.post("/logout")
    client.post("/login", data={"email": learner.email, "password": "correct-horse-battery"})
    assert client.get(f"/courses/{SLUG}").status_code == 404
    assert SLUG not in text(client.get("/courses"))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"slug": "Bad Slug"}, "slug", "Use lowercase letters, digits and hyphens"),
    ({"title_vi": ""}, "title_vi", "This field is required"),
    ({"summary_vi": ""}, "summary_vi", "This field is required"),
])
def test_create_course_errors_are_shown_at_the_field(studio, data, field, message):
    values = {"slug": "new-course", "title_vi": "Khóa mới", "summary_vi": "Tóm tắt"}
    values.update(data)
    response = studio.post("/studio/courses", data=values)
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page and message in page
    assert course_row("new-course") is None


def test_a_taken_slug_is_refused_at_the_field(studio, course):
    response = create_course(studio)
    assert response.status_code == 422
    assert 'id="slug-error"' in text(response) and "already exists" in text(response)


def test_settings_are_saved_in_nfc_with_audience_and_requirements(studio, course):
    create_course(studio, "basics")
    lock = version().lock_version
    decomposed = "Bảo mật".replace("ả", "a\u0309")  # NFD as some keyboards type it
    response = studio.post(f"/studio/courses/{SLUG}/settings", data={
        "lock": lock, "title_vi": decomposed, "title_en": "Privacy",
        "summary_vi": "Tóm tắt", "summary_en": "", "audience": ["doctor", "nurse"],
        "minutes": "45", "position": "3", "requires": ["basics"], "certificate": "y",
        "reviewed_on": "2026-11-01"})
    assert response.status_code == 302, text(response)
    saved = version()
    assert saved.title == {"vi": "Bảo mật", "en": "Privacy"} and saved.summary == {"vi": "Tóm tắt"}
    assert saved.audience == ("doctor", "nurse") and saved.requires == ["basics"]
    assert saved.minutes == 45 and saved.position == 3 and saved.awards_certificate
    assert saved.lock_version == lock + 1
    assert "bao mat" in saved.search_text


def test_requirements_that_go_round_in_a_circle_are_refused(studio, course):
    create_course(studio, "basics")
    other = version("basics")
    assert studio.post("/studio/courses/basics/settings", data={
        "lock": other.lock_version, "title_vi": "Cơ bản", "summary_vi": "x",
        "requires": [SLUG]}).status_code == 302
    draft = version()
    response = studio.post(f"/studio/courses/{SLUG}/settings", data={
        "lock": draft.lock_version, "title_vi": "Bảo mật", "summary_vi": "x",
        "requires": ["basics"]})
    assert response.status_code == 422
    assert 'id="requires-error"' in text(response) and "circle" in text(response)


def test_steps_are_added_reordered_and_removed(studio, course):
    assert add_item(studio, "quiz", "check").status_code == 302
    assert add_item(studio, "lesson", "rules", "Quy định").status_code == 302
    assert [i.slug for i in version().items] == ["why-privacy", "check", "rules"]
    rules = item("rules")
    studio.post(f"/studio/courses/{SLUG}/items/{rules.id}/move", data={"direction": "up"})
    assert [(i.position, i.slug) for i in version().items] == [
        (1, "why-privacy"), (2, "rules"), (3, "check")]
    check = item("check")
    assert item("check").title == {"vi": "Bài kiểm tra", "en": "Quiz"}
    assert "Remove it" in text(studio.get(f"/studio/courses/{SLUG}/items/{check.id}/remove"))
    studio.post(f"/studio/courses/{SLUG}/items/{check.id}/remove")
    assert [(i.position, i.slug) for i in version().items] == [(1, "why-privacy"), (2, "rules")]


@pytest.mark.parametrize(("kind", "slug", "message"), [
    ("lesson", "why-privacy", "already has a step called why-privacy"),
    ("lesson", "Bad_slug", "Use lowercase letters"),
    ("lesson", "no-title", "The Vietnamese title is required"),
])
def test_adding_a_step_shows_errors_at_the_field(studio, course, kind, slug, message):
    response = add_item(studio, kind, slug, "" if slug == "no-title" else "Tiêu đề")
    assert response.status_code == 422 and message in text(response)
    assert len(version().items) == 1


def test_lesson_editor_saves_both_languages_and_marks_what_is_untranslated(studio, course):
    lesson = item("why-privacy")
    page = text(studio.get(f"/studio/courses/{SLUG}/items/{lesson.id}"))
    assert "not translated yet" in page and "Markdown in brief" in page
    assert '<h2 id="ho-so">Hồ sơ</h2>' in page  # the server-rendered preview
    response = save_lesson(studio, lesson, body_en="## Records\n\nKeep them closed.\r\n",
                           minutes="12", sources_vi="Nguồn 1\n\nNguồn 2")
    assert response.status_code == 302
    saved = item("why-privacy")
    assert saved.body == {"vi": "## Hồ sơ\n\nGiữ kín hồ sơ.",
                          "en": "## Records\n\nKeep them closed."}
    assert saved.minutes == 12 and saved.sources == {"vi": ["Nguồn 1", "Nguồn 2"]}
    page = text(studio.get(f"/studio/courses/{SLUG}/items/{saved.id}"))
    assert "not translated yet" not in page


def test_preview_button_renders_without_saving(studio, course):
    lesson = item("why-privacy")
    response = save_lesson(studio, lesson, body_vi="**đậm** <script>alert(1)</script>",
                           save="", preview="1")
    assert response.status_code == 200
    page = text(response)
    assert "<strong>đậm</strong>" in page and "<script>alert(1)" not in page
    assert item("why-privacy").body["vi"] == "## Hồ sơ\n\nGiữ kín hồ sơ."


def test_live_preview_endpoint_returns_sanitised_html(studio, course):
    lesson = item("why-privacy")
    response = studio.post(f"/studio/courses/{SLUG}/items/{lesson.id}/preview",
                           data={"text": '!!! law "Luật"\n    Điều 1\n\n'
                                         '<img src=x onerror=alert(1)>'})
    assert response.status_code == 200
    html = json.loads(response.data)["html"]
    assert "callout-law" in html and "onerror" not in html
    assert studio.post(f"/studio/courses/{SLUG}/items/{lesson.id}/preview").status_code == 400


def test_live_preview_needs_the_csrf_header_when_csrf_is_on(app, studio, course, monkeypatch):
    lesson = item("why-privacy")
    url = f"/studio/courses/{SLUG}/items/{lesson.id}/preview"
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert studio.post(url, data={"text": "x"}).status_code == 400
    page = text(studio.get(f"/studio/courses/{SLUG}/items/{lesson.id}"))
    token = page.split('id="csrf_token" name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = studio.post(url, data={"text": "*x*"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and "<em>x</em>" in json.loads(ok.data)["html"]


def test_image_upload_is_checked_stored_and_inserted_with_its_alt_text(studio, course):
    lesson = item("why-privacy")
    response = save_lesson(studio, lesson, save="", upload="1", alt="Biểu đồ rửa tay",
                           image=(__import__("io").BytesIO(PNG), "Biểu đồ rửa tay.PNG"))
    assert response.status_code == 302, text(response)
    media = db.session.scalar(select(CourseMedia))
    assert media.name == "bieu-do-rua-tay.png"
    assert db.session.get(MediaBlob, media.sha256).content_type == "image/png"
    assert item("why-privacy").body["vi"].endswith("![Biểu đồ rửa tay](media/bieu-do-rua-tay.png)")
    page = text(studio.get(f"/studio/courses/{SLUG}/items/{lesson.id}"))
    assert f'/media/{media.sha256}.png' in page  # the preview shows it from its stable URL
    assert "media/bieu-do-rua-tay.png" in text(studio.get(f"/studio/courses/{SLUG}"))


@pytest.mark.parametrize(("data", "name", "field", "message"), [
    (b"<script>alert(1)</script>", "chart.png", "image", "not a PNG, JPEG, GIF or WebP"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", "image",
     "SVG images are refused"),
    (PNG + b"0" * 4096, "huge.png", "image", "the limit is 5 MB"),
    (PNG, "chart.png", "alt", "Say what the image shows"),
])
def test_bad_uploads_are_refused_at_the_field(studio, course, data, name, field, message,
                                             monkeypatch):
    # The limit is 5 MB; a smaller one here keeps the test client from spooling to disk.
    monkeypatch.setattr("portal.authoring.media.MAX_MEDIA_BYTES", len(PNG) + 1024)
    lesson = item("why-privacy")
    response = save_lesson(studio, lesson, save="", upload="1",
                           alt="" if field == "alt" else "Ảnh",
                           image=(__import__("io").BytesIO(data), name))
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page and message in page
    assert db.session.scalar(select(CourseMedia)) is None
    assert db.session.scalar(select(MediaBlob)) is None


def test_publish_checks_the_draft_as_course_files_and_names_the_step(studio, course):
    add_item(studio, "quiz", "check")
    page = text(studio.get(f"/studio/courses/{SLUG}/publish"))
    assert "the quiz has no questions" in page and "02-check.gift" in page
    assert f'/studio/courses/{SLUG}/items/{item("check").id}' in page
    response = publish(studio)
    assert response.status_code == 422 and course_row().status == "draft"


def test_publish_needs_a_change_note(studio, course):
    response = publish(studio, note="")
    assert response.status_code == 422 and 'id="note-error"' in text(response)
    assert course_row().status == "draft"


def test_publish_then_edit_makes_a_new_version_and_keeps_the_old_frozen(studio, course, client):
    response = publish(studio)
    assert response.status_code == 302, text(response)
    course = course_row()
    assert course.status == "published" and course.live_version.number == 1
    v1 = version(number=1)
    assert v1.status == "published" and v1.change_note == "First version"
    assert len(v1.content_hash) == 64 and v1.minutes >= 1
    assert "course.published" in actions()
    # The published version is frozen: saving it is refused.
    lesson_v1 = item("why-privacy")
    frozen = save_lesson(studio, lesson_v1, body_vi="Sửa trộm")
    assert frozen.status_code == 422 and item("why-privacy", number=1).body["vi"] != "Sửa trộm"
    # "Start a new version" copies the live one into a draft.
    assert studio.post(f"/studio/courses/{SLUG}/draft").status_code == 302
    draft = version()
    assert draft.number == 2 and draft.status == "draft"
    lesson_v2 = item("why-privacy")
    assert lesson_v2.id != lesson_v1.id and lesson_v2.body == lesson_v1.body
    assert save_lesson(studio, lesson_v2, body_vi="## Hồ sơ\n\nBản mới.").status_code == 302
    assert item("why-privacy", number=1).body["vi"] == "## Hồ sơ\n\nGiữ kín hồ sơ."
    # Learners still read version 1 until version 2 is published.
    learner = create_user("learner", locale="en")
    client.post("/logout")
    client.post("/login", data={"email": learner.email, "password": "correct-horse-battery"})
    assert "Giữ kín hồ sơ" in text(client.get(f"/courses/{SLUG}/why-privacy"))
    client.post("/logout")
    trainer = create_user("trainer", locale="en")
    client.post("/login", data={"email": trainer.email, "password": "correct-horse-battery"})
    assert publish(client, "Bản mới").status_code == 302
    assert [v.status for v in course_row().versions] == ["superseded", "published"]


def test_publishing_an_unchanged_draft_is_refused(studio, course):
    publish(studio)
    studio.post(f"/studio/courses/{SLUG}/draft")
    response = publish(studio, "Nothing")
    assert response.status_code == 422 and "nothing to publish" in text(response)


def test_learners_keep_their_progress_across_versions(studio, course):
    publish(studio)
    learner = create_user("learner")
    mark_lesson_read(learner, course_row().live_version.items[0])
    db.session.commit()
    studio.post(f"/studio/courses/{SLUG}/draft")
    save_lesson(studio, item("why-privacy"), body_vi="## Hồ sơ\n\nBản 2.")
    publish(studio, "v2")
    from portal.progress.services import course_progress

    assert course_progress(learner, course_row().live_version).read == {"why-privacy"}


def test_history_diff_and_restore(studio, course, trainer):
    publish(studio)
    studio.post(f"/studio/courses/{SLUG}/draft")
    save_lesson(studio, item("why-privacy"), body_vi="## Hồ sơ\n\nGiữ kín hồ sơ.\n\nDòng mới.")
    add_item(studio, "lesson", "extra", "Bài thêm")
    save_lesson(studio, item("extra"), title_vi="Bài thêm", body_vi="Nội dung thêm")
    publish(studio, "Thêm bài")
    page = text(studio.get(f"/studio/courses/{SLUG}/versions"))
    assert "Thêm bài" in page and "First version" in page and trainer.name in page
    diff = text(studio.get(f"/studio/courses/{SLUG}/diff?old=1&new=2"))
    assert "Dòng mới." in diff and "<ins>" in diff and "Bài thêm" in diff and "Added" in diff
    assert studio.post(f"/studio/courses/{SLUG}/versions/1/restore").status_code == 302
    restored = version()
    assert restored.number == 3 and restored.status == "draft"
    assert [i.slug for i in restored.items] == ["why-privacy"]
    assert "course.version_restored" in actions()
    # One draft at a time.
    studio.post(f"/studio/courses/{SLUG}/versions/2/restore")
    assert len(course_row().versions) == 3


def test_discard_draft(studio, course):
    publish(studio)
    studio.post(f"/studio/courses/{SLUG}/draft")
    assert "Discard it" in text(studio.get(f"/studio/courses/{SLUG}/discard"))
    assert studio.post(f"/studio/courses/{SLUG}/discard").status_code == 302
    assert [v.number for v in course_row().versions] == [1]
    assert "course.draft_discarded" in actions()


def test_discarding_a_course_never_published_deletes_it(studio, course):
    assert studio.post(f"/studio/courses/{SLUG}/discard").status_code == 302
    assert course_row() is None


def test_archive_and_bring_back(studio, course, client):
    publish(studio)
    studio.post(f"/studio/courses/{SLUG}/archive")
    assert course_row().status == "archived"
    learner = create_user("learner")
    other = __import__("flask").current_app.test_client()
    other.post("/login", data={"email": learner.email, "password": "correct-horse-battery"})
    assert other.get(f"/courses/{SLUG}").status_code == 404
    studio.post(f"/studio/courses/{SLUG}/archive")
    assert course_row().status == "published"
    assert other.get(f"/courses/{SLUG}").status_code == 200
    assert {"course.archived", "course.unarchived"} <= set(actions())


def test_learner_funnel_counts_each_step(studio, course, count_queries):
    add_item(studio, "quiz", "check")
    publish_ready_quiz(studio)
    assert publish(studio).status_code == 302
    live = course_row().live_version
    lesson, quiz = live.items
    for n in range(3):
        learner = create_user("learner")
        mark_lesson_read(learner, lesson)
        if n == 0:
            record_quiz_result(learner, quiz, passed=True)
    db.session.commit()
    with count_queries() as counter:
        page = text(studio.get(f"/studio/courses/{SLUG}/learners"))
    assert '<dd id="started">3</dd>' in page
    assert 'id="step-why-privacy"' in page
    row = page.split('id="step-check"')[1].split("</tr>")[0]
    assert '<td class="done">1</td>' in row
    first = counter.count
    for _n in range(4):
        mark_lesson_read(create_user("learner"), lesson)
    db.session.commit()
    with count_queries() as counter:
        studio.get(f"/studio/courses/{SLUG}/learners")
    assert counter.count == first


def publish_ready_quiz(client):
    quiz = item("check")
    response = client.post(f"/studio/courses/{SLUG}/items/{quiz.id}/gift", data={
        "text": "::q1::Mật khẩu mặc định có an toàn không?{FALSE}\n", "lang": "vi",
        "save": "1"})
    assert response.status_code == 302, text(response)


def test_course_pages_run_a_fixed_number_of_queries(studio, course, count_queries):
    def count(path):
        with count_queries() as counter:
            assert studio.get(path).status_code == 200
        return counter.count

    pages = [f"/studio/courses/{SLUG}", "/studio", f"/studio/courses/{SLUG}/versions"]
    before = [count(p) for p in pages]
    for n in range(3):
        add_item(studio, "lesson", f"more-{n}", "Thêm")
        create_course(studio, f"other-{n}")
    assert [count(p) for p in pages] == before
