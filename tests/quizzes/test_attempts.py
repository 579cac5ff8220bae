"""Taking a quiz through the services: drawing, saving, the time limit, submitting, grading."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.progress.models import CourseCompletion, QuizPass
from portal.progress.services import mark_lesson_read
from portal.quizzes import services
from portal.quizzes.grading import model_answer
from portal.quizzes.models import Attempt, AttemptQuestion
from tests.factories import create_user, get_course, import_courses

WIFI = "clinic-wifi-safety"
HYGIENE = "hand-hygiene-records"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- helpers
# (also used by the other test modules of this package)


def quiz_item(slug: str, quiz: str = "check"):
    """Return the quiz item *quiz* of course *slug*'s live version."""
    _course, version = get_course(slug)
    return next(item for item in version.items if item.is_quiz and item.slug == quiz)


def complete_course(user, slug: str) -> None:
    """Record that *user* completed *slug* (test set-up: no certificate is issued)."""
    course, version = get_course(slug)
    db.session.add(CourseCompletion(user_id=user.id, course_id=course.id,
                                    version_id=version.id, completed_at=T0))
    db.session.commit()


def right_values(row: AttemptQuestion) -> list[str]:
    """Return the values of a fully right answer to *row*'s question."""
    return model_answer(row.question.question("vi"))


def wrong_values(row: AttemptQuestion) -> list[str]:
    """Return the values of an answer to *row*'s question that scores nothing."""
    question = row.question.question("vi")
    if question.type in ("single_choice", "multiple_response"):
        return [str(next(i for i, a in enumerate(question.answers) if a.fraction <= 0))]
    if question.type == "true_false":
        return ["false" if question.correct else "true"]
    if question.type == "short_answer":
        return ["không biết"]
    if question.type == "numerical":
        return ["-987654"]
    stems = [i for i, pair in enumerate(question.pairs) if pair.left]
    rotated = stems[1:] + stems[:1]
    values = [""] * len(question.pairs)
    for stem, other in zip(stems, rotated, strict=True):
        values[stem] = str(other)
    return values


def answers(attempt: Attempt, right: bool | set[int] = True) -> dict[int, list[str]]:
    """Return answers to every question: right ones (for the positions in *right* when a set)."""
    result = {}
    for row in attempt.questions:
        is_right = right if isinstance(right, bool) else row.position in right
        result[row.position] = right_values(row) if is_right else wrong_values(row)
    return result


def gift_quiz(count: int) -> str:
    """Return a GIFT quiz of *count* questions cycling through every question type."""
    forms = [
        "Câu {i}: chọn đáp án đúng?{{=Đúng#Tốt ~Sai ~Cũng sai}}",
        "Câu {i}: đúng hay sai?{{T}}",
        "Câu {i}: chọn các ý đúng?{{~%50%Một ~%50%Hai ~%-100%Ba}}",
        "Câu {i}: bao nhiêu?{{#5:1}}",
        "Câu {i}: ai ghi phiếu?{{=quan sát viên}}",
        "Câu {i}: ghép đôi.{{=A -> Một =B -> Hai =C -> Ba}}",
    ]
    return "\n\n".join(f"::q{i}::" + forms[i % len(forms)].format(i=i)
                       for i in range(1, count + 1)) + "\n"


def write_course(root: Path, slug: str, questions: int, **settings) -> None:
    """Write a one-quiz course *slug* of *questions* questions under *root*."""
    quiz = {"pass_mark": 50, "attempts": 0, "time_limit": 0, "draw": 0, "shuffle": False,
            "feedback": "after_submit", **settings}
    folder = root / slug
    folder.mkdir(parents=True)
    lines = [
        f'title: {{vi: "Khóa {slug}", en: "Course {slug}"}}',
        f'summary: {{vi: "Tóm tắt {slug}", en: "Summary {slug}"}}',
        "audience: []", "minutes: 10", "order: 9", "requires: []", "certificate: false",
        "quizzes:", "  check:",
        *[f"    {key}: {str(value).lower() if isinstance(value, bool) else value}"
          for key, value in quiz.items()],
    ]
    (folder / "course.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "01-check.gift").write_text(gift_quiz(questions), encoding="utf-8")


@pytest.fixture
def courses(app):
    import_courses()


@pytest.fixture
def learner(courses):
    return create_user(locale="en")


@pytest.fixture
def hygiene_learner(learner):
    """A learner who completed clinic-wifi-safety, so hand-hygiene-records is open to them."""
    complete_course(learner, WIFI)
    return learner


def start(user, slug: str, now: datetime = T0, **kwargs) -> Attempt:
    result = services.start_attempt(user, quiz_item(slug), now=now, **kwargs)
    db.session.commit()
    return result.attempt


# --------------------------------------------------------------------------- starting


def test_start_draws_the_questions_and_stores_them(hygiene_learner):
    attempt = start(hygiene_learner, HYGIENE)
    pool = {q.id for q in quiz_item(HYGIENE).questions}
    drawn = [row.question_id for row in attempt.questions]
    assert len(drawn) == 5 and len(set(drawn)) == 5 and set(drawn) <= pool
    assert [row.position for row in attempt.questions] == [1, 2, 3, 4, 5]
    assert attempt.deadline_at == T0 + timedelta(minutes=15)
    assert attempt.number == 1 and attempt.pass_mark == 80 and attempt.submitted_at is None

    # Coming back (a reload, another tab) gives the same attempt and the same draw.
    db.session.expire_all()
    again = services.start_attempt(hygiene_learner, quiz_item(HYGIENE), now=T0 + timedelta(
        minutes=1))
    assert again.is_new is False and again.attempt.id == attempt.id
    assert [row.question_id for row in again.attempt.questions] == drawn
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_shuffle_orders_questions_and_choices_per_attempt(hygiene_learner):
    orders = set()
    for seed in range(6):
        attempt = start(hygiene_learner, HYGIENE, now=T0 + timedelta(hours=seed),
                        rng=random.Random(seed))
        for row in attempt.questions:
            question = row.question.question("vi")
            if question.type in ("single_choice", "multiple_response"):
                assert sorted(row.choice_order) == list(range(len(question.answers)))
                orders.add(tuple(row.choice_order))
            elif question.type == "matching":
                assert sorted(row.choice_order) == list(range(len(question.pairs)))
            else:
                assert row.choice_order is None
        services.submit_attempt(hygiene_learner, attempt, now=T0 + timedelta(hours=seed,
                                                                             minutes=1))
        db.session.commit()
        if attempt.number == 3:
            break
    assert len(orders) > 1  # the choices do not always come in written order


def test_without_shuffle_questions_and_choices_stay_as_written(learner):
    attempt = start(learner, WIFI)
    pool = [q.id for q in quiz_item(WIFI).questions]
    assert [row.question_id for row in attempt.questions] == pool  # draw 0: all, in order
    assert all(row.choice_order is None for row in attempt.questions)
    assert attempt.deadline_at is None


def test_attempts_beyond_the_limit_are_refused(hygiene_learner):
    for number in range(1, 4):
        attempt = start(hygiene_learner, HYGIENE, now=T0 + timedelta(hours=number))
        assert attempt.number == number
        services.submit_attempt(hygiene_learner, attempt,
                                now=T0 + timedelta(hours=number, minutes=5))
        db.session.commit()
    with pytest.raises(services.AttemptLimitReached, match="all 3 attempts"):
        services.start_attempt(hygiene_learner, quiz_item(HYGIENE), now=T0 + timedelta(days=1))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Attempt.id))) == 3


def test_the_unique_attempt_number_refuses_a_racing_start(hygiene_learner, monkeypatch):
    first = start(hygiene_learner, HYGIENE)
    services.submit_attempt(hygiene_learner, first, now=T0 + timedelta(minutes=1))
    db.session.commit()
    # A request that read the attempts before the other one inserted its attempt.
    monkeypatch.setattr(services, "list_attempts", lambda user, quiz: [])
    with pytest.raises(services.AttemptConflict):
        services.start_attempt(hygiene_learner, quiz_item(HYGIENE), now=T0 + timedelta(hours=1))
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_a_racing_start_gets_the_attempt_the_other_request_opened(hygiene_learner, monkeypatch):
    first = start(hygiene_learner, HYGIENE)
    monkeypatch.setattr(services, "list_attempts", lambda user, quiz: [])
    result = services.start_attempt(hygiene_learner, quiz_item(HYGIENE), now=T0)
    assert result.is_new is False and result.attempt.id == first.id


def test_missing_prerequisites_refuse_the_start(learner):
    with pytest.raises(services.PrerequisitesMissing) as caught:
        services.start_attempt(learner, quiz_item(HYGIENE), now=T0)
    assert [course.slug for course in caught.value.courses] == [WIFI]
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_trainers_may_try_a_quiz_without_its_prerequisites(courses):
    trainer = create_user("trainer")
    assert start(trainer, HYGIENE).number == 1


# --------------------------------------------------------------------------- saving


def test_answers_are_saved_and_kept(learner):
    attempt = start(learner, WIFI)
    given = answers(attempt)
    assert services.save_answers(learner, attempt, given, now=T0 + timedelta(minutes=2)) == 3
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(AttemptQuestion).order_by(AttemptQuestion.position)).all()
    assert {row.position: row.response for row in rows} == given
    assert all(row.saved_at == T0 + timedelta(minutes=2) for row in rows)
    # Saving the same answers again changes nothing.
    assert services.save_answers(learner, attempt, given, now=T0 + timedelta(minutes=3)) == 0


def test_typed_answers_are_stored_nfc(learner, tmp_path):
    write_course(tmp_path, "typed", 5)
    import_courses(tmp_path)
    attempt = start(learner, "typed")
    row = next(r for r in attempt.questions if r.question.qtype == "short_answer")
    services.save_answers(learner, attempt, {row.position: ["  quan sa\u0301t viên "]}, now=T0)
    assert row.response == ["quan sát viên"]


@pytest.mark.parametrize("forged", [
    {1: ["7"]},            # an answer the question does not have
    {1: ["0", "1"]},       # two answers to a single choice question
    {2: ["maybe"]},        # true/false takes true or false
    {2: ["1"]},
    {9: ["0"]},            # a question the attempt did not draw
    {3: ["x" * 3000]},     # not something anyone typed
])
def test_values_that_do_not_belong_to_the_question_are_refused(learner, forged):
    attempt = start(learner, WIFI)
    valid = answers(attempt)
    with pytest.raises(services.InvalidAnswer):
        services.save_answers(learner, attempt, {**valid, **forged}, now=T0)
    db.session.rollback()
    assert db.session.scalars(select(AttemptQuestion.response)).all() == [None, None, None]


def test_matching_values_must_name_pairs_and_only_for_items(learner, tmp_path):
    write_course(tmp_path, "pairs", 6)
    import_courses(tmp_path)
    attempt = start(learner, "pairs")
    row = next(r for r in attempt.questions if r.question.qtype == "matching")
    for forged in (["0", "1", "9"], ["0", "1"], ["a", "", ""], ["0", "1", "2", ""]):
        with pytest.raises(services.InvalidAnswer):
            services.save_answers(learner, attempt, {row.position: forged}, now=T0)
        db.session.rollback()
    services.save_answers(learner, attempt, {row.position: ["0", "", "2"]}, now=T0)
    assert row.response == ["0", "", "2"]


# --------------------------------------------------------------------------- time limit


def test_the_time_limit_is_kept_on_the_server(hygiene_learner):
    attempt = start(hygiene_learner, HYGIENE)
    first = attempt.questions[0]
    services.save_answers(hygiene_learner, attempt, {first.position: right_values(first)},
                          now=T0 + timedelta(minutes=14))
    db.session.commit()

    late = answers(attempt)  # everything right, but a minute after the limit
    with pytest.raises(services.TimeUp):
        services.save_answers(hygiene_learner, attempt, late, now=T0 + timedelta(minutes=16))
    db.session.rollback()
    result = services.submit_attempt(hygiene_learner, attempt, now=T0 + timedelta(minutes=16))
    db.session.commit()

    assert result.is_graded
    assert attempt.submitted_at == T0 + timedelta(minutes=15)  # dated at the limit
    assert attempt.score == pytest.approx(20.0)  # one question of five, saved in time
    assert attempt.is_passed is False
    saved = db.session.scalars(select(AttemptQuestion.response)
                               .order_by(AttemptQuestion.position)).all()
    assert saved[0] == right_values(first) and saved[1:] == [None] * 4


def test_an_expired_attempt_is_graded_when_next_seen(hygiene_learner):
    attempt = start(hygiene_learner, HYGIENE)
    services.save_answers(hygiene_learner, attempt, answers(attempt), now=T0 + timedelta(
        minutes=5))
    db.session.commit()
    result = services.start_attempt(hygiene_learner, quiz_item(HYGIENE),
                                    now=T0 + timedelta(hours=2))
    db.session.commit()
    assert result.is_new and result.attempt.number == 2
    db.session.refresh(attempt)
    assert attempt.score == 100.0 and attempt.is_passed
    assert attempt.submitted_at == attempt.deadline_at


# --------------------------------------------------------------------------- submitting


def test_submitting_grades_once(learner):
    attempt = start(learner, WIFI)
    services.save_answers(learner, attempt, answers(attempt), now=T0)
    first = services.submit_attempt(learner, attempt, now=T0 + timedelta(minutes=1))
    db.session.commit()
    assert first.is_graded and attempt.score == 100.0 and attempt.is_passed

    with pytest.raises(services.AttemptClosed):
        services.save_answers(learner, attempt, answers(attempt, right=False),
                              now=T0 + timedelta(minutes=2))
    db.session.rollback()
    second = services.submit_attempt(learner, attempt, now=T0 + timedelta(minutes=3))
    db.session.commit()
    assert second.is_graded is False
    assert attempt.submitted_at == T0 + timedelta(minutes=1) and attempt.score == 100.0
    assert db.session.scalar(select(func.count(QuizPass.id))) == 1


def test_score_is_the_mean_of_the_fractions(learner):
    attempt = start(learner, WIFI)
    services.save_answers(learner, attempt, answers(attempt, right={1, 2}), now=T0)
    services.submit_attempt(learner, attempt, now=T0)
    db.session.commit()
    assert attempt.score == pytest.approx(66.6667)
    assert attempt.is_passed is False  # pass mark 70
    assert [row.fraction for row in attempt.questions] == [1.0, 1.0, 0.0]
    assert db.session.scalar(select(func.count(QuizPass.id))) == 0


def test_partial_credit_and_negative_weights(hygiene_learner, tmp_path):
    write_course(tmp_path, "weights", 3)
    import_courses(tmp_path)
    attempt = start(hygiene_learner, "weights")
    multiple = next(r for r in attempt.questions if r.question.qtype == "multiple_response")
    given = answers(attempt)
    given[multiple.position] = ["0"]
    services.save_answers(hygiene_learner, attempt, given, now=T0)
    services.submit_attempt(hygiene_learner, attempt, now=T0)
    assert multiple.fraction == 0.5
    attempt = start(hygiene_learner, "weights", now=T0 + timedelta(hours=1))
    multiple = next(r for r in attempt.questions if r.question.qtype == "multiple_response")
    given = answers(attempt)
    given[multiple.position] = ["0", "2"]  # 50% − 100%: floored at zero
    services.save_answers(hygiene_learner, attempt, given, now=T0 + timedelta(hours=1))
    services.submit_attempt(hygiene_learner, attempt, now=T0 + timedelta(hours=1))
    assert multiple.fraction == 0.0


def test_short_answers_accept_each_languages_spelling(hygiene_learner):
    for seed in range(40):
        attempt = start(hygiene_learner, HYGIENE, rng=random.Random(seed),
                        now=T0 + timedelta(hours=seed))
        row = next((r for r in attempt.questions if r.question.name == "observer"), None)
        if row is not None:
            break
        db.session.delete(attempt)
        db.session.commit()
    services.save_answers(hygiene_learner, attempt, {row.position: ["Auditor"]},
                          now=attempt.started_at)
    services.submit_attempt(hygiene_learner, attempt, now=attempt.started_at)
    assert row.fraction == 1.0  # the English twin's answer; Vietnamese grading alone says 0


def test_the_best_attempt_counts(learner):
    first = start(learner, WIFI)
    services.save_answers(learner, first, answers(first), now=T0)
    services.submit_attempt(learner, first, now=T0)
    db.session.commit()
    second = start(learner, WIFI, now=T0 + timedelta(hours=1))
    services.save_answers(learner, second, answers(second, right=False), now=T0)
    services.submit_attempt(learner, second, now=T0 + timedelta(hours=1))
    db.session.commit()
    assert second.score == 0.0 and not second.is_passed
    attempts = services.list_attempts(learner, quiz_item(WIFI))
    assert services.best_attempt(attempts).id == first.id
    assert db.session.scalar(select(func.count(QuizPass.id))) == 1  # still passed


def test_passing_the_last_step_completes_the_course(learner):
    _course, version = get_course(WIFI)
    for item in version.items:
        if not item.is_quiz:
            mark_lesson_read(learner, item, now=T0)
    attempt = start(learner, WIFI)
    services.save_answers(learner, attempt, answers(attempt), now=T0)
    result = services.submit_attempt(learner, attempt, now=T0 + timedelta(minutes=4))
    db.session.commit()
    assert result.completion is not None
    completion = db.session.scalar(select(CourseCompletion))
    assert completion.user_id == learner.id and completion.version_id == version.id
    assert completion.completed_at == T0 + timedelta(minutes=4)


def test_a_failed_attempt_does_not_complete_the_course(learner):
    _course, version = get_course(WIFI)
    for item in version.items:
        if not item.is_quiz:
            mark_lesson_read(learner, item, now=T0)
    attempt = start(learner, WIFI)
    services.save_answers(learner, attempt, answers(attempt, right=False), now=T0)
    assert services.submit_attempt(learner, attempt, now=T0).completion is None
    db.session.commit()
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 0


def test_someone_elses_attempt_is_refused(learner):
    attempt = start(learner, WIFI)
    other = create_user()
    with pytest.raises(ValueError):
        services.save_answers(other, attempt, {}, now=T0)
    with pytest.raises(ValueError):
        services.submit_attempt(other, attempt, now=T0)


# --------------------------------------------------------------------------- queries


def _count_statements(action) -> list[str]:
    statements = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    return statements


def test_grading_runs_a_fixed_number_of_queries(learner, tmp_path):
    write_course(tmp_path, "five", 5)
    write_course(tmp_path, "twenty", 20)
    import_courses(tmp_path)
    counts = {}
    for slug in ("five", "twenty"):
        attempt = start(learner, slug)
        services.save_answers(learner, attempt, answers(attempt), now=T0)
        db.session.commit()
        db.session.expire_all()
        counts[slug] = _count_statements(
            lambda attempt=attempt: services.submit_attempt(learner, attempt, now=T0))
        db.session.commit()
        assert attempt.score == 100.0
    assert len(counts["five"]) == len(counts["twenty"]), counts
    # The quiz engine's own share: claim, read the answers, write the grades, count passes
    # (the rest is progress and completion, which grading a first pass sets off).
    own = [s for s in counts["twenty"]
           if re.search(r"\b(FROM|UPDATE|INTO) (attempts|attempt_questions)\b", s)]
    assert len(own) <= 6, "\n".join(s[:100].replace("\n", " ") for s in own)
