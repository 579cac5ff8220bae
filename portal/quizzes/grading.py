"""Grade responses to questions: one class per question type in :data:`QUESTION_TYPES`.

Each type turns the values a form posted into a response (``parse_response``), refusing any
value that does not belong to the question, so that a forged or stale field can never change a
score, and grades a response (``grade``) into a :class:`GradeResult`. Unanswered (``None``)
scores 0. The rules are the portal's, close to Moodle's:

- single choice: the chosen answer's fraction, never below 0;
- multiple response: the sum of the chosen fractions, floored at 0 and capped at 100;
- true/false: all or nothing;
- short answer: the best matching answer, ignoring case, runs of spaces and Unicode
  normalisation (and diacritics when the question allows it); ``*`` matches anything, ``\\*``
  is a star;
- numerical: the best answer the number satisfies; ``3,5`` and ``3.5`` are the same number;
- matching: the share of pairs matched right.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.quizzes.questions import FULL, NumericAnswer, Question
from portal.text import fold, nfc, squash

#: A fraction at or above this counts as correct (absorbs rounding of 33.333 + 66.667).
CORRECT_AT = 0.999
#: The longest text answer accepted; longer is not something a learner typed.
MAX_TYPED = 2000
_INDEX = re.compile(r"0|[1-9][0-9]{0,5}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_STARS = re.compile(r"(\\\*|\*+)")


@dataclass(frozen=True)
class GradeResult:
    """The grade of one response."""

    #: Share of the question's mark, 0..1.
    fraction: float
    is_correct: bool
    #: The feedback of what was chosen or matched, then the general feedback.
    feedback: tuple[str, ...]


class InvalidResponse(ValueError):
    """A submitted value that does not belong to the question."""


def _result(question: Question, percent: float, feedback: Sequence[str] = ()) -> GradeResult:
    """Return the grade for *percent* (clamped to 0..100) with *feedback* and general feedback."""
    fraction = min(max(percent, 0.0), FULL) / FULL
    texts = tuple(text for text in (*feedback, question.general_feedback) if text)
    return GradeResult(fraction, fraction >= CORRECT_AT, texts)


def _single_value(values: Sequence[str]) -> str | None:
    """Return the one posted value, or None when there is none.

    :raises InvalidResponse: on several values or a value that is not text
    """
    values = list(values)
    if len(values) > 1:
        raise InvalidResponse("several values for a question that takes one")
    if values and not isinstance(values[0], str):
        raise InvalidResponse("a posted value must be text")
    return values[0] if values else None


def _index(question: Question, value: Any) -> int:
    """Return *value* as an index into ``question.answers``.

    :raises InvalidResponse: when *value* is not the decimal index of one of its answers
    """
    if isinstance(value, str) and _INDEX.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidResponse(f"not an answer index: {value!r}")
    if not 0 <= value < len(question.answers):
        raise InvalidResponse(f"no answer {value} in this question")
    return value


def _typed(values: Sequence[str]) -> str | None:
    """Return the typed text, or None when nothing was typed."""
    value = _single_value(values)
    if value is not None and len(value) > MAX_TYPED:
        raise InvalidResponse("the answer is too long")
    return value if value and value.strip() else None


class SingleChoice:
    """One answer chosen by its index; scores that answer's fraction, never below 0."""

    @staticmethod
    def parse_response(question: Question, values: Sequence[str]) -> int | None:
        """Return the chosen index, or None when nothing was chosen.

        :raises InvalidResponse: on several values or an index the question does not have
        """
        value = _single_value(values)
        return None if value is None else _index(question, value)

    @staticmethod
    def grade(question: Question, response: int | None) -> GradeResult:
        """Grade the chosen index.

        :raises InvalidResponse: on an index the question does not have
        """
        if response is None:
            return _result(question, 0.0)
        answer = question.answers[_index(question, response)]
        return _result(question, answer.fraction, [answer.feedback])


class MultipleResponse:
    """Several answers chosen; the sum of their fractions, floored at 0 and capped at 100."""

    @staticmethod
    def parse_response(question: Question, values: Sequence[str]) -> frozenset[int]:
        """Return the chosen indexes (empty when none was ticked).

        :raises InvalidResponse: on an index the question does not have, or one sent twice
        """
        values = list(values)
        chosen = frozenset(_index(question, value) for value in values)
        if len(chosen) != len(values):
            raise InvalidResponse("an answer was sent twice")
        return chosen

    @staticmethod
    def grade(question: Question, response: frozenset[int] | None) -> GradeResult:
        """Grade the chosen indexes.

        :raises InvalidResponse: on an index the question does not have
        """
        chosen = {_index(question, index) for index in response or ()}
        picked = [answer for i, answer in enumerate(question.answers) if i in chosen]
        total = sum(answer.fraction for answer in picked)
        return _result(question, total, [answer.feedback for answer in picked])


class TrueFalse:
    """True or false, all or nothing; the feedback is the one for the learner's answer."""

    @staticmethod
    def parse_response(question: Question, values: Sequence[str]) -> bool | None:
        """Return True for ``"true"``, False for ``"false"``, None when nothing was chosen.

        :raises InvalidResponse: on any other value, or several
        """
        value = _single_value(values)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise InvalidResponse(f"not true or false: {value!r}")
        return value == "true"

    @staticmethod
    def grade(question: Question, response: bool | None) -> GradeResult:
        """Grade the learner's True or False."""
        if response is None:
            return _result(question, 0.0)
        if not isinstance(response, bool):
            raise InvalidResponse(f"not true or false: {response!r}")
        feedback = question.feedback_true if response else question.feedback_false
        return _result(question, FULL if response == question.correct else 0.0, [feedback])


def _key(text: str, ignore_diacritics: bool) -> str:
    """Return *text* as short answers compare it."""
    return fold(text) if ignore_diacritics else squash(text)


def text_matches(typed: str, accepted: str, *, ignore_diacritics: bool = False) -> bool:
    """Return whether *typed* matches the short answer *accepted*.

    Case, runs of white space and Unicode normalisation never matter; diacritics (and đ/d) do not
    when *ignore_diacritics*. As in Moodle, ``*`` in *accepted* matches any text and ``\\*`` is a
    literal star.
    """
    # Literal pieces between the stars, matched greedily left to right: linear time, where a
    # regular expression of several .* could backtrack for ever on a long answer.
    pieces = [""]
    for bit in _STARS.split(_key(accepted, ignore_diacritics)):
        if bit.startswith("*"):
            pieces.append("")
        else:
            pieces[-1] += "*" if bit == "\\*" else bit
    text = _key(typed, ignore_diacritics)
    if len(pieces) == 1:
        return text == pieces[0]
    first, *middle, last = pieces
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    position, end = len(first), len(text) - len(last)
    for piece in middle:
        if (found := text.find(piece, position, end)) < 0:
            return False
        position = found + len(piece)
    return True


class ShortAnswer:
    """Typed text; scores the best answer it matches (see :func:`text_matches`)."""

    @staticmethod
    def parse_response(question: Question, values: Sequence[str]) -> str | None:
        """Return the typed text, or None when nothing was typed.

        :raises InvalidResponse: on several values or a text too long to be typed
        """
        return _typed(values)

    @staticmethod
    def grade(question: Question, response: str | None) -> GradeResult:
        """Grade the typed text against every accepted answer; the best one counts."""
        if response is None:
            return _result(question, 0.0)
        matched = [
            answer for answer in question.answers
            if text_matches(response, answer.text, ignore_diacritics=question.ignore_diacritics)
        ]
        if not matched:
            return _result(question, 0.0)
        best = max(matched, key=lambda answer: answer.fraction)
        return _result(question, best.fraction, [best.feedback])


def parse_number(typed: str) -> float | None:
    """Return the number a learner typed, or None when it is not one.

    Surrounding spaces are ignored; a single comma with no point is a decimal comma
    (``3,5`` is 3.5), as Vietnamese writes it; ``−`` (U+2212) is a minus.
    """
    text = nfc(typed).replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text) or not math.isfinite(value := float(text)):
        return None
    return value


def _satisfies(answer: NumericAnswer, value: float | None) -> bool:
    """Return whether *value* (None: not a number) meets *answer*.

    Like Moodle, the bounds get a hair of slack (1e-14 of their size) so that binary rounding
    of, say, 3.1415 ± 0.0005 does not reject 3.141.
    """
    if answer.is_catch_all:
        return True
    if value is None:
        return False
    if answer.value is not None:
        low, high = answer.value - answer.tolerance, answer.value + answer.tolerance
    else:
        low, high = answer.low, answer.high
    slack = 1e-14 * max(1.0, abs(low), abs(high))
    return low - slack <= value <= high + slack


class Numerical:
    """A typed number; scores the best answer it satisfies (value ± tolerance, or a range)."""

    @staticmethod
    def parse_response(question: Question, values: Sequence[str]) -> str | None:
        """Return the text as typed (parsed when graded), or None when nothing was typed.

        :raises InvalidResponse: on several values or a text too long to be typed
        """
        return _typed(values)

    @staticmethod
    def grade(question: Question, response: str | None) -> GradeResult:
        """Grade the typed number; text that is not a number is simply wrong."""
        if response is None:
            return _result(question, 0.0)
        value = parse_number(response)
        met = [answer for answer in question.numeric if _satisfies(answer, value)]
        if not met:
            return _result(question, 0.0)
        best = max(met, key=lambda answer: answer.fraction)
        return _result(question, best.fraction, [best.feedback])


class Matching:
    """One right-hand text chosen per pair, in pair order; scores the share matched right.

    A pair without left-hand text is a distractor (Moodle's): its right-hand text is offered,
    its slot is not graded.
    """

    @staticmethod
    def parse_response(question: Question, values: Sequence[str]) -> tuple[str | None, ...]:
        """Return the chosen right-hand texts in pair order, None where nothing was chosen.

        :param values: one value per pair, ``""`` for none; an empty list means none at all
        :raises InvalidResponse: on a count that is not the number of pairs, or a text that is
            not one of the question's right-hand texts
        """
        values = list(values) or [""] * len(question.pairs)
        if len(values) != len(question.pairs):
            raise InvalidResponse("one value per pair is expected")
        if not all(isinstance(value, str) for value in values):
            raise InvalidResponse("a posted value must be text")
        response = tuple(nfc(value) or None for value in values)
        Matching._check(question, response)
        return response

    @staticmethod
    def _check(question: Question, response: tuple[str | None, ...]) -> None:
        options = {pair.right for pair in question.pairs}
        if len(response) != len(question.pairs):
            raise InvalidResponse("one value per pair is expected")
        if unknown := [value for value in response if value is not None and value not in options]:
            raise InvalidResponse(f"not an option of this question: {unknown[0]!r}")

    @staticmethod
    def grade(question: Question, response: tuple[str | None, ...] | None) -> GradeResult:
        """Grade the chosen right-hand texts.

        :raises InvalidResponse: on a wrong count or a text that is not an option
        """
        stems = [i for i, pair in enumerate(question.pairs) if pair.left]
        if response is None or not stems:
            return _result(question, 0.0)
        Matching._check(question, tuple(response))
        right = sum(1 for i in stems if response[i] == question.pairs[i].right)
        return _result(question, FULL * right / len(stems))


QUESTION_TYPES: dict[str, type] = {
    "single_choice": SingleChoice,
    "multiple_response": MultipleResponse,
    "true_false": TrueFalse,
    "short_answer": ShortAnswer,
    "numerical": Numerical,
    "matching": Matching,
}


def question_type(question: Question) -> type:
    """Return the grading class of *question*.

    :raises ValueError: when its type is not one of :data:`QUESTION_TYPES`
    """
    try:
        return QUESTION_TYPES[question.type]
    except KeyError:
        raise ValueError(f"unknown question type {question.type!r}") from None


def grade(question: Question, response: Any) -> GradeResult:
    """Grade *response* (as ``parse_response`` returned it; None when unanswered).

    :raises InvalidResponse: when the response does not belong to the question
    :raises ValueError: on an unknown question type
    """
    return question_type(question).grade(question, response)


def parse_response(question: Question, values: Sequence[str]) -> Any:
    """Turn the values posted for *question* into a response for :func:`grade`.

    :param values: the form's values for the question, in order (``getlist``)
    :raises InvalidResponse: on a value that does not belong to the question
    :raises ValueError: on an unknown question type
    """
    return question_type(question).parse_response(question, values)


def model_answer(question: Question) -> list[str]:
    """Return the form values of a fully right answer to *question* (demo data, tests).

    :param question: any graded question
    :return: values as the attempt form posts them; ``grade`` gives them full marks
    """
    if question.type == "single_choice":
        return [str(next(i for i, a in enumerate(question.answers) if a.fraction >= FULL))]
    if question.type == "multiple_response":
        return [str(i) for i, a in enumerate(question.answers) if a.fraction > 0]
    if question.type == "true_false":
        return ["true" if question.correct else "false"]
    if question.type == "short_answer":
        return [next(a.text for a in question.answers if a.fraction >= FULL).replace("\\*", "*")]
    if question.type == "numerical":
        best = next(a for a in question.numeric if a.fraction >= FULL)
        value = best.value if best.value is not None else (best.low + best.high) / 2
        return [repr(float(value))]
    return [str(i) if pair.left else "" for i, pair in enumerate(question.pairs)]
