"""Quiz pages as learners and trainers use them: rules, attempts, saving, submitting, review."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.db import utcnow
from portal.extensions import db
from portal.progress.models import QuizPass
from portal.quizzes.models import Attempt, AttemptQuestion
from tests.factories import create_user, import_courses
from tests.quizzes.test_attempts import (
    HYGIENE,
    WIFI,
    complete_course,
    right_values,
    write_course,
    wrong_values,
)

QUIZ = f"/courses/{WIFI}/quizzes/check"
HYGIENE_QUIZ = f"/courses/{HYGIENE}/quizzes/check"


@pytest.fixture(autouse=True)
def _english():
    """Pages pick their own language here (the package's conftest forces English)."""
    yield


@pytest.fixture
def courses(app):
    import_courses()


@pytest.fixture
def learner(courses):
    return create_user(locale="en")


@pytest.fixture
def signed_in(as_user, learner):
    return as_user(learner)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _start(client, quiz_url: str = QUIZ) -> Attempt:
    response = client.post(f"{quiz_url}/attempts")
    assert response.status_code == 302, _text(response)[:300]
    attempt_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    return db.session.get(Attempt, attempt_id)


def _form(attempt: Attempt, right: bool = True) -> dict[str, list[str]]:
    """Return the form a learner posts to answer every question (right or wrong)."""
    data: dict[str, list[str]] = {}
    for row in attempt.questions:
        values = right_values(row) if right else wrong_values(row)
        if row.question.qtype == "matching":
            for index, value in enumerate(values):
                if value:
                    data[f"q{row.position}.{index}"] = [value]
        else:
            data[f"q{row.position}"] = values
    return data


def _url(attempt: Attempt, action: str = "") -> str:
    base = f"/courses/{attempt.quiz.version.course.slug}/quizzes/{attempt.quiz_slug}" \
           f"/attempts/{attempt.id}"
    return f"{base}/{action}" if action else base


class _Structure(HTMLParser):
    """Collect the form structure of a page: fieldsets, legends, inputs and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.fieldsets: list[dict] = []
        self.labels: set[str] = set()
        self.controls: list[dict] = []
        self.inline: list[str] = []
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.inline.append(f"style on <{tag}>")
        if tag == "script" and "src" not in attrs:
            self.inline.append("inline script")
        if tag == "style":
            self.inline.append("style element")
        if tag == "fieldset":
            self.fieldsets.append({"legend": ""})
        elif tag == "legend":
            self._in_legend = True
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") not in (
                "hidden", "submit"):
            self.controls.append(attrs)

    def handle_endtag(self, tag):
        if tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_legend and self.fieldsets:
            self.fieldsets[-1]["legend"] += data


def _structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("path, method", [
    (QUIZ, "get"), (f"{QUIZ}/attempts", "post"), (f"{QUIZ}/attempts/1", "get"),
    (f"{QUIZ}/attempts/1/save", "post"), (f"{QUIZ}/attempts/1/submit", "post"),
    (f"{QUIZ}/attempts/1/autosave", "post"), (f"{QUIZ}/statistics", "get"),
])
def test_anonymous_visitors_are_sent_to_sign_in(client, courses, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_learners_attempt_is_not_found(client, as_user, learner):
    as_user(learner)
    attempt = _start(client)
    client.post("/logout")
    other = create_user(locale="en")
    as_user(other)
    for action, method in (("", "get"), ("save", "post"), ("submit", "post"),
                           ("autosave", "post")):
        response = getattr(client, method)(_url(attempt, action), data=_form(attempt))
        assert response.status_code == 404, action
    db.session.refresh(attempt)
    assert attempt.submitted_at is None
    assert all(row.response is None for row in attempt.questions)


def test_an_attempt_is_found_only_under_its_own_quiz(client, signed_in):
    attempt = _start(client)
    response = client.get(f"/courses/{HYGIENE}/quizzes/check/attempts/{attempt.id}")
    assert response.status_code == 404


def test_statistics_are_for_trainers(client, as_user, learner):
    as_user(learner)
    assert client.get(f"{QUIZ}/statistics").status_code == 403
    assert "Question statistics" not in _text(client.get(QUIZ))


# --------------------------------------------------------------------------- quiz page


def test_the_quiz_page_shows_the_rules(client, signed_in):
    html = _text(client.get(QUIZ))
    assert "Pass mark" in html and "70%" in html
    assert "Unlimited" in html  # attempts
    assert re.search(r'<form method="post" action="[^"]*/attempts"', html)
    assert "You have not taken this quiz yet." in html


def test_the_rules_of_a_timed_quiz_with_limited_attempts(client, signed_in, learner):
    complete_course(learner, WIFI)
    html = _text(client.get(HYGIENE_QUIZ))
    assert "80%" in html and "15 minutes" in html
    assert re.search(r'id="attempts-left">\s*3\s*<', html)
    assert "drawn at random" in html


def test_missing_prerequisites_are_named_and_starting_is_refused(client, signed_in):
    html = _text(client.get(HYGIENE_QUIZ))
    assert "Complete these courses first" in html
    assert f'href="/courses/{WIFI}"' in html
    assert "/attempts\"" not in html  # no start form
    response = client.post(f"{HYGIENE_QUIZ}/attempts", follow_redirects=True)
    assert "Complete the courses this one requires" in _text(response)
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_past_attempts_are_listed_with_their_scores(client, signed_in):
    attempt = _start(client)
    client.post(_url(attempt, "submit"), data=_form(attempt))
    html = _text(client.get(QUIZ))
    assert "Your attempts" in html and "100%" in html and "Passed" in html
    assert "Start a new attempt" in html


def test_the_quiz_page_offers_to_continue_an_open_attempt(client, signed_in):
    attempt = _start(client)
    html = _text(client.get(QUIZ))
    assert f"/attempts/{attempt.id}" in html and "Continue attempt 1" in html
    # Starting again (a double click) reopens the same attempt.
    again = client.post(f"{QUIZ}/attempts")
    assert again.headers["Location"].endswith(f"/attempts/{attempt.id}")
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


# --------------------------------------------------------------------------- attempt page


def test_each_question_is_a_fieldset_with_a_legend_and_labelled_inputs(client, signed_in,
                                                                         learner, tmp_path):
    write_course(tmp_path, "every-type", 12)  # two of each question type
    import_courses(tmp_path)
    attempt = _start(client, "/courses/every-type/quizzes/check")
    html = _text(client.get(_url(attempt)))
    page = _structure(html)
    assert len(page.fieldsets) == 12
    for row, fieldset in zip(attempt.questions, page.fieldsets, strict=True):
        assert row.question.question("vi").text in " ".join(fieldset["legend"].split())
    assert page.controls, "no inputs"
    for control in page.controls:
        assert control.get("id") in page.labels, control
    assert page.inline == []  # the CSP allows no inline script or style
    types = {c.get("type") for c in page.controls if "type" in c}
    assert {"radio", "checkbox", "text"} <= types
    assert sum(1 for c in page.controls if "type" not in c) == 6  # 2 matching × 3 selects
    assert 'action="' in html and "/save\"" in html and "/submit\"" in html
    assert 'src="/static/js/quiz.js"' in html


def test_a_reload_shows_the_same_questions(client, signed_in, learner):
    complete_course(learner, WIFI)
    attempt = _start(client, HYGIENE_QUIZ)
    first = _text(client.get(_url(attempt)))
    second = _text(client.get(_url(attempt)))
    legends = [f["legend"] for f in _structure(first).fieldsets]
    assert len(legends) == 5 and legends == [f["legend"] for f in _structure(second).fieldsets]
    assert "Time left" in first


def test_questions_are_shown_in_the_learners_language(client, as_user, courses):
    as_user(create_user(locale="vi"))
    attempt = _start(client)
    html = _text(client.get(_url(attempt)))
    assert "mật khẩu quản trị mặc định" in html
    client.post("/logout")
    english = create_user(locale="en")
    as_user(english)
    attempt = _start(client)
    assert "default admin password" in _text(client.get(_url(attempt)))


def test_saving_keeps_the_answers(client, signed_in):
    attempt = _start(client)
    response = client.post(_url(attempt, "save"), data=_form(attempt))
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(attempt))
    db.session.expire_all()
    assert [row.response for row in attempt.questions] == [
        right_values(row) for row in attempt.questions]
    html = _text(client.get(_url(attempt)))
    assert "Your answers are saved." in html
    assert re.search(r'value="0" checked', html)  # the right default-password answer
    assert 'value="1"' in html


@pytest.mark.parametrize("forged", [
    {"q1": "5"},           # no such answer
    {"q2": "perhaps"},     # true/false
    {"q7": "0"},           # no such question
    {"q1.0": "0"},         # pairs belong to matching questions only
    {"qx": "1"},
])
def test_forged_values_are_refused_and_nothing_is_saved(client, signed_in, forged):
    attempt = _start(client)
    response = client.post(_url(attempt, "save"), data={**_form(attempt), **forged})
    assert response.status_code == 400
    assert "Nothing was saved" in _text(response)
    db.session.expire_all()
    assert all(row.response is None for row in attempt.questions)


def test_a_forged_submit_changes_nothing(client, signed_in):
    attempt = _start(client)
    response = client.post(_url(attempt, "submit"), data={**_form(attempt), "q1": "9"})
    assert response.status_code == 400
    db.session.refresh(attempt)
    assert attempt.submitted_at is None and attempt.score is None


def test_autosave_answers_json(client, signed_in):
    attempt = _start(client)
    response = client.post(_url(attempt, "autosave"), data=_form(attempt))
    assert response.status_code == 200 and response.json["saved"] is True
    assert "Saved at" in response.json["message"]
    bad = client.post(_url(attempt, "autosave"), data={"q1": "42"})
    assert bad.status_code == 400 and "Nothing was saved" in bad.json["message"]
    client.post(_url(attempt, "submit"), data=_form(attempt))
    closed = client.post(_url(attempt, "autosave"), data=_form(attempt, right=False))
    assert closed.status_code == 409 and closed.json["closed"] is True
    assert closed.json["url"].endswith(_url(attempt))


def test_posts_need_the_csrf_token(client, signed_in, app, monkeypatch):
    attempt = _start(client)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(_url(attempt, "save"), data=_form(attempt)).status_code == 400
    assert client.post(_url(attempt, "autosave"), data=_form(attempt)).status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _text(client.get(_url(attempt)))).group(1)
    # quiz.js sends the token in a header, as the JSON API's session callers do.
    saved = client.post(_url(attempt, "autosave"), data=_form(attempt),
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json["saved"]
    submitted = client.post(_url(attempt, "submit"), data={**_form(attempt), "csrf_token": token})
    assert submitted.status_code == 302
    db.session.refresh(attempt)
    assert attempt.score == 100.0


def test_the_time_limit_is_kept_by_the_server(client, signed_in, learner):
    complete_course(learner, WIFI)
    attempt = _start(client, HYGIENE_QUIZ)
    first = attempt.questions[0]
    client.post(_url(attempt, "save"), data={
        k: v for k, v in _form(attempt).items() if k.startswith(f"q{first.position}")})
    # Sixteen minutes later: the limit was fifteen.
    attempt.started_at -= timedelta(minutes=16)
    attempt.deadline_at -= timedelta(minutes=16)
    first.saved_at -= timedelta(minutes=16)
    db.session.commit()
    response = client.post(_url(attempt, "submit"), data=_form(attempt), follow_redirects=True)
    assert "Time ran out before you submitted" in _text(response)
    db.session.refresh(attempt)
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.score == pytest.approx(20.0)  # only what was saved in time
    responses = db.session.scalars(select(AttemptQuestion.response)
                                   .order_by(AttemptQuestion.position)).all()
    assert not any(responses[1:])  # the form sent them empty


def test_an_attempt_left_to_expire_is_graded_when_opened(client, signed_in, learner):
    complete_course(learner, WIFI)
    attempt = _start(client, HYGIENE_QUIZ)
    client.post(_url(attempt, "save"), data=_form(attempt))
    attempt.started_at = utcnow() - timedelta(hours=1)
    attempt.deadline_at = attempt.started_at + timedelta(minutes=15)
    for row in attempt.questions:
        row.saved_at = attempt.started_at + timedelta(minutes=5)
    db.session.commit()
    html = _text(client.get(HYGIENE_QUIZ))
    assert "Time ran out on your attempt" in html
    db.session.refresh(attempt)
    assert attempt.score == 100.0 and attempt.is_passed


# --------------------------------------------------------------------------- submitting


def test_submitting_twice_grades_once(client, signed_in):
    attempt = _start(client)
    first = client.post(_url(attempt, "submit"), data=_form(attempt), follow_redirects=True)
    assert "Your attempt is submitted." in _text(first)
    db.session.refresh(attempt)
    graded_at = attempt.submitted_at
    second = client.post(_url(attempt, "submit"), data=_form(attempt, right=False),
                         follow_redirects=True)
    assert "already submitted" in _text(second)
    db.session.refresh(attempt)
    assert attempt.submitted_at == graded_at and attempt.score == 100.0
    assert db.session.scalar(select(func.count(QuizPass.id))) == 1


# --------------------------------------------------------------------------- review


def _review(client, quiz_url=QUIZ, right=True):
    attempt = _start(client, quiz_url)
    response = client.post(_url(attempt, "submit"), data=_form(attempt, right=right),
                           follow_redirects=True)
    assert response.status_code == 200
    return attempt, _text(response)


def test_after_pass_review_shows_details_once_passed(client, signed_in):
    attempt, html = _review(client, right=False)
    assert "Not passed" in html and "0%" in html
    assert "shown once you pass" in html
    assert "Everyone knows default passwords." not in html
    assert len(_structure(html).fieldsets) == 0

    attempt, html = _review(client, right=True)
    assert "Passed" in html and "100%" in html
    assert len(_structure(html).fieldsets) == 3
    assert "Right." in html  # the chosen answer's feedback
    # Once passed, the earlier attempt's details show too, with its wrong answer's feedback.
    earlier = _text(client.get(_url(db.session.scalar(
        select(Attempt).where(Attempt.number == 1)))))
    assert "Everyone knows default passwords." in earlier
    assert "Your grade for this quiz is your best attempt (attempt 2, 100%)" in earlier


def test_after_submit_review_shows_details_even_when_failing(client, signed_in, learner):
    complete_course(learner, WIFI)
    attempt, html = _review(client, HYGIENE_QUIZ, right=False)
    assert "Not passed" in html
    assert len(_structure(html).fieldsets) == 5
    assert html.count("Incorrect") == 5
    # With attempts left and no pass, the right answers stay hidden.
    assert "right answer" not in html and "Right answer" not in html


def test_right_answers_are_revealed_once_they_cannot_help(client, signed_in, learner):
    complete_course(learner, WIFI)
    for _number in range(3):
        attempt, html = _review(client, HYGIENE_QUIZ, right=False)
    assert "Right answer" in html or "right answer" in html


def test_never_shows_only_the_score_and_the_verdict(client, signed_in, tmp_path):
    write_course(tmp_path, "no-feedback", 3, feedback="never")
    import_courses(tmp_path)
    attempt, html = _review(client, "/courses/no-feedback/quizzes/check", right=True)
    assert "Passed" in html and "100%" in html
    assert "not which answers were right" in html
    assert "Tốt" not in html and len(_structure(html).fieldsets) == 0


# --------------------------------------------------------------------------- statistics


def test_trainers_see_statistics_with_a_warning_when_attempts_are_few(client, as_user, courses):
    as_user(create_user(locale="en"))
    attempt = _start(client)
    client.post(_url(attempt, "submit"), data=_form(attempt))
    client.post("/logout")
    as_user(create_user("trainer", locale="en"))
    html = _text(client.get(f"{QUIZ}/statistics"))
    assert "Facility index" in html and "Discrimination index" in html
    assert 'id="too-few"' in html and "Only 1 attempt has been submitted" in html
    assert re.search(r'id="attempt-count">1<', html)
    assert "Question statistics" in _text(client.get(QUIZ))


def test_the_pages_use_only_external_scripts_and_styles():
    for template in Path("templates/quizzes").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "style=" not in text and "<style" not in text, template
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert re.search(r"\bon[a-z]+=", text) is None, template
