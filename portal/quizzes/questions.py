"""The question model shared by the GIFT reader and writer, the database and grading.

A :class:`Question` is a plain dataclass: no database, no request. Its text is stored NFC with
``\\n`` line endings and no surrounding white space, whatever shape it arrived in, so that two
questions read from differently normalised files compare equal. ``to_dict()`` and
``from_dict()`` turn it into JSON-safe data for the database and back, and ``validate()`` lists
what is wrong with it in words a trainer can act on.

Fractions are percentages, as in Moodle's GIFT (``%50%``): 100 is a fully right answer, 0 a
wrong one and a negative number a penalty (multiple response only).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.text import nfc

#: The question types the portal grades, in the order the studio offers them.
TYPES = (
    "single_choice",
    "multiple_response",
    "true_false",
    "short_answer",
    "numerical",
    "matching",
)
#: Text formats, as Moodle names them in GIFT's ``[format]`` markers.
FORMATS = ("moodle", "markdown", "html", "plain")
#: Where a missing-word question's answer goes in its text.
BLANK = "_____"
#: The fraction of a fully right answer.
FULL = 100.0


def clean_text(value: str | None) -> str:
    """Return *value* as the model stores text: NFC, ``\\n`` line endings, stripped.

    :param value: any text, or ``None`` for an empty one
    :return: the stored form; ``""`` for ``None``
    :raises TypeError: when *value* is neither text nor ``None``
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return nfc(value.replace("\r\n", "\n").replace("\r", "\n")) or ""


def _number(value: Any, name: str, *, optional: bool = False) -> float | None:
    """Return *value* as a float, refusing text and booleans (JSON data is untrusted)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _check_keys(data: Any, cls: type, required: tuple[str, ...]) -> dict[str, Any]:
    """Return *data* after checking it is a mapping with the keys *cls* knows, and those needed.

    :raises ValueError: on a missing or an unknown key, or when *data* is not a mapping
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__} data must be an object")
    known = set(cls.__dataclass_fields__)
    if unknown := sorted(set(data) - known):
        raise ValueError(f"{cls.__name__} has unknown keys: {', '.join(unknown)}")
    if missing := [key for key in required if key not in data]:
        raise ValueError(f"{cls.__name__} lacks keys: {', '.join(missing)}")
    return data


class _Record:
    """``to_dict()`` and ``from_dict()`` for the model's dataclasses."""

    #: Keys that from_dict() data must have.
    REQUIRED_KEYS: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-safe data, every key present, in field order."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Build a record from :meth:`to_dict` data; absent optional keys take defaults.

        :raises ValueError: on unknown or missing keys, or data that is not an object
        :raises TypeError: on a value of the wrong type
        """
        return cls(**_check_keys(data, cls, cls.REQUIRED_KEYS))


@dataclass
class Answer(_Record):
    """One answer of a choice or short-answer question."""

    REQUIRED_KEYS = ("text", "fraction")

    text: str
    #: Percent of the question's mark, -100..100.
    fraction: float
    feedback: str = ""

    def __post_init__(self) -> None:
        self.text = clean_text(self.text)
        self.fraction = _number(self.fraction, "fraction")
        self.feedback = clean_text(self.feedback)


@dataclass
class NumericAnswer(_Record):
    """One accepted value of a numerical question.

    Exactly one form is used: ``value`` ± ``tolerance``; the range ``low``..``high``; or, with
    all three unset, any answer at all (Moodle's ``*``, used for "wrong answer" feedback).
    """

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    fraction: float = FULL
    feedback: str = ""

    def __post_init__(self) -> None:
        self.value = _number(self.value, "value", optional=True)
        self.tolerance = _number(self.tolerance, "tolerance")
        self.low = _number(self.low, "low", optional=True)
        self.high = _number(self.high, "high", optional=True)
        self.fraction = _number(self.fraction, "fraction")
        self.feedback = clean_text(self.feedback)

    @property
    def is_range(self) -> bool:
        """Return whether the answer is a range ``low..high``."""
        return self.value is None and (self.low is not None or self.high is not None)

    @property
    def is_catch_all(self) -> bool:
        """Return whether the answer accepts anything (GIFT's ``*``)."""
        return self.value is None and self.low is None and self.high is None


@dataclass
class MatchPair(_Record):
    """One pair of a matching question; an empty ``left`` is a distractor, as in Moodle."""

    REQUIRED_KEYS = ("left", "right")

    left: str
    right: str

    def __post_init__(self) -> None:
        self.left = clean_text(self.left)
        self.right = clean_text(self.right)


_TEXT_FIELDS = ("text", "name", "feedback_true", "feedback_false", "general_feedback", "category")


@dataclass
class Question(_Record):
    """A quiz question of one of :data:`TYPES`.

    Which fields matter depends on the type: ``answers`` for choices and short answers,
    ``numeric`` for numerical, ``pairs`` for matching, ``correct`` and ``feedback_true`` /
    ``feedback_false`` for true/false. ``line`` is where the question starts in its source file;
    it is kept for error messages and is not part of a question's identity (not compared).
    """

    type: str
    text: str
    name: str = ""
    format: str = "moodle"
    answers: list[Answer] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    correct: bool | None = None
    #: Shown when the learner answers True (right or wrong).
    feedback_true: str = ""
    #: Shown when the learner answers False.
    feedback_false: str = ""
    general_feedback: str = ""
    category: str = ""
    #: Short answers also accept Vietnamese typed without diacritics (đ as d).
    ignore_diacritics: bool = False
    line: int = field(default=0, compare=False)

    REQUIRED_KEYS = ("type", "text")

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            setattr(self, name, clean_text(getattr(self, name)))
        self.answers = list(self.answers)
        self.numeric = list(self.numeric)
        self.pairs = list(self.pairs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Build a question from :meth:`to_dict` data; absent optional keys take defaults.

        :param data: what :meth:`to_dict` returned, possibly through JSON
        :return: the question (not validated: call :meth:`validate`)
        :raises ValueError: on unknown or missing keys
        :raises TypeError: on a value of the wrong type
        """
        values = dict(_check_keys(data, cls, cls.REQUIRED_KEYS))
        for key, item in (("answers", Answer), ("numeric", NumericAnswer), ("pairs", MatchPair)):
            items = values.get(key, [])
            if not isinstance(items, list):
                raise TypeError(f"{key} must be a list")
            values[key] = [item.from_dict(entry) for entry in items]
        for key in ("type", "format"):
            if not isinstance(values.get(key, ""), str):
                raise TypeError(f"{key} must be text")
        if not isinstance(values.get("correct"), bool | None):
            raise TypeError("correct must be true, false or null")
        if not isinstance(values.get("ignore_diacritics", False), bool):
            raise TypeError("ignore_diacritics must be true or false")
        line = values.get("line", 0)
        if isinstance(line, bool) or not isinstance(line, int):
            raise TypeError("line must be an integer")
        return cls(**values)

    def validate(self) -> list[str]:
        """Return what keeps this question from being used or written as GIFT; empty if fine.

        :return: problems in plain language, translated for the current locale
        """
        problems: list[str] = []
        if self.type not in TYPES:
            return [_("unknown question type %(type)s", type=repr(self.type))]
        if self.format not in FORMATS:
            problems.append(_("unknown text format %(format)s", format=repr(self.format)))
        if not self.text:
            problems.append(_("the question has no text"))
        problems += _unused_fields(self)
        problems += _CHECKS[self.type](self)
        return problems


def _unused_fields(question: Question) -> list[str]:
    """Return a problem for each field that carries data its question type ignores."""
    used = {
        "single_choice": {"answers"},
        "multiple_response": {"answers"},
        "short_answer": {"answers"},
        "numerical": {"numeric"},
        "matching": {"pairs"},
        "true_false": {"correct", "feedback_true", "feedback_false"},
    }[question.type]
    values = {
        "answers": question.answers,
        "numeric": question.numeric,
        "pairs": question.pairs,
        "correct": question.correct is not None,
        "feedback_true": question.feedback_true,
        "feedback_false": question.feedback_false,
    }
    return [
        _("%(field)s is not used by %(type)s questions", field=name, type=question.type)
        for name, value in values.items()
        if value and name not in used
    ]


def format_number(value: float) -> str:
    """Return *value* as a person writes it (12, not 12.0), and as float() reads it back."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _needs_answers(count: int) -> str:
    """Return the problem of a question with fewer than *count* answers."""
    return ngettext("the question needs at least %(num)d answer",
                    "the question needs at least %(num)d answers", count)


def _fraction_problems(fractions: list[float], low: float) -> list[str]:
    """Return problems for fractions that are not finite numbers between *low* and 100."""
    return [
        _("weight %(weight)s is outside %(low)d..100", weight=format_number(fraction), low=low)
        for fraction in fractions
        if not (math.isfinite(fraction) and low <= fraction <= FULL)
    ]


def _answer_problems(question: Question, minimum: int, low: float) -> list[str]:
    """Return problems shared by the types whose answers are :class:`Answer` objects."""
    problems = []
    if len(question.answers) < minimum:
        problems.append(_needs_answers(minimum))
    if any(not answer.text for answer in question.answers):
        problems.append(_("an answer has no text"))
    problems += _fraction_problems([answer.fraction for answer in question.answers], low)
    return problems


def _check_single(question: Question) -> list[str]:
    problems = _answer_problems(question, 2, -FULL)
    fractions = [answer.fraction for answer in question.answers]
    if FULL not in fractions:
        problems.append(_("no answer gives full marks"))
    elif all(fraction == FULL for fraction in fractions):
        # Without a ~ answer GIFT reads the list as a short answer question.
        problems.append(_("a single choice question needs a wrong or partly right answer"))
    return problems


def _check_multiple(question: Question) -> list[str]:
    problems = _answer_problems(question, 2, -FULL)
    positive = sum(answer.fraction for answer in question.answers if answer.fraction > 0)
    if positive < FULL - 1e-6:
        total = format_number(round(positive, 4))
        problems.append(_("the positive weights add up to %(total)s%%, not 100%%", total=total))
    return problems


def _check_true_false(question: Question) -> list[str]:
    if question.correct is None:
        return [_("a true/false question needs its right answer")]
    return []


def _check_short(question: Question) -> list[str]:
    problems = _answer_problems(question, 1, 0.0)
    if question.answers and all(answer.fraction != FULL for answer in question.answers):
        problems.append(_("no answer gives full marks"))
    texts = [a.text for a in question.answers] + [a.feedback for a in question.answers]
    if any("->" in text for text in texts):
        # GIFT would read an answer list holding = and -> as a matching question.
        problems.append(_("short answers and their feedback cannot contain ->"))
    return problems


def _check_numerical(question: Question) -> list[str]:
    problems = []
    if not question.numeric:
        problems.append(_needs_answers(1))
    problems += _fraction_problems([answer.fraction for answer in question.numeric], 0.0)
    if question.numeric and all(answer.fraction != FULL for answer in question.numeric):
        problems.append(_("no answer gives full marks"))
    for answer in question.numeric:
        numbers = [answer.value, answer.low, answer.high, answer.tolerance]
        if any(number is not None and not math.isfinite(number) for number in numbers):
            problems.append(_("numbers must be finite"))
        elif answer.value is not None and (answer.low is not None or answer.high is not None):
            problems.append(_("an answer is either a value with a tolerance or a range"))
        elif answer.is_range and (answer.low is None or answer.high is None):
            problems.append(_("a range needs both its ends"))
        elif answer.is_range and answer.low > answer.high:
            problems.append(_("range %(low)s..%(high)s is reversed",
                              low=format_number(answer.low), high=format_number(answer.high)))
        elif answer.tolerance < 0 or (answer.tolerance and answer.value is None):
            problems.append(_("a tolerance must be positive and follow a value"))
    return problems


def _check_matching(question: Question) -> list[str]:
    problems = []
    if sum(1 for pair in question.pairs if pair.left) < 2:
        problems.append(_("a matching question needs at least two pairs"))
    if any(not pair.right for pair in question.pairs):
        problems.append(_("a matching pair has no right-hand text"))
    if any("->" in pair.left for pair in question.pairs):
        problems.append(_("the left-hand side of a pair cannot contain ->"))
    return problems


_CHECKS = {
    "single_choice": _check_single,
    "multiple_response": _check_multiple,
    "true_false": _check_true_false,
    "short_answer": _check_short,
    "numerical": _check_numerical,
    "matching": _check_matching,
}
