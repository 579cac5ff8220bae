"""The curriculum that ships in courses/: it loads, and every course has the agreed shape."""

from __future__ import annotations

import shutil

import pytest

from portal.catalog.loader import load_tree
from tests.conftest import ROOT

COURSES = ROOT / "courses"
RESULT = load_tree(COURSES)
SLUGS = [course.slug for course in RESULT.courses]


def test_real_courses_load_without_errors():
    assert [str(e) for e in RESULT.errors] == []
    assert len(RESULT.courses) >= 9


@pytest.mark.parametrize("slug", SLUGS)
def test_course_shape(slug):
    course = next(c for c in RESULT.courses if c.slug == slug)
    assert course.title.get("en") and course.summary.get("en")
    assert course.reviewed is not None
    lessons = [i for i in course.items if i.kind == "lesson"]
    quizzes = [i for i in course.items if i.kind == "quiz"]
    assert 4 <= len(lessons) <= 8
    for lesson in lessons:
        assert set(lesson.body) == {"vi", "en"}, lesson.path
        for lang, body in lesson.body.items():
            words = len(body.split())
            assert 600 <= words <= 1500, (lesson.path, lang, words)
        assert lesson.sources, f"{lesson.path} lists no sources"
        assert "!!! law" in lesson.body["vi"], f"{lesson.path} has no legal callout"
    assert len(quizzes) == 1 and quizzes[-1] is course.items[-1], "the course ends with its quiz"
    quiz = quizzes[0]
    vi, en = quiz.questions["vi"], quiz.questions["en"]
    assert len(vi) >= 15 and quiz.settings.draw == 10
    assert [q.name for q in vi] == [q.name for q in en]
    assert len({q.type for q in vi}) >= 4
    for question in (*vi, *en):
        assert question.general_feedback, question.name
        if question.type in ("single_choice", "multiple_response", "short_answer"):
            assert all(a.feedback for a in question.answers), question.name


def test_programme_covers_every_job_role():
    (programme,) = RESULT.programmes
    assert programme.validity_months == 36
    for role in ("doctor", "nurse", "midwife", "pharmacist", "technician", "administrative", "it"):
        courses = programme.courses_for(role)
        assert "information-security" in courses and "personal-data-protection" in courses
    assert "e-prescribing" in programme.courses_for("pharmacist")
    assert "interoperability" in programme.courses_for("it")


def test_courses_check_command(runner, tmp_path):
    ok = runner.invoke(args=["courses", "check", str(COURSES)])
    assert ok.exit_code == 0, ok.output
    assert "9 course(s)" in ok.output
    broken = tmp_path / "courses"
    shutil.copytree(COURSES / "telehealth", broken / "telehealth")
    course_yml = broken / "telehealth" / "course.yml"
    course_yml.write_text(
        course_yml.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8"
    )
    bad = runner.invoke(args=["courses", "check", str(broken)])
    assert bad.exit_code == 1
    assert "telehealth/course.yml:" in bad.output and "colour" in bad.output
