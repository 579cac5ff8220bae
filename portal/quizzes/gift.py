"""Read and write Moodle's GIFT question format, with Moodle's meaning.

The reader follows Moodle's ``qformat_gift::readquestion``: blank lines separate questions,
``//`` lines are comments, ``\\`` escapes ``~ = # { } :`` and itself (``\\n`` is a line break);
the answer list decides the type (``#`` numerical; any ``~`` a choice, single when an answer
starts with ``=``; ``=`` with ``->`` matching; ``T``/``TRUE``/``F``/``FALSE``; else short
answer); a list inside the text makes a missing-word question, marked ``_____``. Where Moodle
silently imports something odd (text before the first ``=``/``~``, a weight or a number that is
not one, a second list) the reader reports an error. Errors name file, line and column, all of
them, and a question with an error is left out.

Extension: ``// @diacritics: optional`` directly before a question lets its short answers be
typed without Vietnamese diacritics; Moodle ignores it like any comment.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from portal.quizzes.questions import (
    BLANK,
    FULL,
    Answer,
    MatchPair,
    NumericAnswer,
    Question,
    format_number,
)
from portal.quizzes.questions import clean_text as _clean

#: What PHP's trim() removes; Moodle trims lines and pieces with it.
_TRIM = " \t\n\r\0\x0b"
#: Escaped control characters are hidden as Unicode noncharacters while a question is split.
_HIDE = {char: chr(0xFDD0 + i) for i, char in enumerate(":#={}~n")}
_REVEAL = str.maketrans({hidden: char.replace("n", "\n") for char, hidden in _HIDE.items()})
_SPECIAL = frozenset("\\:#={}~")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FORMAT = re.compile(r"\[(moodle|html|plain|markdown)\]")
_BRACE = re.compile(r"[{}]")
_DIRECTIVE = re.compile(r"//\s*@diacritics\s*:(.*)$")
_DIACRITICS = {"optional": True, "required": False}
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}

_Line = tuple[int, int, str]  # line number, column of the first character, trimmed text


@dataclass(frozen=True)
class GiftError:
    """A problem in a GIFT file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def parse_gift(text: str, path: str = "<string>") -> tuple[list[Question], list[GiftError]]:
    """Read the questions of a GIFT file.

    :param text: the file's content
    :param path: the file's name, for error messages
    :return: the questions read without error, in file order, and every error found
    """
    reader = _Reader(path)
    for block in _blocks(text):
        reader.read_block(block)
    return reader.questions, reader.errors


def write_gift(questions: list[Question]) -> str:
    """Write questions as GIFT that Moodle imports and :func:`parse_gift` reads back equal.

    :param questions: valid questions (see :meth:`Question.validate`)
    :return: the GIFT text, questions separated by blank lines
    :raises ValueError: when a question is not valid
    """
    chunks, category = [], ""
    for number, question in enumerate(questions, start=1):
        if problems := question.validate():
            raise ValueError(f"question {number} ({question.name!r}): {'; '.join(problems)}")
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: {_escape(category, breaks=False)}".rstrip())
        chunks.append(_write_question(question))
    return "\n\n".join(chunks) + "\n" if chunks else ""


# Reading ------------------------------------------------------------------------------------


def _blocks(text: str) -> Iterator[list[_Line]]:
    """Yield the groups of non-blank lines between blank lines, each line trimmed as Moodle does."""
    block: list[_Line] = []
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")), start=1):
        if content := raw.strip(_TRIM):
            block.append((number, len(raw) - len(raw.lstrip(_TRIM)) + 1, content))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _decode(content: str, line: int, column: int) -> tuple[str, list[tuple[int, int]]]:
    """Return a line with ``\\\\`` resolved and other escapes hidden, and each character's place.

    A backslash before any other character stays, as in Moodle.
    """
    out, where, i = [], [], 0
    while i < len(content):
        where.append((line, column + i))
        pair = content[i : i + 2]
        if len(pair) == 2 and pair[0] == "\\" and (pair[1] == "\\" or pair[1] in _HIDE):
            out.append("\\" if pair == "\\\\" else _HIDE[pair[1]])
            i += 2
        else:
            out.append(content[i])
            i += 1
    return "".join(out), where


def _trim(s: str, start: int, end: int) -> tuple[int, int]:
    """Return the bounds of ``s[start:end]`` without the white space PHP's trim() removes."""
    while start < end and s[start] in _TRIM:
        start += 1
    while end > start and s[end - 1] in _TRIM:
        end -= 1
    return start, end


def _text(raw: str, fmt: str = "moodle") -> tuple[str, str]:
    """Return the format (*fmt* unless a ``[format]`` marker leads) and the stored text."""
    raw = raw.strip(_TRIM)
    if match := _FORMAT.match(raw):
        fmt, raw = match.group(1), raw[match.end() :]
    return fmt, _clean(raw.translate(_REVEAL))


def _number(raw: str) -> float | None:
    """Return *raw* as a finite number, or None when it is not one."""
    raw = raw.strip(_TRIM)
    if not _NUMBER.fullmatch(raw) or not math.isfinite(value := float(raw)):
        return None
    return value


class _Reader:
    """Collect questions and errors block by block, carrying the current category."""

    def __init__(self, path: str) -> None:
        self.path, self.category, self.in_broken_list, self.s = path, "", False, ""
        self.questions: list[Question] = []
        self.errors: list[GiftError] = []
        self.where: list[tuple[int, int]] = []

    def error(self, at: int | tuple[int, int], message: str) -> None:
        """Record an error at offset *at* of the current question, or at a (line, column)."""
        if isinstance(at, int):
            at = self.where[min(at, len(self.where) - 1)]
        self.errors.append(GiftError(self.path, at[0], at[1], message))

    def read_block(self, lines: list[_Line]) -> None:
        """Read one blank-line-separated block: comments, then a category or a question."""
        start, ignore, directive = 0, False, None
        while start < len(lines) and lines[start][2].startswith("//"):
            if match := _DIRECTIVE.match(lines[start][2]):
                directive, value = lines[start], match.group(1).strip()
                if value not in _DIACRITICS:
                    self.error(directive[:2], _("unknown @diacritics value %(value)s: use optional"
                                                " or required", value=repr(value)))
                ignore = _DIACRITICS.get(value, False)
            start += 1
        category = start < len(lines) and lines[start][2].startswith("$CATEGORY:")
        misplaced = [] if category else [ln for ln in lines[start:] if _DIRECTIVE.match(ln[2])]
        if directive and (start == len(lines) or category):
            misplaced.insert(0, directive)
        for line in misplaced:
            self.error(line[:2], _("the @diacritics comment must come directly before a question"))
        if category:
            # Moodle makes the whole block the category; we read what follows as a question.
            number, column, content = lines[start]
            self.category = _clean(_decode(content[10:], number, column)[0].translate(_REVEAL))
            if start + 1 < len(lines):
                self.read_block(lines[start + 1 :])
        elif start < len(lines):
            self.read_question(lines[start:], ignore)

    def read_question(self, lines: list[_Line], ignore_diacritics: bool) -> None:
        """Read the question in *lines*, comment lines counting as blanks (as in Moodle)."""
        decoded = [(" ", [(n, c)]) if t.startswith("//") else _decode(t, n, c) for n, c, t in lines]
        self.s = s = "\n".join(text for text, _where in decoded)
        self.where = [place for _line, where in decoded for place in [*where, where[-1]]]
        a, b = _trim(s, 0, len(s))
        start, name, errors = a, "", len(self.errors)
        opening, closing = s.find("{", a, b), s.find("}", a, b)
        if self.in_broken_list:
            # The rest of an answer list cut by a blank line, already reported: skip it.
            self.in_broken_list = opening < 0 and closing < 0
            if opening < 0 or 0 <= closing < opening:
                return
        if s.startswith("::", a):
            if (end := s.find("::", a + 2, b)) < 0:
                return self.error(a, _("the question name is never closed: end it with ::"))
            name, a = _clean(s[a + 2 : end].translate(_REVEAL)), _trim(s, end + 2, b)[0]
            opening, closing = s.find("{", a, b), s.find("}", a, b)
        if opening < 0 and closing < 0:
            return self.error(a, _("description items are not supported"))
        if closing >= 0 and (opening < 0 or closing < opening):
            return self.error(closing, _("this } closes no answer list (write \\} for a brace)"))
        if closing < 0:
            self.in_broken_list = True
            return self.error(opening, _("answer list opened on line %(line)d is never closed",
                                         line=self.where[opening][0]))
        later = _BRACE.search(s, closing + 1, b)
        for at in (s.find("{", opening + 1, closing), later.start() if later else -1):
            if at >= 0:
                self.error(at, _("a question has one answer list: write \\{ and \\} for braces"))
        tail = s[closing + 1 : b]
        fmt, text = _text(s[a:opening] + (BLANK + tail if tail else ""))
        aa, ab = _trim(s, opening + 1, closing)
        general = ""
        if (mark := s.rfind("####", aa, ab)) >= 0:
            general, ab = _text(s[mark + 4 : ab], fmt)[1], _trim(s, aa, mark)[1]
        fields = self.read_list(opening, aa, ab, fmt) if len(self.errors) == errors else None
        if fields is None or len(self.errors) > errors:
            return
        question = Question(text=text, name=name, format=fmt, general_feedback=general,
                            category=self.category, ignore_diacritics=ignore_diacritics,
                            line=self.where[start][0], **fields)
        for problem in (problems := question.validate()):
            self.error(start, problem)
        if not problems:
            self.questions.append(question)

    def read_list(self, opening: int, a: int, b: int, fmt: str) -> dict | None:
        """Return the type and answer fields of the answer list ``s[a:b]``, None on an error."""
        body = self.s[a:b]
        if not body:
            return self.error(opening, _("essay questions are not supported"))
        if body[0] == "#":
            return self.read_numerical(a + 1, b, fmt)
        head = body[: body.find("#")].strip(_TRIM) if body.find("#") > 0 else body
        if "~" not in body and not ("=" in body and "->" in body) and head in _TRUE_FALSE:
            # Moodle's order: T#feedback when wrong#feedback when right.
            bits = [_text(bit, fmt)[1] for bit in (body.split("#", 2) + ["", ""])[1:3]]
            correct, wrong, right = _TRUE_FALSE[head], *bits
            return {"type": "true_false", "correct": correct,
                    "feedback_true": right if correct else wrong,
                    "feedback_false": wrong if correct else right}
        if body[0] not in "=~":
            # Moodle keeps text before the first = or ~ as an answer; mostly it is a typo.
            return self.error(a, _("unknown question type: an answer list starts with =, ~ or #,"
                                   " or is T, TRUE, F or FALSE"))
        if "~" in body:
            kind = "single_choice" if "=" in body else "multiple_response"
            return {"type": kind, "answers": self.read_answers(a, b, fmt, choice=True)}
        if "->" in body:
            return {"type": "matching", "pairs": self.read_pairs(a, b, fmt)}
        return {"type": "short_answer", "answers": self.read_answers(a, b, fmt, choice=False)}

    def pieces(self, a: int, b: int, separators: str) -> Iterator[tuple[int, int]]:
        """Yield the trimmed, non-blank pieces of ``s[a:b]``, each starting at a separator."""
        cuts = [i for i in range(a, b) if self.s[i] in separators]
        for lo, hi in zip([a, *cuts], [*cuts, b], strict=True):
            if (bounds := _trim(self.s, lo, hi))[0] < bounds[1]:
                yield bounds

    def weight(self, a: int, b: int, default: float) -> tuple[float, int]:
        """Read a ``%weight%`` at ``s[a:b]``; return it (*default* if none) and the text start."""
        if not self.s.startswith("%", a, b) or (end := self.s.find("%", a + 1, b)) < 0:
            return default, a
        value = _number(self.s[a + 1 : end])
        if value is None or not -FULL <= value <= FULL:
            self.error(a, _("invalid answer weight %(weight)s: use a percentage between -100"
                            " and 100", weight=self.s[a : end + 1].translate(_REVEAL)))
        return value or 0.0, _trim(self.s, end + 1, b)[0]

    def feedback(self, a: int, b: int, fmt: str) -> tuple[int, str]:
        """Return where the text before the first ``#`` of ``s[a:b]`` ends, and the feedback."""
        mark = self.s.find("#", a, b)
        return (b, "") if mark < 0 else (mark, _text(self.s[mark + 1 : b], fmt)[1])

    def read_answers(self, a: int, b: int, fmt: str, choice: bool) -> list[Answer]:
        """Read ``~wrong =right ~%50%partial#feedback`` (choice) or ``=a =%50%b`` answers.

        In a choice list, as in Moodle, an ``=`` answer is fully right and carries no weight.
        """
        answers = []
        for lo, hi in self.pieces(a, b, "~=" if choice else "="):
            at = _trim(self.s, lo + 1, hi)[0]
            if choice and self.s[lo] == "=":
                fraction = FULL
            else:
                fraction, at = self.weight(at, hi, 0.0 if choice else FULL)
            end, feedback = self.feedback(at, hi, fmt)
            if not (text := _text(self.s[at:end], fmt)[1]):
                self.error(lo, _("an answer has no text"))
            answers.append(Answer(text, fraction, feedback))
        return answers

    def read_pairs(self, a: int, b: int, fmt: str) -> list[MatchPair]:
        """Read ``=left -> right`` pairs; a pair without left text is a distractor."""
        pairs = []
        for lo, hi in self.pieces(a, b, "="):
            if (arrow := self.s.find("->", lo, hi)) < 0:
                self.error(lo, _("a matching pair must be written =left -> right"))
                continue
            right = _clean(self.s[arrow + 2 : hi].strip(_TRIM).translate(_REVEAL))
            pairs.append(MatchPair(_text(self.s[lo + 1 : arrow], fmt)[1], right))
        return pairs

    def read_numerical(self, a: int, b: int, fmt: str) -> dict:
        """Read ``#x``, ``#x:tolerance``, ``#low..high``, ``=%w%…`` answers, a final ``~#…``."""
        tilde = self.s.find("~", a, b)
        answers = []
        for lo, hi in self.pieces(a, b if tilde < 0 else tilde, "="):
            lo = _trim(self.s, lo + 1, hi)[0] if self.s[lo] == "=" else lo
            fraction, lo = self.weight(lo, hi, FULL)
            end, feedback = self.feedback(lo, hi, fmt)
            if answer := self.read_number(lo, self.s[lo:end].strip(_TRIM)):
                answer.fraction, answer.feedback = fraction, feedback
                answers.append(answer)
        if tilde >= 0:
            answers.append(NumericAnswer(fraction=0.0, feedback=self.feedback(tilde, b, fmt)[1]))
        return {"type": "numerical", "numeric": answers}

    def read_number(self, at: int, raw: str) -> NumericAnswer | None:
        """Return the answer written *raw*: ``*``, ``x``, ``x:tolerance`` or ``low..high``."""
        if raw == "*":
            return NumericAnswer()
        dots, colon = raw.find(".."), raw.find(":")
        separator = ".." if dots > 0 else ":" if colon > 0 else None
        bits = raw.split(separator, 1) if separator else [raw]
        numbers = [_number(bit) for bit in bits]
        for bit, number in zip(bits, numbers, strict=True):
            if number is None:
                shown = bit.strip(_TRIM).translate(_REVEAL)
                self.error(at, _('"%(value)s" is not a number', value=shown))
        if None in numbers:
            return None
        if separator == "..":
            if numbers[0] > numbers[1]:
                shown = raw.translate(_REVEAL)
                return self.error(at, _("range %(range)s is reversed", range=shown))
            return NumericAnswer(low=numbers[0], high=numbers[1])
        if separator and numbers[1] < 0:
            return self.error(at, _("a tolerance cannot be negative"))
        return NumericAnswer(value=numbers[0], tolerance=numbers[1] if separator else 0.0)


# Writing ------------------------------------------------------------------------------------


def _escape(text: str, *, breaks: bool = True) -> str:
    """Escape *text* for GIFT, keeping a line break real where reading gives it back.

    A real break would be lost where a line starts or ends with white space, is empty, starts
    with ``//`` (a comment) or is ``0`` (blank to PHP): those are written ``\\n``.
    """
    raw = text.split("\n")
    escaped = ["".join("\\" + c if c in _SPECIAL else c for c in line) for line in raw]
    out = [escaped[0]]
    for before, after, written in zip(raw, raw[1:], escaped[1:], strict=False):
        edges = before[-1:] + after[:1]
        real = breaks and len(edges) == 2 and after != "0" and not after.startswith("//")
        real = real and not any(c.isspace() or c in _TRIM for c in edges)
        out.append(("\n" if real else "\\n") + written)
    return "".join(out)


def _marked(text: str, fmt: str, lead: str = "") -> str:
    """Return *lead* and *text* escaped, behind *fmt*'s marker if it starts with one of its own.

    With a *lead* (``#`` for feedback), an empty text gives an empty string.
    """
    if lead and not text:
        return ""
    return lead + (f"[{fmt}]" if _FORMAT.match(text) else "") + _escape(text)


def _weight(fraction: float) -> str:
    """Write a weight as Moodle's weight pattern reads it: no exponent."""
    text = str(int(fraction)) if fraction.is_integer() else format(Decimal(repr(fraction)), "f")
    return f"%{text}%"


def _write_question(q: Question) -> str:
    """Write one valid question, its answer list at its blank (or at the end)."""
    marker = q.format != "moodle" or _FORMAT.match(q.text) or (not q.name and q.text[:2] == "//")
    before, _blank, after = q.text.partition(BLANK)
    if not after:  # no blank, or a blank at the very end, which Moodle keeps as text
        before, after = q.text, ""
    head = (f"::{_escape(q.name)}::" if q.name else "") + (f"[{q.format}]" if marker else "")
    comment = "// @diacritics: optional\n" if q.ignore_diacritics else ""
    return f"{comment}{head}{_escape(before)}{_answer_list(q)}{_escape(after)}"


def _answer_list(q: Question) -> str:
    """Write the ``{…}`` of a question, one answer a line, the general feedback last."""
    fmt = q.format
    general = _marked(q.general_feedback, fmt, "####")
    if q.type == "true_false":
        right, wrong = q.feedback_true, q.feedback_false
        if not q.correct:
            right, wrong = wrong, right
        feedback = _marked(wrong, fmt, "#") or ("#" if right else "")
        feedback += _marked(right, fmt, "#")
        return "{" + ("TRUE" if q.correct else "FALSE") + feedback + general + "}"
    lines = ["#" if q.type == "numerical" else ""]
    num = format_number
    for n in q.numeric:
        if n.value is not None:
            number = num(n.value) + (":" + num(n.tolerance) if n.tolerance else "")
        else:
            number = f"{num(n.low)}..{num(n.high)}" if n.is_range else "*"
        weight = "" if n.fraction == FULL else _weight(n.fraction)
        lines.append(f"\t={weight}{number}" + _marked(n.feedback, fmt, "#"))
    for pair in q.pairs:
        lines.append(f"\t={_marked(pair.left, fmt)} -> {_escape(pair.right)}")
    for answer in q.answers:
        if q.type == "single_choice" and answer.fraction == FULL:
            prefix = "="
        elif q.type == "short_answer":
            plain = answer.fraction == FULL and not answer.text.startswith("%")
            prefix = "=" + ("" if plain else _weight(answer.fraction))
        else:
            plain = answer.fraction == 0 and not answer.text.startswith("%")
            prefix = "~" + ("" if plain else _weight(answer.fraction))
        lines.append(f"\t{prefix}{_marked(answer.text, fmt)}" + _marked(answer.feedback, fmt, "#"))
    if general:
        lines.append("\t" + general)
    return "{" + "\n".join(lines) + "\n}"
