"""Grading: the rules of each question type, and responses that do not belong to a question."""

import dataclasses
import inspect
import unicodedata

import pytest

from portal.quizzes import grading
from portal.quizzes.grading import (
    QUESTION_TYPES,
    GradeResult,
    InvalidResponse,
    grade,
    parse_number,
    parse_response,
)
from portal.quizzes.questions import TYPES, Answer, MatchPair, NumericAnswer, Question

HOMETOWN = Question("single_choice", "Jesus Christ was from _____.", answers=[
    Answer("Jerusalem", 0, "Wrong city."),
    Answer("Bethlehem", 25, "Born, not raised."),
    Answer("Galilee", 50),
    Answer("Nazareth", 100, "Yes!"),
    Answer("Rome", -50, "Far off."),
], general_feedback="Luke 2:39.")

ENTOMBED = Question("multiple_response", "Who is entombed in Grant's tomb?", answers=[
    Answer("No one", -50, "Someone is."),
    Answer("Grant", 50, "Yes, Grant."),
    Answer("Grant's wife", 50),
    Answer("Grant's father", -50),
])

CAPITAL = Question("short_answer", "Thủ đô của Việt Nam?", answers=[
    Answer("Hà Nội", 100, "Đúng."),
    Answer("Thăng Long", 50, "Tên cũ."),
])
CAPITAL_LENIENT = dataclasses.replace(CAPITAL, ignore_diacritics=True)

BORN = Question("numerical", "When was Grant born?", numeric=[
    NumericAnswer(1822, fraction=100, feedback="Exactly."),
    NumericAnswer(1822, 2, fraction=50, feedback="Close."),
    NumericAnswer(fraction=0, feedback="Not even close."),
])
PI = Question("numerical", "Pi to 3 places?", numeric=[NumericAnswer(3.1415, 0.0005)])
PI_RANGE = Question("numerical", "Pi to 3 places?", numeric=[NumericAnswer(low=3.141, high=3.142)])

CAPITALS = Question("matching", "Match the capitals.", pairs=[
    MatchPair("Canada", "Ottawa"), MatchPair("Italy", "Rome"), MatchPair("Japan", "Tokyo"),
    MatchPair("", "Sydney"),
], general_feedback="Capitals.")

SKY = Question("true_false", "The sky is blue.", correct=True,
               feedback_true="Right.", feedback_false="Look up.")


def nfd(text):
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("index", "fraction", "feedback"),
    [
        (0, 0.0, ("Wrong city.", "Luke 2:39.")),
        (1, 0.25, ("Born, not raised.", "Luke 2:39.")),
        (2, 0.5, ("Luke 2:39.",)),
        (3, 1.0, ("Yes!", "Luke 2:39.")),
        (4, 0.0, ("Far off.", "Luke 2:39.")),  # a negative weight floors at 0
        (None, 0.0, ("Luke 2:39.",)),
    ],
)
def test_single_choice_partial_credit(index, fraction, feedback):
    assert grade(HOMETOWN, index) == GradeResult(fraction, fraction == 1.0, feedback)


@pytest.mark.parametrize(
    ("chosen", "fraction"),
    [
        ({1, 2}, 1.0),
        ({1}, 0.5),
        ({1, 2, 3}, 0.5),
        ({0, 1}, 0.0),
        ({0}, 0.0),  # -50 floors at 0
        ({0, 3}, 0.0),
        (set(), 0.0),
        (None, 0.0),
    ],
)
def test_multiple_response_weights_floored_at_zero(chosen, fraction):
    result = grade(ENTOMBED, None if chosen is None else frozenset(chosen))
    assert (result.fraction, result.is_correct) == (fraction, fraction == 1.0)


def test_multiple_response_capped_and_rounding_counts_as_correct():
    over = Question("multiple_response", "Q", answers=[Answer("a", 60), Answer("b", 60)])
    thirds = Question("multiple_response", "Q", answers=[Answer(x, 33.333) for x in "abc"])
    assert grade(over, frozenset({0, 1})).fraction == 1.0
    assert grade(thirds, frozenset({0, 1, 2})).is_correct


def test_multiple_response_feedback_of_each_chosen_answer():
    assert grade(ENTOMBED, frozenset({1, 0})).feedback == ("Someone is.", "Yes, Grant.")


@pytest.mark.parametrize(
    ("response", "fraction", "feedback"),
    [(True, 1.0, ("Right.",)), (False, 0.0, ("Look up.",)), (None, 0.0, ())],
)
def test_true_false_all_or_nothing(response, fraction, feedback):
    assert grade(SKY, response) == GradeResult(fraction, fraction == 1.0, feedback)


@pytest.mark.parametrize(
    ("question", "typed", "fraction"),
    [
        (CAPITAL, "Hà Nội", 1.0),
        (CAPITAL, nfd("Hà Nội"), 1.0),  # decomposed input matches the NFC answer
        (CAPITAL, "  hà   NỘI ", 1.0),  # case and runs of spaces do not matter
        (CAPITAL, "thăng long", 0.5),  # partial credit
        (CAPITAL, "Ha Noi", 0.0),  # diacritics matter unless the author allows
        (CAPITAL, "Hà Nôi", 0.0),
        (CAPITAL_LENIENT, "ha noi", 1.0),
        (CAPITAL_LENIENT, nfd("Hà Nội"), 1.0),
        (CAPITAL_LENIENT, "THANG LONG", 0.5),
        (CAPITAL_LENIENT, "Sài Gòn", 0.0),
        (CAPITAL, None, 0.0),
    ],
)
def test_short_answer_comparison(question, typed, fraction):
    assert grade(question, typed).fraction == fraction


@pytest.mark.parametrize(
    ("accepted", "typed", "ignore", "matches"),
    [
        ("Đà Nẵng", "da nang", True, True),  # đ is d when diacritics are optional
        ("Đà Nẵng", "đà nẵng", False, True),
        ("Đà Nẵng", "da nang", False, False),
        ("*mã ICD*", "dùng mã ICD-10", False, True),  # Moodle's wildcard
        ("ICD-*", "ICD-", False, True),
        ("a\\*b", "a*b", False, True),  # an escaped star is a star
        ("a\\*b", "axb", False, False),
        ("a.b", "axb", False, False),  # other characters are literal
        ("a*b*c", "abc", False, True),
        ("a*b*c", "acb", False, False),
        ("ab*ba", "aba", False, False),  # the two ends cannot overlap
        ("*a*a*a*a*a*b", "a" * 2000, False, False),  # no catastrophic backtracking
    ],
)
def test_short_answer_text_matching(accepted, typed, ignore, matches):
    assert grading.text_matches(typed, accepted, ignore_diacritics=ignore) is matches


def test_short_answer_best_answer_and_its_feedback():
    question = Question("short_answer", "Q", answers=[Answer("*", 10, "Any."),
                                                      Answer("fhir", 100, "Yes.")])
    assert grade(question, "FHIR") == GradeResult(1.0, True, ("Yes.",))
    assert grade(question, "hl7") == GradeResult(0.1, False, ("Any.",))


@pytest.mark.parametrize(
    ("question", "typed", "fraction", "feedback"),
    [
        (BORN, "1822", 1.0, ("Exactly.",)),
        (BORN, " 1822 ", 1.0, ("Exactly.",)),
        (BORN, "1822,0", 1.0, ("Exactly.",)),
        (BORN, "1823", 0.5, ("Close.",)),
        (BORN, "1820", 0.5, ("Close.",)),
        (BORN, "1824.5", 0.0, ("Not even close.",)),
        (BORN, "eighteen", 0.0, ("Not even close.",)),  # not a number: wrong, not an error
        (PI, "3.1415", 1.0, ()),
        (PI, "3,141", 1.0, ()),  # decimal comma; the bound holds despite binary rounding
        (PI, "3.142", 1.0, ()),
        (PI, "3.1409", 0.0, ()),
        (PI, "3.14.1", 0.0, ()),
        (PI_RANGE, "3.141", 1.0, ()),
        (PI_RANGE, "3,1425", 0.0, ()),
        (PI_RANGE, "\u22123.1415", 0.0, ()),
    ],
)
def test_numerical_tolerances_ranges_and_several_answers(question, typed, fraction, feedback):
    assert grade(question, typed) == GradeResult(fraction, fraction == 1.0, feedback)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("3,5", 3.5), ("3.5", 3.5), (" -2 ", -2.0), ("\u22122", -2.0), ("1e3", 1000.0),
     ("1,000.5", None), ("1,2,3", None), ("", None), ("nan", None), ("inf", None),
     ("1e999", None), ("٣", None), ("1_000", None)],
)
def test_parse_number(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize(
    ("response", "fraction"),
    [
        (("Ottawa", "Rome", "Tokyo", None), 1.0),
        (("Ottawa", "Rome", "Sydney", None), 2 / 3),
        (("Ottawa", None, None, None), 1 / 3),
        (("Rome", "Ottawa", "Tokyo", "Sydney"), 1 / 3),  # the distractor's slot is not graded
        ((None, None, None, None), 0.0),
        (None, 0.0),
    ],
)
def test_matching_share_of_pairs(response, fraction):
    result = grade(CAPITALS, response)
    assert (result.fraction, result.feedback) == (pytest.approx(fraction), ("Capitals.",))


@pytest.mark.parametrize(
    ("question", "values", "response"),
    [
        (HOMETOWN, ["3"], 3),
        (HOMETOWN, [], None),
        (ENTOMBED, ["2", "1"], frozenset({1, 2})),
        (ENTOMBED, [], frozenset()),
        (SKY, ["false"], False),
        (SKY, [], None),
        (CAPITAL, [" Hà Nội "], " Hà Nội "),
        (CAPITAL, ["   "], None),
        (BORN, ["3,5"], "3,5"),
        (BORN, ["abc"], "abc"),
        (CAPITALS, ["Rome", "", nfd("Ottawa"), ""], ("Rome", None, "Ottawa", None)),
        (CAPITALS, [], (None, None, None, None)),
    ],
)
def test_parse_response_accepts_what_the_form_sends(question, values, response):
    assert parse_response(question, values) == response


@pytest.mark.parametrize(
    ("question", "values"),
    [
        (HOMETOWN, ["5"]),  # no such answer
        (HOMETOWN, ["-1"]),
        (HOMETOWN, ["01"]),
        (HOMETOWN, [" 1"]),
        (HOMETOWN, ["1", "2"]),  # several values for a single choice
        (HOMETOWN, [""]),
        (HOMETOWN, ["١"]),  # a digit, but not an ASCII one
        (ENTOMBED, ["1", "1"]),  # the same answer twice
        (ENTOMBED, ["4"]),
        (ENTOMBED, ["x"]),
        (SKY, ["yes"]),
        (SKY, ["true", "false"]),
        (CAPITAL, ["a", "b"]),
        (CAPITAL, ["x" * 5000]),
        (BORN, ["1", "2"]),
        (CAPITALS, ["Ottawa"]),  # one value per pair
        (CAPITALS, ["Ottawa", "Rome", "Hà Nội", ""]),  # not an option of this question
        (CAPITALS, ["Canada", "", "", ""]),  # a left-hand text is not an option either
    ],
)
def test_parse_response_refuses_foreign_values(question, values):
    with pytest.raises(InvalidResponse):
        parse_response(question, values)


@pytest.mark.parametrize(
    ("question", "response"),
    [(HOMETOWN, 7), (HOMETOWN, True), (ENTOMBED, frozenset({9})), (SKY, "true"),
     (CAPITALS, ("Ottawa",)), (CAPITALS, ("Paris", None, None, None))],
)
def test_grade_refuses_responses_that_do_not_belong(question, response):
    with pytest.raises(InvalidResponse):
        grade(question, response)


def test_registry_has_every_type_with_real_staticmethods():
    assert list(QUESTION_TYPES) == list(TYPES)
    for cls in QUESTION_TYPES.values():
        for name in ("grade", "parse_response"):
            assert isinstance(inspect.getattr_static(cls, name), staticmethod)


def test_unknown_type_is_an_error():
    with pytest.raises(ValueError, match="unknown question type"):
        grade(Question("essay", "Q"), "text")


def test_grade_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        grade(SKY, True).fraction = 0.5
