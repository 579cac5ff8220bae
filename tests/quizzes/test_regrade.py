"""Correcting an answer key: attempts regraded, pass/fail and passes recomputed, audited."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.progress.models import CourseCompletion, QuizPass
from portal.quizzes import services
from portal.quizzes.models import Attempt
from portal.quizzes.questions import Question
from portal.quizzes.regrade import correct_question
from tests.factories import create_user, import_courses
from tests.quizzes.test_attempts import T0, WIFI, complete_course, quiz_item, right_values


@pytest.fixture
def courses(app):
    import_courses()


@pytest.fixture
def trainer(courses):
    return create_user("trainer")


def _question(name: str = "default-password"):
    return next(q for q in quiz_item(WIFI).questions if q.name == name)


def _swapped(data: dict) -> dict:
    """Return question data whose first two answers trade their weights and feedback."""
    data = copy.deepcopy(data)
    first, second = data["answers"][0], data["answers"][1]
    first["fraction"], second["fraction"] = second["fraction"], first["fraction"]
    return data


def _corrected() -> dict[str, dict]:
    stored = _question()
    return {lang: _swapped(data) for lang, data in stored.data.items()}


def take(user, first_answer: str, now=T0) -> Attempt:
    """Take the Wi-Fi quiz answering *first_answer* to question 1 and the rest right."""
    attempt = services.start_attempt(user, quiz_item(WIFI), now=now).attempt
    given = {row.position: right_values(row) for row in attempt.questions}
    given[1] = [first_answer]
    services.save_answers(user, attempt, given, now=now)
    services.submit_attempt(user, attempt, now=now)
    db.session.commit()
    return attempt


def test_a_corrected_key_regrades_every_submitted_attempt(trainer):
    right, wrong = create_user(), create_user()
    was_right, was_wrong = take(right, "0"), take(wrong, "1")
    assert (was_right.score, was_right.is_passed) == (100.0, True)
    assert (was_wrong.score, was_wrong.is_passed) == (pytest.approx(66.6667), False)

    report = correct_question(_question(), _corrected(), trainer,
                                       now=T0 + timedelta(days=1))
    db.session.commit()

    assert (report.attempts, report.changed, report.learners) == (2, 2, 2)
    assert (report.newly_failed, report.newly_passed) == (1, 1)
    db.session.refresh(was_right)
    db.session.refresh(was_wrong)
    assert (was_right.score, was_right.is_passed) == (pytest.approx(66.6667), False)
    assert (was_wrong.score, was_wrong.is_passed) == (100.0, True)
    assert [row.fraction for row in was_wrong.questions] == [1.0, 1.0, 1.0]
    passes = db.session.scalars(select(QuizPass.user_id)).all()
    assert passes == [wrong.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.regraded"))
    assert event.actor_id == trainer.id and event.object_type == "quiz_questions"
    assert event.detail["attempts"] == 2 and event.detail["changed"] == 2
    assert event.detail["newly_failed"] == 1 and event.detail["newly_passed"] == 1


def test_the_stored_question_carries_the_new_key_in_every_language(trainer):
    correct_question(_question(), _corrected(), trainer, now=T0)
    db.session.commit()
    stored = _question()
    for lang in ("vi", "en"):
        fractions = [a.fraction for a in stored.question(lang).answers]
        assert fractions == [0.0, 100.0, 0.0]


def test_the_best_attempt_still_counts_after_a_regrade(trainer):
    learner = create_user()
    take(learner, "0")
    take(learner, "1", now=T0 + timedelta(hours=1))
    correct_question(_question(), _corrected(), trainer, now=T0 + timedelta(days=1))
    db.session.commit()
    assert db.session.scalar(select(func.count(QuizPass.id))) == 1  # the second one passes now


def test_a_completed_course_stays_completed(trainer):
    learner = create_user()
    take(learner, "0")
    complete_course(learner, WIFI)
    correct_question(_question(), _corrected(), trainer, now=T0 + timedelta(days=1))
    db.session.commit()
    assert db.session.scalar(select(func.count(QuizPass.id))) == 0
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1


def test_open_attempts_grade_with_the_new_key_when_submitted(trainer):
    learner = create_user()
    attempt = services.start_attempt(learner, quiz_item(WIFI), now=T0).attempt
    given = {row.position: right_values(row) for row in attempt.questions}
    services.save_answers(learner, attempt, given, now=T0)
    db.session.commit()
    report = correct_question(_question(), _corrected(), trainer, now=T0)
    db.session.commit()
    assert report.attempts == 0
    services.submit_attempt(learner, attempt, now=T0 + timedelta(minutes=1))
    assert attempt.score == pytest.approx(66.6667)


def _refused(trainer, data, match):
    before = copy.deepcopy(_question().data)
    with pytest.raises(services.InvalidCorrection, match=match):
        correct_question(_question(), data, trainer, now=T0)
    db.session.rollback()
    assert _question().data == before
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "quiz.regraded")) == 0


def test_translations_must_share_the_new_key(trainer):
    _refused(trainer, {"vi": _corrected()["vi"]}, "differ from the Vietnamese")
    corrected = _corrected()
    corrected["en"] = _question().data["en"]
    _refused(trainer, corrected, "differ from the Vietnamese")


def test_a_correction_must_be_a_valid_question(trainer):
    broken = _corrected()
    for data in broken.values():
        for answer in data["answers"]:
            answer["fraction"] = 0.0
    _refused(trainer, broken, "no answer gives full marks")
    _refused(trainer, {"en": _corrected()["en"]}, "Vietnamese question is required")
    _refused(trainer, {"vi": {"type": "single_choice"}}, "cannot be read")


def test_a_correction_keeps_type_name_and_answers(trainer):
    other_type = _corrected()
    for data in other_type.values():
        data.update(type="multiple_response")
    _refused(trainer, other_type, "type cannot change")

    fewer = _corrected()
    for data in fewer.values():
        data["answers"] = data["answers"][:2]
    _refused(trainer, fewer, "keeps the number of answers")

    renamed = _corrected()
    renamed["en"]["name"] = "something-else"
    _refused(trainer, renamed, "name must stay")


def test_a_question_object_is_accepted(trainer):
    corrected = {lang: Question.from_dict(data) for lang, data in _corrected().items()}
    report = correct_question(_question(), corrected, trainer, now=T0)
    assert report.attempts == 0
    assert _question().question("vi").answers[1].fraction == 100.0


def test_short_answers_accept_a_new_spelling(trainer):
    learner = create_user()
    complete_course(learner, WIFI)
    hygiene = quiz_item("hand-hygiene-records")
    observer = next(q for q in hygiene.questions if q.name == "observer")
    attempt = services.start_attempt(learner, hygiene, now=T0).attempt
    row = next((r for r in attempt.questions if r.question_id == observer.id), None)
    if row is None:  # drawn five of six: put the observer question in
        row = attempt.questions[0]
        row.question_id, row.question = observer.id, observer
        row.choice_order = None
    services.save_answers(learner, attempt, {row.position: ["giám sát viên"]}, now=T0)
    services.submit_attempt(learner, attempt, now=T0)
    db.session.commit()
    assert row.fraction == 0.0
    data = copy.deepcopy(observer.data)
    data["vi"]["answers"].append({"text": "giám sát viên", "fraction": 100.0, "feedback": ""})
    report = correct_question(observer, data, trainer, now=T0)
    db.session.commit()
    assert report.attempts == 1 and report.changed == 1
    db.session.refresh(row)
    assert row.fraction == 1.0
