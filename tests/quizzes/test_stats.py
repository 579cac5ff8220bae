"""Question statistics: facility and discrimination as Moodle computes them, choice counts."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.quizzes import services
from portal.quizzes.stats import MIN_ATTEMPTS, quiz_statistics
from tests.factories import create_user, import_courses
from tests.quizzes.test_attempts import (
    T0,
    WIFI,
    quiz_item,
    right_values,
    write_course,
    wrong_values,
)

#: Which of the clinic Wi-Fi quiz's three questions each learner gets right.
PATTERNS = [(1, 1, 1), (1, 1, 0), (1, 0, 0), (0, 0, 0), (1, 0, 1), (0, 1, 0)]


@pytest.fixture
def courses(app):
    import_courses()


def take(slug: str, rights, answers=None, now=T0):
    """Have a new learner take the quiz of *slug*, right where *rights* says 1."""
    user = create_user()
    attempt = services.start_attempt(user, quiz_item(slug), now=now).attempt
    given = answers or {
        row.position: right_values(row) if rights[row.position - 1] else wrong_values(row)
        for row in attempt.questions}
    services.save_answers(user, attempt, given, now=now)
    services.submit_attempt(user, attempt, now=now + timedelta(minutes=1))
    db.session.commit()
    return attempt


def _moodle_discrimination(question: int) -> float:
    """Moodle's discrimination index, straight from its definition: r(x, rest) × 100."""
    marks = [pattern[question] for pattern in PATTERNS]
    rest = [sum(pattern) - pattern[question] for pattern in PATTERNS]
    return 100 * statistics.correlation(marks, rest)


def test_facility_and_discrimination_follow_moodle(courses):
    for pattern in PATTERNS:
        take(WIFI, pattern)
    stats = quiz_statistics(quiz_item(WIFI), "en")
    assert stats.attempts == 6 and stats.is_reliable
    assert stats.mean_score == pytest.approx(100 * 9 / 18)
    assert stats.pass_rate == pytest.approx(100 / 6)  # only the all-right attempt passes 70%
    for index, question in enumerate(stats.questions):
        marks = [pattern[index] for pattern in PATTERNS]
        assert question.attempts == 6
        assert question.facility == pytest.approx(100 * sum(marks) / 6)
        assert question.sd == pytest.approx(100 * statistics.stdev(marks))
        assert question.discrimination == pytest.approx(_moodle_discrimination(index))


def test_discrimination_is_none_without_variance(courses):
    for _ in range(3):
        take(WIFI, (1, 1, 0))
    stats = quiz_statistics(quiz_item(WIFI))
    assert [q.facility for q in stats.questions] == [100.0, 100.0, 0.0]
    assert all(q.discrimination is None for q in stats.questions)


def test_few_attempts_are_flagged(courses):
    take(WIFI, (1, 0, 0))
    stats = quiz_statistics(quiz_item(WIFI))
    assert stats.attempts == 1 < MIN_ATTEMPTS and not stats.is_reliable
    assert all(q.discrimination is None for q in stats.questions)


def test_no_attempts_yet(courses):
    stats = quiz_statistics(quiz_item(WIFI))
    assert stats.attempts == 0 and stats.mean_score is None and stats.pass_rate is None
    assert [q.attempts for q in stats.questions] == [0, 0, 0]
    assert all(q.facility is None for q in stats.questions)


def test_open_attempts_are_not_counted(courses):
    take(WIFI, (1, 1, 1))
    user = create_user()
    services.start_attempt(user, quiz_item(WIFI), now=T0)
    db.session.commit()
    assert quiz_statistics(quiz_item(WIFI)).attempts == 1


def test_how_often_each_choice_was_picked(courses):
    take(WIFI, None, answers={1: ["0"], 2: ["true"], 3: ["1"]})
    take(WIFI, None, answers={1: ["1"], 2: ["false"], 3: ["1,0"]})
    take(WIFI, None, answers={1: ["1"], 2: [], 3: ["12"]})
    stats = quiz_statistics(quiz_item(WIFI), "en")
    single, true_false, numerical = stats.questions
    assert [c.count for c in single.choices] == [1, 2, 0]
    assert [c.is_right for c in single.choices] == [True, False, False]
    assert "Change it when you install the router" in single.choices[0].label
    assert [c.count for c in true_false.choices] == [1, 1]
    assert true_false.unanswered == 1
    assert numerical.kind == "typed"
    assert [(str(c.label), c.count, c.is_right) for c in numerical.choices] == [
        ("1", 1, True), ("1,0", 1, True), ("12", 1, False)]


def test_matching_counts_right_matches(courses, tmp_path):
    write_course(tmp_path, "pairs", 6)
    import_courses(tmp_path)
    first = take("pairs", (1,) * 6)
    matching = next(r for r in first.questions if r.question.qtype == "matching")
    take("pairs", None, answers={matching.position: ["0", "2", "1"]})
    stats = quiz_statistics(quiz_item("pairs"), "en")
    question = next(q for q in stats.questions if q.question.qtype == "matching")
    assert question.kind == "matching"
    assert [c.count for c in question.choices] == [2, 1, 1]
    assert question.unanswered == 0
    # The second learner answered only the matching question.
    assert next(q for q in stats.questions
                if q.question.qtype == "single_choice").unanswered == 1


def test_statistics_take_a_fixed_number_of_queries(courses):
    def count():
        statements = []

        def _count(*args):
            statements.append(args[2])

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", _count)
        try:
            quiz_statistics(quiz_item(WIFI))
        finally:
            event.remove(db.engine, "before_cursor_execute", _count)
        return statements

    take(WIFI, (1, 0, 0))
    few = count()
    for pattern in PATTERNS:
        take(WIFI, pattern)
    many = count()
    assert len(few) == len(many), many
