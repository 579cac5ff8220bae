"""The progress rules: reads and passes are kept once, completion is recorded once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.progress.models import CourseCompletion, LessonRead, QuizPass
from portal.progress.services import course_progress, mark_lesson_read, record_quiz_result
from tests.factories import create_user, get_course, import_courses


@pytest.fixture
def wifi(app):
    import_courses()
    return get_course("clinic-wifi-safety")[1]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_course_completes_only_when_every_lesson_is_read_and_every_quiz_passed(wifi):
    user = create_user()
    first, second, quiz = wifi.items
    assert mark_lesson_read(user, first) is None
    assert record_quiz_result(user, quiz, passed=True) is None
    assert course_progress(user, wifi).percent == 66
    completion = mark_lesson_read(user, second)
    assert completion is not None and completion.version_id == wifi.id
    db.session.commit()
    assert course_progress(user, wifi).percent == 100
    assert mark_lesson_read(user, second) is None  # recorded once
    assert record_quiz_result(user, quiz, passed=True) is None
    assert _count(CourseCompletion) == 1 and _count(LessonRead) == 2 and _count(QuizPass) == 1


def test_a_failed_quiz_does_not_complete_and_a_regraded_fail_removes_the_pass(wifi):
    user = create_user()
    first, second, quiz = wifi.items
    mark_lesson_read(user, first)
    mark_lesson_read(user, second)
    assert record_quiz_result(user, quiz, passed=False) is None
    assert _count(CourseCompletion) == 0
    record_quiz_result(user, quiz, passed=True)
    assert _count(CourseCompletion) == 1
    record_quiz_result(user, quiz, passed=False)  # a regrade turned the best attempt into a fail
    assert _count(QuizPass) == 0
    assert _count(CourseCompletion) == 1, "a recorded completion is never taken back"


def test_quizzes_are_passed_not_read(wifi):
    with pytest.raises(ValueError):
        mark_lesson_read(create_user(), wifi.items[-1])


def test_progress_is_per_learner(wifi):
    one, other = create_user(), create_user()
    mark_lesson_read(one, wifi.items[0])
    assert course_progress(one, wifi).done == 1
    assert course_progress(other, wifi).done == 0 and not course_progress(other, wifi).is_started
