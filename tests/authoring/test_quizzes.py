"""Building a quiz in the studio: a form for every question type, GIFT in and out, statistics,
and fixing a published question in the next version or by a regraded correction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.quizzes.gift import parse_gift
from portal.quizzes.models import Attempt
from portal.quizzes.services import save_answers, start_attempt, submit_attempt
from tests.authoring.helpers import (
    SLUG,
    add_item,
    course_row,
    create_course,
    item,
    question,
    save_lesson,
    text,
)
from tests.factories import create_user

#: One question of each type, as a trainer fills its form (both languages).
FORMS = {
    "single_choice": {
        "name": "default-password", "text_vi": "Làm gì với mật khẩu mặc định?",
        "text_en": "What to do with the default password?",
        "answers-0-text_vi": "Đổi ngay", "answers-0-text_en": "Change it now",
        "answers-0-weight": "100", "answers-0-feedback_vi": "Đúng.",
        "answers-0-feedback_en": "Right.",
        "answers-1-text_vi": "Giữ nguyên", "answers-1-text_en": "Keep it",
    },
    "multiple_response": {
        "name": "strong", "text_vi": "Mật khẩu mạnh có gì?", "text_en": "A strong password has?",
        "answers-0-text_vi": "Chữ hoa", "answers-0-text_en": "Capitals", "answers-0-weight": "50",
        "answers-1-text_vi": "Chữ số", "answers-1-text_en": "Digits", "answers-1-weight": "50",
        "answers-2-text_vi": "Tên mình", "answers-2-text_en": "Your name",
        "answers-2-weight": "-100",
    },
    "true_false": {
        "name": "guest", "text_vi": "Người bệnh dùng mạng khách.",
        "text_en": "Patients use the guest network.", "correct": "true",
        "feedback_false_vi": "Sai: mạng khách tách khỏi máy trạm.",
    },
    "short_answer": {
        "name": "standard", "text_vi": "Chuẩn trao đổi dữ liệu y tế là gì?",
        "answers-0-text_vi": "HL7 FHIR", "answers-1-text_vi": "FHIR", "answers-1-weight": "50",
        "ignore_diacritics": "y",
    },
    "numerical": {
        "name": "months", "text_vi": "Đổi mật khẩu sau bao nhiêu tháng?",
        "numeric-0-value": "3", "numeric-0-tolerance": "0,5",
        "numeric-1-low": "6", "numeric-1-high": "12", "numeric-1-weight": "50",
    },
    "matching": {
        "name": "match", "text_vi": "Ghép cặp.", "text_en": "Match.",
        "pairs-0-left_vi": "EMR", "pairs-0-right_vi": "Bệnh án điện tử",
        "pairs-0-left_en": "EMR", "pairs-0-right_en": "Electronic record",
        "pairs-1-left_vi": "PHR", "pairs-1-right_vi": "Sổ sức khỏe",
        "pairs-1-left_en": "PHR", "pairs-1-right_en": "Health book",
        "pairs-2-right_vi": "Máy in", "pairs-2-right_en": "Printer",
    },
}


@pytest.fixture
def quiz(studio):
    """A draft course with a lesson and an empty quiz (no shuffling, for predictable tests)."""
    create_course(studio)
    add_item(studio, "lesson", "router", "Bộ phát")
    save_lesson(studio, item("router"), title_vi="Bộ phát", body_vi="Đổi mật khẩu.")
    add_item(studio, "quiz", "check", "Kiểm tra")
    quiz = item("check")
    response = studio.post(f"/studio/courses/{SLUG}/items/{quiz.id}", data={
        "lock": quiz.lock_version, "title_vi": "Kiểm tra", "title_en": "Check",
        "pass_mark": "60", "attempts": "0", "time_limit": "0", "draw": "0",
        "feedback": "after_submit"})
    assert response.status_code == 302, text(response)
    return item("check")


def add_question(client, quiz, qtype, data):
    return client.post(f"/studio/courses/{SLUG}/items/{quiz.id}/questions/new?type={qtype}",
                       data={**data, "save": "1"})


def test_every_question_type_is_built_in_its_own_form(studio, quiz):
    for qtype, data in FORMS.items():
        assert "Add rows" in text(studio.get(
            f"/studio/courses/{SLUG}/items/{quiz.id}/questions/new?type={qtype}"))
        response = add_question(studio, quiz, qtype, data)
        assert response.status_code == 302, (qtype, text(response))
    rows = item("check").questions
    assert [r.qtype for r in rows] == list(FORMS)
    single = rows[0]
    assert single.data["vi"]["answers"][0] == {"text": "Đổi ngay", "fraction": 100.0,
                                               "feedback": "Đúng."}
    assert single.data["en"]["answers"][1]["text"] == "Keep it"
    assert [a["fraction"] for a in rows[1].data["vi"]["answers"]] == [50.0, 50.0, -100.0]
    assert rows[2].data["vi"]["correct"] is True and "en" in rows[2].data
    assert rows[3].data["vi"]["ignore_diacritics"] and "en" not in rows[3].data
    assert rows[4].data["vi"]["numeric"][0]["tolerance"] == 0.5
    assert rows[4].data["vi"]["numeric"][1]["low"] == 6.0
    assert rows[5].data["vi"]["pairs"][2] == {"left": "", "right": "Máy in"}
    page = text(studio.get(f"/studio/courses/{SLUG}/items/{quiz.id}"))
    assert page.count("not in English yet") == 2  # the short answer and the numerical one


def test_a_stored_question_fills_its_form_again(studio, quiz):
    add_question(studio, quiz, "numerical", FORMS["numerical"])
    row = question("months")
    page = text(studio.get(f"/studio/courses/{SLUG}/questions/{row.id}"))
    assert 'name="numeric-0-tolerance" type="text" value="0.5"' in page
    assert 'name="numeric-1-low" type="text" value="6"' in page


@pytest.mark.parametrize(("qtype", "change", "field_or_text"), [
    ("single_choice", {"answers-0-weight": "abc"}, 'id="answers-0-weight-error"'),
    ("single_choice", {"answers-0-weight": ""}, "no answer gives full marks"),
    ("single_choice", {"answers-1-text_en": ""}, 'id="answers-1-text_en-error"'),
    ("multiple_response", {"answers-1-weight": "20"}, "add up to 70%, not 100%"),
    ("true_false", {"correct": ""}, 'id="correct-error"'),
    ("matching", {"pairs-1-left_vi": "", "pairs-1-left_en": ""}, "at least two pairs"),
    ("matching", {"pairs-2-left_en": "X"}, 'id="pairs-2-left_en-error"'),
    ("short_answer", {"text_vi": ""}, 'id="text_vi-error"'),
    ("numerical", {"numeric-0-value": "3", "numeric-0-low": "1"}, "either a value"),
])
def test_question_errors_are_shown_at_the_field(studio, quiz, qtype, change, field_or_text):
    response = add_question(studio, quiz, qtype, {**FORMS[qtype], **change})
    assert response.status_code == 422
    assert field_or_text in text(response)
    assert item("check").questions == []


def test_a_taken_question_name_is_refused(studio, quiz):
    add_question(studio, quiz, "true_false", FORMS["true_false"])
    response = add_question(studio, quiz, "true_false", FORMS["true_false"])
    assert response.status_code == 422 and 'id="name-error"' in text(response)


def test_add_rows_keeps_what_was_typed(studio, quiz):
    response = studio.post(
        f"/studio/courses/{SLUG}/items/{quiz.id}/questions/new?type=single_choice",
        data={**FORMS["single_choice"], "more": "1"})
    page = text(response)
    assert response.status_code == 200 and 'value="Đổi ngay"' in page
    assert 'name="answers-5-text_vi"' in page and item("check").questions == []


def test_questions_are_edited_moved_and_removed(studio, quiz):
    add_question(studio, quiz, "true_false", FORMS["true_false"])
    add_question(studio, quiz, "single_choice", FORMS["single_choice"])
    row = question("guest")
    response = studio.post(f"/studio/courses/{SLUG}/questions/{row.id}", data={
        **FORMS["true_false"], "correct": "false", "lock": row.lock_version, "save": "1"})
    assert response.status_code == 302, text(response)
    assert question("guest").data["vi"]["correct"] is False
    studio.post(f"/studio/courses/{SLUG}/questions/{row.id}/move", data={"direction": "down"})
    assert [q.name for q in item("check").questions] == ["default-password", "guest"]
    studio.post(f"/studio/courses/{SLUG}/questions/{row.id}/delete")
    assert [q.name for q in item("check").questions] == ["default-password"]
    assert [q.position for q in item("check").questions] == [1]


GIFT = """// Moodle bank
::q-a::Mạng khách tách khỏi máy trạm.{TRUE}

Câu không tên: chọn đáp án đúng.{=Đúng ~Sai}

::broken::Câu hỏng {=a ~b
"""


def test_gift_is_shown_back_with_errors_at_their_line_before_saving(studio, quiz):
    url = f"/studio/courses/{SLUG}/items/{quiz.id}/gift"
    response = studio.post(url, data={"text": GIFT, "lang": "vi", "check": "1"})
    assert response.status_code == 422
    page = text(response)
    assert "Line 6" in page and "2 questions read" in page and "Save these questions" not in page
    assert item("check").questions == []
    fixed = GIFT.replace("::broken::Câu hỏng {=a ~b\n", "")
    response = studio.post(url, data={"text": fixed, "lang": "vi", "check": "1"})
    assert response.status_code == 200 and "Save these questions" in text(response)
    assert "[True or false] q-a" in text(response)
    assert item("check").questions == []
    response = studio.post(url, data={"text": fixed, "lang": "vi", "save": "1"})
    assert response.status_code == 302
    assert [q.name for q in item("check").questions] == ["q-a", "q1"]


def test_english_gift_pairs_with_the_vietnamese_questions_by_name(studio, quiz):
    url = f"/studio/courses/{SLUG}/items/{quiz.id}/gift"
    studio.post(url, data={"text": "::q-a::Mạng khách.{TRUE}\n", "lang": "vi", "save": "1"})
    wrong = studio.post(url, data={"text": "::q-a::Guest network.{FALSE}\n", "lang": "en",
                                   "check": "1"})
    assert wrong.status_code == 422 and "same right answers" in text(wrong)
    unknown = studio.post(url, data={"text": "::zz::Other.{TRUE}\n", "lang": "en",
                                     "check": "1"})
    assert "No Vietnamese question is called zz" in text(unknown)
    ok = studio.post(url, data={"text": "::q-a::Guest network.{TRUE}\n", "lang": "en",
                                "save": "1"})
    assert ok.status_code == 302
    assert question("q-a").data["en"]["text"] == "Guest network."


def test_gift_upload_and_export_round_trip(studio, quiz):
    for qtype, data in FORMS.items():
        add_question(studio, quiz, qtype, data)
    exported = studio.get(f"/studio/courses/{SLUG}/items/{quiz.id}/gift/vi")
    assert exported.status_code == 200
    assert 'filename="02-check.gift"' in exported.headers["Content-Disposition"]
    parsed, errors = parse_gift(text(exported))
    assert errors == [] and [q.name for q in parsed] == [d["name"] for d in FORMS.values()]
    assert parsed == [r.question("vi") for r in item("check").questions]
    english = text(studio.get(f"/studio/courses/{SLUG}/items/{quiz.id}/gift/en"))
    assert "Change it now" in english
    # The same file uploaded into another quiz reads back the same questions.
    add_item(studio, "quiz", "again")
    other = item("again")
    response = studio.post(f"/studio/courses/{SLUG}/items/{other.id}/gift", data={
        "lang": "vi", "save": "1",
        "upload": (__import__("io").BytesIO(exported.data), "02-check.gift")})
    assert response.status_code == 302, text(response)
    assert [q.question("vi") for q in item("again").questions] == \
        [q.question("vi") for q in item("check").questions]


def _take(learner, quiz, answers_by_name):
    """Start, answer and submit an attempt through the quiz engine's services."""
    attempt = start_attempt(learner, quiz).attempt
    values = {row.position: answers_by_name.get(row.question.name, [])
              for row in attempt.questions}
    save_answers(learner, attempt, values)
    submit_attempt(learner, attempt)
    db.session.commit()
    return attempt


def _published(studio, quiz):
    add_question(studio, quiz, "single_choice", FORMS["single_choice"])
    add_question(studio, quiz, "true_false", FORMS["true_false"])
    response = studio.post(f"/studio/courses/{SLUG}/publish", data={"note": "v1"})
    assert response.status_code == 302, text(response)
    return course_row().live_version


def test_a_wrong_answer_key_is_corrected_and_regraded(studio, quiz):
    live = _published(studio, quiz)
    live_quiz = next(i for i in live.items if i.slug == "check")
    learner = create_user("learner")
    # The learner answers "Giữ nguyên" (index 1) and "false": both wrong under the key.
    attempt = _take(learner, live_quiz, {"default-password": ["1"], "guest": ["false"]})
    assert attempt.score == 0 and not attempt.is_passed
    # A draft started before the correction gets the same fix.
    studio.post(f"/studio/courses/{SLUG}/draft")
    row = next(q for q in live_quiz.questions if q.name == "guest")
    page = text(studio.get(f"/studio/courses/{SLUG}/questions/{row.id}"))
    assert "Fix it in the draft" in page and "Correct the answer key" in page
    response = studio.post(f"/studio/courses/{SLUG}/questions/{row.id}/correct", data={
        **FORMS["true_false"], "correct": "false", "lock": row.lock_version, "save": "1"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == 50
    assert "1 submitted attempts were regraded" in text(studio.get(response.headers["Location"]))
    assert question("guest").data["vi"]["correct"] is False  # the draft's copy
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "quiz.regraded" in actions
    # A correction may not change the number of answers.
    single = next(q for q in live_quiz.questions if q.name == "default-password")
    bad = studio.post(f"/studio/courses/{SLUG}/questions/{single.id}/correct", data={
        **FORMS["single_choice"], "answers-2-text_vi": "Thêm", "answers-2-text_en": "More",
        "lock": single.lock_version, "save": "1"})
    assert bad.status_code == 422 and "keeps the number of answers" in text(bad)


def test_a_published_question_is_fixed_in_the_next_version(studio, quiz):
    live = _published(studio, quiz)
    row = next(q for i in live.items if i.is_quiz for q in i.questions if q.name == "guest")
    frozen = studio.post(f"/studio/courses/{SLUG}/questions/{row.id}", data={
        **FORMS["true_false"], "text_vi": "Sửa", "lock": row.lock_version, "save": "1"})
    assert frozen.status_code == 422
    response = studio.post(f"/studio/courses/{SLUG}/questions/{row.id}/next-version")
    assert response.status_code == 302
    twin = question("guest")
    assert twin.id != row.id and twin.quiz.version.number == 2
    assert response.headers["Location"].endswith(f"/questions/{twin.id}")
    assert studio.post(f"/studio/courses/{SLUG}/questions/{twin.id}", data={
        **FORMS["true_false"], "text_vi": "Câu đã sửa.", "lock": twin.lock_version,
        "save": "1"}).status_code == 302
    assert studio.post(f"/studio/courses/{SLUG}/publish",
                       data={"note": "Sửa câu guest"}).status_code == 302
    diff = text(studio.get(f"/studio/courses/{SLUG}/diff?old=1&new=2"))
    assert "Question guest" in diff and "Câu đã sửa." in diff


def test_statistics_page_shows_each_question(studio, quiz, count_queries):
    live = _published(studio, quiz)
    live_quiz = next(i for i in live.items if i.slug == "check")
    for answer in (["0"], ["1"]):
        _take(create_user("learner"), live_quiz, {"default-password": answer,
                                                  "guest": ["true"]})
    page = text(studio.get(f"/studio/courses/{SLUG}/items/{live_quiz.id}/statistics"))
    assert '<dd id="attempt-count">2</dd>' in page and 'id="stats-guest"' in page
    assert "Only 2 attempts have been submitted" in page
    learners = text(studio.get(f"/studio/courses/{SLUG}/learners"))
    row = learners.split('id="step-check"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row  # attempted
