"""Two submits (or two starts) of one attempt at the same moment: graded once, started once.

Real concurrency: each thread has its own app context, session and database connection, on a
file SQLite database (an in-memory one cannot be shared) or on PostgreSQL when
TEST_DATABASE_URL points at one.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.progress.models import QuizPass
from portal.quizzes import services
from portal.quizzes.models import Attempt
from tests.conftest import SuiteConfig
from tests.factories import PASSWORD, create_user, import_courses
from tests.quizzes.test_attempts import WIFI, quiz_item, right_values, wrong_values

ROUNDS = 3


@pytest.fixture
def race_app(make_app, tmp_path):
    """An app on a database that several threads can share."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") \
        or f"sqlite:///{tmp_path}/race.db"

    class RaceConfig(SuiteConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = make_app(RaceConfig)
    with app.app_context():
        db.create_all()
        import_courses()
    return app


def _in_threads(app, work, count: int = 2) -> list:
    """Run *work(barrier)* in *count* threads, each in its own app context; return results."""
    barrier = threading.Barrier(count, timeout=10)
    results: list = []
    errors: list = []

    def run():
        try:
            with app.app_context():
                try:
                    results.append(work(barrier))
                finally:
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(results) == count
    return results


def _open_attempt(app, answers: bool = True) -> tuple[int, int]:
    with app.app_context():
        user = create_user(locale="en")
        attempt = services.start_attempt(user, quiz_item(WIFI)).attempt
        if answers:
            services.save_answers(user, attempt, {
                row.position: right_values(row) for row in attempt.questions})
        db.session.commit()
        return user.id, attempt.id


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_concurrent_submits_grade_once(race_app, round_):
    user_id, attempt_id = _open_attempt(race_app)

    def submit(barrier):
        user = db.session.get(User, user_id)
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.submitted_at is None and len(attempt.questions) == 3
        barrier.wait()  # both have read the attempt as open
        result = services.submit_attempt(user, attempt)
        db.session.commit()
        return result.is_graded

    assert sorted(_in_threads(race_app, submit)) == [False, True]
    with race_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.score == 100.0 and attempt.is_passed
        assert db.session.scalar(select(func.count(QuizPass.id)).where(
            QuizPass.user_id == user_id)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_concurrent_submit_requests_grade_once(race_app, round_):
    """Two tabs post Submit at once, one with other answers: one grade, on one set of answers."""
    user_id, attempt_id = _open_attempt(race_app, answers=False)
    with race_app.app_context():
        user = db.session.get(User, user_id)
        attempt = db.session.get(Attempt, attempt_id)
        url = f"/courses/{WIFI}/quizzes/check/attempts/{attempt_id}/submit"
        forms = [{f"q{row.position}": values(row) for row in attempt.questions}
                 for values in (right_values, wrong_values)]
        email = user.email
    clients = []
    for _ in forms:
        client = race_app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}
                           ).status_code == 302
        clients.append(client)
    lock = threading.Lock()
    turn = iter(range(2))

    def post(barrier):
        with lock:
            index = next(turn)
        barrier.wait()
        response = clients[index].post(url, data=forms[index], follow_redirects=True)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        return index, "Your attempt is submitted." in text, "already submitted" in text

    results = sorted(_in_threads(race_app, post), key=lambda result: not result[1])
    (winner, graded, _), (_loser, graded_too, told) = results
    assert graded and not graded_too and told
    with race_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.submitted_at is not None
        assert attempt.score == (100.0 if winner == 0 else 0.0)
        # The answers stored are the winner's: the loser's save waited and was refused.
        expected = forms[winner]
        assert {f"q{row.position}": row.response for row in attempt.questions} == expected


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_concurrent_starts_open_one_attempt(race_app, round_):
    with race_app.app_context():
        user_id = create_user(locale="en").id

    def start(barrier):
        user = db.session.get(User, user_id)
        quiz = quiz_item(WIFI)
        services.list_attempts(user, quiz)
        barrier.wait()
        result = services.start_attempt(user, quiz)
        db.session.commit()
        return result.attempt.id

    ids = _in_threads(race_app, start)
    assert ids[0] == ids[1]
    with race_app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id)).where(
            Attempt.user_id == user_id)) == 1
