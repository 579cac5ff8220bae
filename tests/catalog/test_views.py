"""The course library as a learner meets it: catalogue, course page, lesson reader, images."""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import func, select

from portal.catalog import frozen
from portal.catalog.models import Course
from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead
from portal.progress.services import mark_lesson_read, record_quiz_result
from portal.rendering import _render_cached
from tests.conftest import ROOT
from tests.factories import FIXTURE_COURSES, create_user, get_course, import_courses

WIFI = "clinic-wifi-safety"
HYGIENE = "hand-hygiene-records"


@pytest.fixture(autouse=True)
def _english():
    """Pages pick their own language here (the package's conftest forces English)."""
    yield


@pytest.fixture
def courses(app):
    with app.app_context():
        import_courses()


def detached(user):
    """Return *user* loaded and detached, usable after its app context ends."""
    db.session.refresh(user)
    db.session.expunge(user)
    return user


@pytest.fixture
def learner(app, courses):
    with app.app_context():
        return detached(create_user(locale="en"))


def _text(response) -> str:
    return response.get_data(as_text=True)


def _pass_everything(user, slug):
    """Read every lesson and pass every quiz of *slug* through the services."""
    _course, version = get_course(slug)
    for item in version.items:
        if item.is_quiz:
            record_quiz_result(user, item, passed=True)
        else:
            mark_lesson_read(user, item)
    db.session.commit()


# --------------------------------------------------------------------------- catalogue


def test_catalogue_lists_published_courses_in_vietnamese_by_default(client, courses):
    page = _text(client.get("/courses"))
    assert "An toàn Wi-Fi phòng khám" in page and "Hồ sơ vệ sinh tay điện tử" in page
    assert page.index("An toàn Wi-Fi") < page.index("Hồ sơ vệ sinh tay")  # course order
    english = _text(client.get("/courses?lang=en"))
    assert "Clinic Wi-Fi safety" in english and "An toàn Wi-Fi" not in english


@pytest.mark.parametrize(("query", "found", "not_found"), [
    ("an toan wi-fi", "An toàn Wi-Fi", "Hồ sơ vệ sinh tay"),
    ("AN TOÀN", "An toàn Wi-Fi", "Hồ sơ vệ sinh tay"),
    ("ve sinh tay", "Hồ sơ vệ sinh tay", "An toàn Wi-Fi"),
    ("hand-hygiene", "Hồ sơ vệ sinh tay", "An toàn Wi-Fi"),  # English words find it too
    ("Vệ Sinh  TAY", "Hồ sơ vệ sinh tay", "An toàn Wi-Fi"),
])
def test_catalogue_search_ignores_case_and_diacritics(client, courses, query, found, not_found):
    page = _text(client.get("/courses", query_string={"q": query}))
    assert found in page and not_found not in page


def test_catalogue_search_with_no_match_says_so(client, courses):
    page = _text(client.get("/courses?lang=en&q=radiology%25"))
    assert "No course matches" in page
    assert "An toàn Wi-Fi" not in page


def test_catalogue_filters_by_job_role(client, courses):
    page = _text(client.get("/courses?lang=en&role=pharmacist"))
    assert "Clinic Wi-Fi safety" in page  # for everyone
    assert "Electronic hand-hygiene records" not in page  # doctors, nurses, midwives
    nurse = _text(client.get("/courses?lang=en&role=nurse"))
    assert "Electronic hand-hygiene records" in nurse
    unknown = client.get("/courses?role=astronaut")
    assert unknown.status_code == 200 and "Hồ sơ vệ sinh tay" in _text(unknown)


def test_catalogue_shows_the_learners_own_progress(client, as_user, learner, app):
    with app.app_context():
        _course, version = get_course(WIFI)
        mark_lesson_read(learner, version.items[0])
        db.session.commit()
    as_user(learner)
    page = _text(client.get("/courses"))
    wifi_card = page[page.index("Clinic Wi-Fi safety"):page.index("Electronic hand-hygiene")]
    assert "33% done" in wifi_card and "In progress" in wifi_card
    assert 'value="33"' in wifi_card
    hygiene_card = page[page.index("Electronic hand-hygiene"):]
    assert "Not started" in hygiene_card


def test_untranslated_text_falls_back_to_vietnamese_with_a_note(client, courses, app):
    with app.app_context():
        _course, version = get_course(WIFI)
        version.summary = {"vi": version.summary["vi"]}
        db.session.commit()
    page = _text(client.get("/courses?lang=en"))
    assert "Cấu hình bộ phát Wi-Fi" in page
    assert 'lang="vi"' in page
    assert "Not yet translated: shown in Vietnamese." in page


def test_drafts_are_invisible_to_learners_but_trainers_preview_them(client, as_user, app):
    with app.app_context():
        import_courses(draft=True)
        learner = detached(create_user())
        trainer = detached(create_user(role="trainer", locale="en"))
    assert "Wi-Fi" not in _text(client.get("/courses"))
    as_user(learner)
    assert client.get(f"/courses/{WIFI}").status_code == 404
    assert client.get(f"/courses/{WIFI}/home-router").status_code == 404
    client.post("/logout")
    as_user(trainer)
    preview = client.get(f"/courses/{WIFI}")
    assert preview.status_code == 200
    assert "Preview: learners cannot see this course." in _text(preview)


# --------------------------------------------------------------------------- course page


def test_course_page_lists_steps_with_state_and_continue_link(client, as_user, learner, app):
    as_user(learner)
    page = _text(client.get(f"/courses/{WIFI}"))
    assert "Start the course" in page
    assert page.count("Not read yet") == 2 and "Not passed yet" in page
    assert "0 of 3 steps done." in page
    assert "Reviewed" in page or "Content reviewed" in page
    with app.app_context():
        _course, version = get_course(WIFI)
        mark_lesson_read(learner, version.items[0])
        db.session.commit()
    page = _text(client.get(f"/courses/{WIFI}"))
    assert "1 of 3 steps done." in page
    continue_link = re.search(r'<a class="button" href="([^"]+)">\s*Continue where you left off',
                              page)
    assert continue_link and continue_link.group(1) == f"/courses/{WIFI}/guest-network"


def test_prerequisites_are_shown_and_enforced(client, as_user, learner, app):
    as_user(learner)
    page = _text(client.get(f"/courses/{HYGIENE}"))
    assert "Complete these courses first" in page
    assert f'href="/courses/{WIFI}"' in page
    assert f'href="/courses/{HYGIENE}/why-records"' not in page
    refused = client.get(f"/courses/{HYGIENE}/why-records")
    assert refused.status_code == 302 and refused.location.endswith(f"/courses/{HYGIENE}")
    client.post(f"/courses/{HYGIENE}/why-records/complete")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonRead)) == 0
        _pass_everything(learner, WIFI)
    assert client.get(f"/courses/{HYGIENE}/why-records").status_code == 200
    assert "Complete these courses first" not in _text(client.get(f"/courses/{HYGIENE}"))


def test_unknown_course_and_lesson_are_404(client, as_user, learner):
    as_user(learner)
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get(f"/courses/{WIFI}/no-such-lesson").status_code == 404
    assert client.get(f"/courses/{WIFI}/check").status_code == 404  # a quiz is not a lesson
    assert client.post(f"/courses/{WIFI}/no-such-lesson/complete").status_code == 404


def test_course_and_lesson_pages_need_sign_in(client, courses):
    response = client.get(f"/courses/{WIFI}/home-router")
    assert response.status_code == 302 and "/login" in response.location


# --------------------------------------------------------------------------- lesson page


def test_lesson_page_has_contents_reading_time_and_navigation(client, as_user, learner, app):
    with app.app_context():
        _pass_everything(learner, WIFI)
    as_user(learner)
    page = _text(client.get(f"/courses/{HYGIENE}/why-records"))
    assert "<h1>Why electronic hand-hygiene records</h1>" in page or "hand-hygiene" in page
    assert "minute" in page and "Step 1 of 3" in page
    form = re.search(r'<form method="post" action="([^"]+)"', page[page.index("Mark as read")
                                                                   - 400:])
    assert form and form.group(1).endswith("/complete")
    assert 'rel="next"' in page and 'rel="prev"' not in page
    assert "Sources" in page and "WHO Guidelines on Hand Hygiene" in page
    callout = re.search(r'<aside class="callout callout-law"', page)
    assert callout, "the legal rule is a callout"


def test_mark_as_read_is_idempotent_and_moves_on(client, as_user, learner, app):
    as_user(learner)
    first = client.post(f"/courses/{WIFI}/home-router/complete")
    assert first.status_code == 302 and first.location.endswith(f"/courses/{WIFI}/guest-network")
    again = client.post(f"/courses/{WIFI}/home-router/complete")
    assert again.status_code == 302
    with app.app_context():
        reads = db.session.scalars(select(LessonRead)).all()
        assert [(r.lesson_slug, r.user_id) for r in reads] == [("home-router", learner.id)]
    page = _text(client.get(f"/courses/{WIFI}/home-router"))
    assert "You have read this lesson." in page and "Mark as read" not in page


def test_mark_as_read_needs_a_csrf_token(client, as_user, learner, app, monkeypatch):
    as_user(learner)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/courses/{WIFI}/home-router/complete").status_code == 400
    page = _text(client.get(f"/courses/{WIFI}/home-router"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    ok = client.post(f"/courses/{WIFI}/home-router/complete",
                     data={"csrf_token": token.group(1)})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonRead)) == 1


def test_reading_the_last_step_completes_the_course_once_with_its_version(
        client, as_user, learner, app):
    with app.app_context():
        course, version = get_course(WIFI)
        quiz = next(i for i in version.items if i.is_quiz)
        record_quiz_result(learner, quiz, passed=True)
        mark_lesson_read(learner, version.items[0])
        db.session.commit()
        version_id = version.id
    as_user(learner)
    done = client.post(f"/courses/{WIFI}/guest-network/complete")
    assert done.location.endswith(f"/courses/{WIFI}")
    client.post(f"/courses/{WIFI}/guest-network/complete")
    with app.app_context():
        completions = db.session.scalars(select(CourseCompletion)).all()
        assert [(c.user_id, c.version_id) for c in completions] == [(learner.id, version_id)]
    page = _text(client.get(f"/courses/{WIFI}"))
    assert "Completed on" in page and 'value="100"' in page


def test_lesson_images_are_served_by_content_hash_with_long_cache(client, as_user, learner, app):
    with app.app_context():
        _pass_everything(learner, WIFI)
    as_user(learner)
    page = _text(client.get(f"/courses/{HYGIENE}/why-records"))
    src = re.search(r'<img[^>]+src="(/media/([0-9a-f]{64})\.png)"', page)
    assert src, "the media/ image is rewritten to its hashed URL"
    image = client.get(src.group(1))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert "immutable" in image.headers["Cache-Control"]
    assert "max-age=31536000" in image.headers["Cache-Control"]
    again = client.get(src.group(1), headers={"If-None-Match": f'"{src.group(2)}"'})
    assert again.status_code == 304 and again.data == b""
    assert client.get(f"/media/{src.group(2)}.jpg").status_code == 404
    assert client.get("/media/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404


def test_lesson_page_runs_a_fixed_number_of_queries(client, as_user, app, count_queries):
    """The count does not grow with the course's size or the number of learners."""
    with app.app_context():
        import_courses()
        import_courses(ROOT / "courses")
        others = [create_user() for _ in range(5)]
        _course, big = get_course("electronic-medical-records")
        for other in others:
            for item in big.items:
                if not item.is_quiz:
                    mark_lesson_read(other, item)
        db.session.commit()
        small_lesson = get_course(WIFI)[1].items[0].slug
        big_lesson = big.items[2].slug
        reader = detached(create_user())
    as_user(reader)
    counts = []
    for course, lesson in ((WIFI, small_lesson), ("electronic-medical-records", big_lesson)):
        client.get(f"/courses/{course}/{lesson}")  # warm the render cache
        with count_queries() as counter:
            assert client.get(f"/courses/{course}/{lesson}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    # The signed-in user, the course with its live version's identity, the learner's
    # progress: the version's content comes from the process's cache.
    assert counts[0] == 3, counts


def test_a_new_version_shows_at_once_though_the_old_one_is_cached(client, as_user, app,
                                                                   tmp_path, count_queries):
    tree = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, tree)
    with app.app_context():
        import_courses(tree)
        reader = detached(create_user(locale="en"))
    as_user(reader)
    path = f"/courses/{WIFI}/home-router"
    assert "Change it now" not in _text(client.get(path))
    before = cache_info(app)
    assert "Change it now" not in _text(client.get(path))
    assert cache_info(app)["hits"] == before["hits"] + 1  # served from the cache
    lesson = tree / WIFI / "01-home-router.en.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n\nChange it now.\n",
                      encoding="utf-8")
    with app.app_context():
        import_courses(tree)
    page = _text(client.get(path))
    assert "Change it now" in page


def test_a_draft_preview_is_never_served_from_the_cache(client, as_user, app, tmp_path):
    tree = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, tree)
    with app.app_context():
        import_courses(tree, draft=True)
        trainer = detached(create_user(role="trainer", locale="en"))
    as_user(trainer)
    path = f"/courses/{WIFI}/home-router"
    assert "Preview" in _text(client.get(f"/courses/{WIFI}"))
    assert "Edited in the studio" not in _text(client.get(path))
    with app.app_context():
        draft = db.session.scalar(select(Course).where(Course.slug == WIFI)).versions[-1]
        assert draft.status == "draft"
        item = draft.items[0]
        item.body = {**item.body, "en": "# Home router\n\nEdited in the studio."}
        db.session.commit()
    assert "Edited in the studio" in _text(client.get(path))


def cache_info(app):
    with app.app_context():
        return frozen.cache_info()


def test_rendered_lessons_are_cached_not_rendered_per_request(client, as_user, learner):
    as_user(learner)
    client.get(f"/courses/{WIFI}/home-router")
    before = _render_cached.cache_info()
    client.get(f"/courses/{WIFI}/home-router")
    after = _render_cached.cache_info()
    assert after.misses == before.misses  # not rendered again


def test_progress_survives_a_new_version_when_the_slug_survives(client, as_user, learner, app,
                                                                 tmp_path):
    import shutil

    with app.app_context():
        _course, v1 = get_course(WIFI)
        mark_lesson_read(learner, v1.items[0])
        mark_lesson_read(learner, v1.items[1])
        db.session.commit()
    tree = tmp_path / "courses"
    shutil.copytree(ROOT / "tests/fixtures/courses", tree)
    lesson = tree / WIFI / "02-guest-network.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nMột đoạn mới.\n", encoding="utf-8")
    (tree / WIFI / "01-home-router.md").rename(tree / WIFI / "01-router-setup.md")
    (tree / WIFI / "01-home-router.en.md").rename(tree / WIFI / "01-router-setup.en.md")
    with app.app_context():
        report = import_courses(tree)
        assert report.updated == [WIFI]
        course, v2 = get_course(WIFI)
        assert v2.number == 2 and course.versions[0].status == "superseded"
    as_user(learner)
    page = _text(client.get(f"/courses/{WIFI}"))
    assert "1 of 3 steps done." in page  # guest-network kept; home-router is gone
    assert "Một đoạn mới." in _text(client.get(f"/courses/{WIFI}/guest-network?lang=vi"))
    assert client.get(f"/courses/{WIFI}/home-router").status_code == 404


def test_trainer_sees_published_course_too(client, as_user, app, courses):
    with app.app_context():
        trainer = detached(create_user(role="trainer"))
        assert db.session.scalar(select(func.count()).select_from(Course)) == 2
    as_user(trainer)
    assert client.get(f"/courses/{WIFI}/home-router").status_code == 200
