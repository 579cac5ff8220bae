"""The question model: stored text, JSON data for the database, and validation."""

import json
import math
import unicodedata

import pytest

from portal.quizzes.questions import Answer, MatchPair, NumericAnswer, Question

EXAMPLES = [
    Question("single_choice", "Chuẩn nào dùng cho hồ sơ bệnh án điện tử?", name="chuan-emr",
             format="markdown", category="$course$/Chuẩn dữ liệu", general_feedback="Xem bài 2.",
             answers=[Answer("HL7 FHIR", 100, "Đúng."), Answer("PDF", 0, "Không phải chuẩn.")]),
    Question("multiple_response", "Chọn hai", answers=[Answer("a", 50), Answer("b", 50),
                                                        Answer("c", -100)]),
    Question("true_false", "Mật khẩu có thể chia sẻ.", correct=False,
             feedback_true="Không bao giờ.", feedback_false="Đúng vậy."),
    Question("short_answer", "Thủ đô?", ignore_diacritics=True,
             answers=[Answer("Hà Nội", 100), Answer("Thăng Long", 50)]),
    Question("numerical", "Năm?", numeric=[NumericAnswer(1822, 2),
                                           NumericAnswer(low=1800, high=1830, fraction=50),
                                           NumericAnswer(fraction=0, feedback="Sai.")]),
    Question("matching", "Ghép", pairs=[MatchPair("a", "1"), MatchPair("b", "2"),
                                        MatchPair("", "3")]),
]


def test_text_is_stored_nfc_stripped_with_unix_line_breaks():
    question = Question(
        "short_answer", unicodedata.normalize("NFD", "  Hà Nội\r\nở đâu? "),
        answers=[Answer(unicodedata.normalize("NFD", "Việt Nam "), 100, " Đúng\r")],
    )
    assert question.text == "Hà Nội\nở đâu?"
    assert question.answers[0] == Answer("Việt Nam", 100.0, "Đúng")
    assert unicodedata.is_normalized("NFC", question.answers[0].text)


def test_source_line_is_kept_but_not_compared():
    first = Question("true_false", "Q", correct=True, line=3)
    second = Question("true_false", "Q", correct=True, line=40)
    assert first == second
    assert first.to_dict()["line"] == 3


@pytest.mark.parametrize("question", EXAMPLES, ids=lambda q: q.type)
def test_dict_round_trip_through_json(question):
    data = json.loads(json.dumps(question.to_dict(), allow_nan=False))
    assert Question.from_dict(data) == question
    assert list(data) == ["type", "text", "name", "format", "answers", "numeric", "pairs",
                          "correct", "feedback_true", "feedback_false", "general_feedback",
                          "category", "ignore_diacritics", "line"]
    assert json.dumps(data) == json.dumps(Question.from_dict(data).to_dict())


def test_from_dict_fills_defaults():
    question = Question.from_dict({"type": "true_false", "text": "Q", "correct": True})
    assert question == Question("true_false", "Q", correct=True)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"type": "true_false"}, ValueError),
        ({"type": "true_false", "text": "Q", "score": 1}, ValueError),
        ({"type": "short_answer", "text": "Q", "answers": [{"text": "a"}]}, ValueError),
        ({"type": "short_answer", "text": "Q", "answers": [{"text": "a", "fraction": "100"}]},
         TypeError),
        ({"type": "short_answer", "text": "Q", "answers": {"text": "a"}}, TypeError),
        ({"type": "true_false", "text": "Q", "correct": "yes"}, TypeError),
        ({"type": "true_false", "text": "Q", "correct": 1}, TypeError),
        ({"type": "true_false", "text": 5}, TypeError),
        ({"type": "numerical", "text": "Q", "numeric": [{"value": True}]}, TypeError),
        ({"type": "true_false", "text": "Q", "ignore_diacritics": 1}, TypeError),
        ([], ValueError),
    ],
)
def test_from_dict_refuses_malformed_data(data, error):
    with pytest.raises(error):
        Question.from_dict(data)


@pytest.mark.parametrize("question", EXAMPLES, ids=lambda q: q.type)
def test_examples_are_valid(question):
    assert question.validate() == []


def choice(kind, *fractions):
    return Question(kind, "Q", answers=[Answer(f"a{i}", f) for i, f in enumerate(fractions)])


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        (choice("single_choice", 0, 50), "no answer gives full marks"),
        (choice("single_choice", 100), "the question needs at least 2 answers"),
        (choice("single_choice", 100, 100), "needs a wrong or partly right answer"),
        (choice("single_choice", 100, -150), "weight -150 is outside -100..100"),
        (choice("multiple_response", 50, 25, -50), "the positive weights add up to 75%, not 100%"),
        (choice("multiple_response", 100, math.nan), "weight nan is outside -100..100"),
        (choice("short_answer", 50), "no answer gives full marks"),
        (choice("short_answer", 100, -10), "weight -10 is outside 0..100"),
        (choice("short_answer"), "the question needs at least 1 answer"),
        (Question("short_answer", "Q", answers=[Answer("a->b", 100)]), "cannot contain ->"),
        (Question("short_answer", "Q", answers=[Answer("", 100)]), "an answer has no text"),
        (Question("true_false", "Q"), "a true/false question needs its right answer"),
        (Question("numerical", "Q"), "the question needs at least 1 answer"),
        (Question("numerical", "Q", numeric=[NumericAnswer(low=5, high=3)]),
         "range 5..3 is reversed"),
        (Question("numerical", "Q", numeric=[NumericAnswer(5, -1)]),
         "a tolerance must be positive"),
        (Question("numerical", "Q", numeric=[NumericAnswer(math.inf)]), "numbers must be finite"),
        (Question("numerical", "Q", numeric=[NumericAnswer(5, low=1, high=9)]),
         "either a value with a tolerance or a range"),
        (Question("numerical", "Q", numeric=[NumericAnswer(low=5)]), "needs both its ends"),
        (Question("matching", "Q", pairs=[MatchPair("a", "1"), MatchPair("", "2")]),
         "a matching question needs at least two pairs"),
        (Question("matching", "Q", pairs=[MatchPair("a", "1"), MatchPair("b", "")]),
         "has no right-hand text"),
        (Question("matching", "Q", pairs=[MatchPair("a->", "1"), MatchPair("b", "2")]),
         "cannot contain ->"),
        (Question("true_false", "", correct=True), "the question has no text"),
        (Question("true_false", "Q", correct=True, format="rtf"), "unknown text format 'rtf'"),
        (Question("essay", "Q"), "unknown question type 'essay'"),
        (Question("true_false", "Q", correct=True, pairs=[MatchPair("a", "b")]),
         "pairs is not used by true_false questions"),
        (Question("single_choice", "Q", correct=True,
                  answers=[Answer("a", 100), Answer("b", 0)]),
         "correct is not used by single_choice questions"),
    ],
)
def test_validate_names_each_problem(question, problem):
    problems = question.validate()
    assert any(problem in text for text in problems), problems


def test_numbers_are_floats_and_text_is_required():
    assert NumericAnswer(value=3, tolerance=1).value == 3.0
    with pytest.raises(TypeError):
        Answer(None and "x" or 5, 100)
    with pytest.raises(TypeError):
        Answer("a", "100")
