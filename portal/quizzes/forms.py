"""The attempt form: reading the answers it posts, and what each question's fields show.

An attempt's questions are drawn at random, so the form cannot be a fixed WTForms class:
its fields are named after each question's place in the attempt. ``q3`` carries question 3's
value (an answer's index, ``true``/``false`` or typed text; checkboxes send one ``q3`` per
ticked answer) and a matching question sends ``q3.0``, ``q3.1``… — one per pair, the value
being the index of the pair whose right-hand text was chosen. Values are indexes into the
question as written, whatever order the choices were shown in, so they mean the same in
every language. Only the CSRF token goes through Flask-WTF (:class:`AttemptForm`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from portal.quizzes.grading import CORRECT_AT
from portal.quizzes.models import AttemptQuestion
from portal.quizzes.questions import NumericAnswer, Question, format_number
from portal.quizzes.services import InvalidAnswer, grade_values
from portal.rendering import render_inline

#: The question types as trainers read them.
QUESTION_TYPE_LABELS = {
    "single_choice": _l("Single choice"),
    "multiple_response": _l("Multiple response"),
    "true_false": _l("True or false"),
    "short_answer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
}

_FIELD = re.compile(r"q([0-9]{1,4})(?:\.([0-9]{1,4}))?")


class AttemptForm(FlaskForm):
    """The attempt's save, submit and autosave posts: only the CSRF token is a WTForms field."""


def answers_from_form(rows: Sequence[AttemptQuestion], form: MultiDict
                      ) -> dict[int, list[str]]:
    """Return position → posted values for every question of the attempt.

    A question the form sends nothing for is answered with nothing (no radio chosen, no box
    ticked, an empty text); other fields (``csrf_token``, buttons) are ignored.

    :param rows: the attempt's questions
    :param form: the posted form
    :raises InvalidAnswer: on a field naming a question or pair the attempt does not have
    """
    by_position = {row.position: row for row in rows}
    pairs = {row.position: len(row.question.question("vi").pairs) for row in rows
             if row.question.qtype == "matching"}
    for key in form:
        if not key.startswith("q"):
            continue
        match = _FIELD.fullmatch(key)
        if match is None or int(match.group(1)) not in by_position:
            raise InvalidAnswer(None)
        position = int(match.group(1))
        if (match.group(2) is None) == (position in pairs):
            raise InvalidAnswer(position)
        if match.group(2) is not None and int(match.group(2)) >= pairs[position]:
            raise InvalidAnswer(position)
    answers: dict[int, list[str]] = {}
    for position in by_position:
        if position in pairs:
            slots = [form.getlist(f"q{position}.{index}") for index in range(pairs[position])]
            if any(len(slot) > 1 for slot in slots):
                raise InvalidAnswer(position)
            answers[position] = [slot[0] if slot else "" for slot in slots]
        else:
            answers[position] = form.getlist(f"q{position}")
    return answers


def render_text(text: str, fmt: str) -> Markup:
    """Render a question's or answer's text as inline HTML, sanitised.

    ``plain`` text is escaped with its line breaks kept; Moodle's auto-format, Markdown and
    HTML go through the portal's one sanitising renderer (inline elements only, as a
    ``<legend>`` or a ``<label>`` can hold nothing else).
    """
    if fmt == "plain":
        return Markup("<br>").join(escape(line) for line in text.split("\n"))
    return render_inline(text)


@dataclass
class Choice:
    """A radio button or checkbox, or an option of a matching ``<select>``."""

    value: str
    label: Markup
    #: The option's text, for ``<option>`` (which holds no markup).
    text: str = ""
    is_chosen: bool = False
    #: Review only: the answer's share of the mark (percent).
    fraction: float | None = None


@dataclass
class Stem:
    """One left-hand item of a matching question and the option chosen for it."""

    index: int
    label: Markup
    chosen: str = ""
    #: The chosen option's text ("" when none).
    chosen_text: str = ""
    #: Review only: whether the option chosen is its pair and the right option's text.
    is_right: bool | None = None
    right_text: str = ""


@dataclass
class QuestionView:
    """Everything a template needs to show one question of an attempt."""

    position: int
    type: str
    text: Markup
    #: The language the question is shown in ("vi" when it has no version in the reader's).
    lang: str
    is_fallback: bool
    choices: list[Choice] = field(default_factory=list)
    stems: list[Stem] = field(default_factory=list)
    options: list[Choice] = field(default_factory=list)
    typed: str = ""
    is_answered: bool = False
    # Review only.
    fraction: float | None = None
    feedback: list[Markup] = field(default_factory=list)
    right_answers: list[Markup] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return the form field name of the question's value."""
        return f"q{self.position}"

    @property
    def input_type(self) -> str:
        """Return the HTML input type its choices use."""
        return "checkbox" if self.type == "multiple_response" else "radio"

    @property
    def outcome(self) -> str | None:
        """Return ``correct``, ``partial`` or ``incorrect`` once graded."""
        if self.fraction is None:
            return None
        if self.fraction >= CORRECT_AT:
            return "correct"
        return "partial" if self.fraction > 0 else "incorrect"


def _ordered(count: int, order: list[int] | None) -> list[int]:
    """Return indexes 0..count-1 in the stored order, ignoring any that do not fit."""
    if not order or sorted(order) != list(range(len(order))) or len(order) != count:
        return list(range(count))
    return list(order)


def _typed(question: Question, values: list[str] | None) -> str:
    return values[0] if values and question.type in ("short_answer", "numerical") else ""


def question_view(row: AttemptQuestion, lang: str, *, review: bool = False,
                  reveal: bool = False) -> QuestionView:
    """Build what a template shows for *row* in *lang*, falling back to Vietnamese.

    :param row: a drawn question, with its saved response
    :param lang: the reader's language
    :param review: add the grade and the feedback of what was chosen
    :param reveal: also say which answers were right
    """
    stored = row.question
    shown_lang = lang if lang in stored.data else "vi"
    question = stored.question(shown_lang)
    fmt = question.format
    values = list(row.response or [])
    view = QuestionView(
        position=row.position, type=question.type, text=render_text(question.text, fmt),
        lang=shown_lang, is_fallback=shown_lang != lang, typed=_typed(question, values),
        is_answered=bool(values) and any(values),
    )
    if question.type in ("single_choice", "multiple_response"):
        for index in _ordered(len(question.answers), row.choice_order):
            answer = question.answers[index]
            view.choices.append(Choice(str(index), render_text(answer.text, fmt),
                                       is_chosen=str(index) in values,
                                       fraction=answer.fraction if review else None))
    elif question.type == "true_false":
        view.choices = [Choice("true", escape(_("True")), is_chosen="true" in values),
                        Choice("false", escape(_("False")), is_chosen="false" in values)]
    elif question.type == "matching":
        order = row.choice_order or list(range(len(question.pairs)))
        view.options = [Choice(str(index), Markup(""), text=question.pairs[index].right)
                        for index in order if 0 <= index < len(question.pairs)]
        texts = {str(index): pair.right for index, pair in enumerate(question.pairs)}
        for index, pair in enumerate(question.pairs):
            if pair.left:
                chosen = values[index] if index < len(values) else ""
                view.stems.append(Stem(index, render_text(pair.left, fmt), chosen=chosen,
                                       chosen_text=texts.get(chosen, ""),
                                       right_text=pair.right if review else ""))
    if review:
        _add_review(view, row, question, shown_lang, reveal)
    return view


def _add_review(view: QuestionView, row: AttemptQuestion, question: Question, lang: str,
                reveal: bool) -> None:
    """Add the grade, the feedback and, when *reveal*, the right answers to *view*."""
    fraction, shown = grade_values(row.question, row.response, lang)
    view.fraction = row.fraction if row.fraction is not None else fraction
    fmt = question.format
    view.feedback = [render_text(text, fmt) for text in shown.feedback]
    for stem in view.stems:
        stem.is_right = bool(stem.chosen_text) and stem.chosen_text == stem.right_text
    if not reveal:
        for choice in view.choices:
            choice.fraction = None
        for stem in view.stems:
            stem.right_text = ""
        return
    # Choices are tagged one by one in the template; the others get a line of right answers.
    if question.type == "short_answer":
        view.right_answers = [render_text(answer.text, fmt) for answer in question.answers
                              if answer.fraction > 0]
    elif question.type == "true_false":
        view.right_answers = [escape(_("True") if question.correct else _("False"))]
    elif question.type == "numerical":
        view.right_answers = [escape(_numeric_text(answer))
                              for answer in question.numeric
                              if answer.fraction > 0 and not answer.is_catch_all]


def _numeric_text(answer: NumericAnswer) -> str:
    """Return a numerical answer as a person reads it: 5, 5 ± 0.5 or 4–6."""
    if answer.is_range:
        return f"{format_number(answer.low)}–{format_number(answer.high)}"
    if answer.tolerance:
        return f"{format_number(answer.value)} ± {format_number(answer.tolerance)}"
    return format_number(answer.value)
