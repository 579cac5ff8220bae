"""One form per question type, in Vietnamese and English side by side.

Each form edits one question in both languages: what the languages share (weights, the
right answer, numbers, which pairs are distractors) is entered once; the texts twice. A form
turns into two :class:`~portal.quizzes.questions.Question` objects with
:func:`questions_from_form` (errors are put at the field they concern) and is filled from
stored questions with :func:`form_for`.
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.authoring.forms import LockField
from portal.quizzes.questions import (
    FULL,
    Answer,
    MatchPair,
    NumericAnswer,
    Question,
    format_number,
)
from portal.text import nfc

__all__ = ["FORMS", "TYPE_HINTS", "form_for", "questions_from_form"]

#: Empty rows offered after the filled ones (more with the "Add rows" button).
EXTRA_ROWS = 2
_TEXT = [Optional(), Length(max=2000)]


class AnswerRow(Form):
    """A choice or an accepted short answer."""

    text_vi = StringField(_l("Answer in Vietnamese"), validators=_TEXT)
    text_en = StringField(_l("Answer in English"), validators=_TEXT)
    weight = StringField(_l("Weight (%)"), validators=[Optional(), Length(max=12)])
    feedback_vi = StringField(_l("Feedback in Vietnamese"), validators=_TEXT)
    feedback_en = StringField(_l("Feedback in English"), validators=_TEXT)


class NumericRow(Form):
    """An accepted number: a value with a tolerance, or a range."""

    value = StringField(_l("Value"), validators=[Optional(), Length(max=30)])
    tolerance = StringField(_l("± tolerance"), validators=[Optional(), Length(max=30)])
    low = StringField(_l("or from"), validators=[Optional(), Length(max=30)])
    high = StringField(_l("to"), validators=[Optional(), Length(max=30)])
    weight = StringField(_l("Weight (%)"), validators=[Optional(), Length(max=12)])
    feedback_vi = StringField(_l("Feedback in Vietnamese"), validators=_TEXT)
    feedback_en = StringField(_l("Feedback in English"), validators=_TEXT)


class PairRow(Form):
    """A pair to match; with no left-hand item, a distractor."""

    left_vi = StringField(_l("Item in Vietnamese"), validators=_TEXT)
    right_vi = StringField(_l("Its match in Vietnamese"), validators=_TEXT)
    left_en = StringField(_l("Item in English"), validators=_TEXT)
    right_en = StringField(_l("Its match in English"), validators=_TEXT)


class QuestionForm(FlaskForm):
    """What every question has."""

    #: Problems of the question as a whole (set by :func:`questions_from_form`).
    problems: list[str] = []

    lock = LockField()
    name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Unique in the quiz; it pairs the two languages and "
                                      "names the question in statistics."))
    text_vi = TextAreaField(_l("Question in Vietnamese"), validators=[DataRequired(),
                                                                      Length(max=10_000)])
    text_en = TextAreaField(_l("Question in English"), validators=[Optional(),
                                                                   Length(max=10_000)])
    general_feedback_vi = TextAreaField(_l("General feedback in Vietnamese"),
                                        validators=_TEXT)
    general_feedback_en = TextAreaField(_l("General feedback in English"), validators=_TEXT)
    save = SubmitField(_l("Save the question"))
    more = SubmitField(_l("Add rows"))


class ChoiceForm(QuestionForm):
    """Single choice or multiple response."""

    answers = FieldList(FormField(AnswerRow))


class ShortAnswerForm(QuestionForm):
    """Accepted typed answers."""

    answers = FieldList(FormField(AnswerRow))
    ignore_diacritics = BooleanField(_l("Also accept Vietnamese typed without diacritics"))


class NumericalForm(QuestionForm):
    """Accepted numbers."""

    numeric = FieldList(FormField(NumericRow))


class MatchingForm(QuestionForm):
    """Pairs to match."""

    pairs = FieldList(FormField(PairRow))


class TrueFalseForm(QuestionForm):
    """A statement that is true or false."""

    correct = RadioField(_l("The statement is"), choices=[SelectChoice("true", _l("True")),
                                                          SelectChoice("false", _l("False"))])
    feedback_true_vi = StringField(_l("Feedback for “true”, in Vietnamese"), validators=_TEXT)
    feedback_true_en = StringField(_l("Feedback for “true”, in English"), validators=_TEXT)
    feedback_false_vi = StringField(_l("Feedback for “false”, in Vietnamese"),
                                    validators=_TEXT)
    feedback_false_en = StringField(_l("Feedback for “false”, in English"), validators=_TEXT)


#: Question type → its form.
FORMS: dict[str, type[QuestionForm]] = {
    "single_choice": ChoiceForm,
    "multiple_response": ChoiceForm,
    "true_false": TrueFalseForm,
    "short_answer": ShortAnswerForm,
    "numerical": NumericalForm,
    "matching": MatchingForm,
}

#: What to write in each type's rows.
TYPE_HINTS = {
    "single_choice": _l("One answer is right: give it weight 100. Wrong answers: leave the "
                        "weight empty (0). A partly right answer may have 50."),
    "multiple_response": _l("The weights of the right answers add up to 100 (two right "
                            "answers: 50 each). Give wrong answers a negative weight, such as "
                            "-50, so that ticking everything does not pay."),
    "true_false": _l("Choose whether the statement is true."),
    "short_answer": _l("Each accepted answer, as learners might type it (case and spaces do "
                       "not matter). Weight: empty for 100. An English spelling left empty "
                       "accepts the Vietnamese one."),
    "numerical": _l("A value with its tolerance (12 ± 0.5), or a range (10 to 14). Weight: "
                    "empty for 100. A row with only feedback answers any other number."),
    "matching": _l("Each item and its match. A match with no item is a distractor."),
}


def _rows(qtype: str) -> str | None:
    return {"single_choice": "answers", "multiple_response": "answers",
            "short_answer": "answers", "numerical": "numeric", "matching": "pairs"}.get(qtype)


def form_for(qtype: str, *, formdata: Any = None, vi: Question | None = None,
             en: Question | None = None, lock: int | None = None,
             extra: int = EXTRA_ROWS) -> QuestionForm:
    """Return the form of *qtype*, from posted *formdata* or filled from stored questions.

    :param extra: empty rows to offer after the filled ones
    """
    data: dict[str, Any] = {"lock": lock}
    if vi is not None:
        data.update(_data(vi, en))
    form_class = FORMS[qtype]
    rows = _rows(qtype)
    count = len(data.get(rows, [])) if rows else 0
    if formdata is not None and rows:
        prefix = f"{rows}-"
        indexes = {int(k[len(prefix):].split("-", 1)[0]) for k in formdata
                   if k.startswith(prefix) and k[len(prefix):].split("-", 1)[0].isdigit()}
        count = max(indexes, default=-1) + 1
    if rows:
        # FieldList pads to min_entries; a class per call keeps the count per form.
        form_class = type(form_class.__name__, (form_class,), {
            rows: FieldList(FormField({"answers": AnswerRow, "numeric": NumericRow,
                                       "pairs": PairRow}[rows]),
                            min_entries=min(count + extra, 60), max_entries=60)})
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(formdata=None, data=data)


def _fmt(value: float | None) -> str:
    return "" if value is None else format_number(value)


def _data(vi: Question, en: Question | None) -> dict[str, Any]:
    def twin(items: list, index: int, attr: str) -> str:
        return getattr(items[index], attr) if index < len(items) else ""

    other = en or Question(type=vi.type, text="")
    data: dict[str, Any] = {
        "name": vi.name, "text_vi": vi.text, "text_en": en.text if en else "",
        "general_feedback_vi": vi.general_feedback,
        "general_feedback_en": en.general_feedback if en else "",
    }
    if vi.type in ("single_choice", "multiple_response", "short_answer"):
        data["answers"] = [{
            "text_vi": a.text, "text_en": twin(other.answers, i, "text"),
            "weight": "" if (a.fraction == 0 and vi.type != "short_answer")
            or (a.fraction == FULL and vi.type == "short_answer") else _fmt(a.fraction),
            "feedback_vi": a.feedback, "feedback_en": twin(other.answers, i, "feedback"),
        } for i, a in enumerate(vi.answers)]
        data["ignore_diacritics"] = vi.ignore_diacritics
    elif vi.type == "numerical":
        data["numeric"] = [{
            "value": _fmt(a.value), "tolerance": _fmt(a.tolerance) if a.tolerance else "",
            "low": _fmt(a.low), "high": _fmt(a.high),
            "weight": "" if a.fraction == FULL else _fmt(a.fraction),
            "feedback_vi": a.feedback, "feedback_en": twin(other.numeric, i, "feedback"),
        } for i, a in enumerate(vi.numeric)]
    elif vi.type == "matching":
        data["pairs"] = [{
            "left_vi": p.left, "right_vi": p.right, "left_en": twin(other.pairs, i, "left"),
            "right_en": twin(other.pairs, i, "right"),
        } for i, p in enumerate(vi.pairs)]
    elif vi.type == "true_false":
        data.update(correct="true" if vi.correct else "false" if vi.correct is False else None,
                    feedback_true_vi=vi.feedback_true, feedback_false_vi=vi.feedback_false,
                    feedback_true_en=en.feedback_true if en else "",
                    feedback_false_en=en.feedback_false if en else "")
    return data


def _number(field, default: float | None = None) -> float | None:
    """Return the number typed in *field* (decimal comma or point), or add an error."""
    raw = (field.data or "").strip().replace(",", ".").replace(" ", "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        field.errors = [*field.errors, _("Write a number, such as 100, 50 or -25.")]
        return None
    return value


def _clean(value: str | None) -> str:
    return nfc((value or "").replace("\r\n", "\n")) or ""


def _need_en(field, english: bool) -> None:
    if english and not _clean(field.data):
        field.errors = [*field.errors, _("Translate this too, or leave the English question "
                                         "empty.")]


def questions_from_form(form: QuestionForm, qtype: str
                        ) -> tuple[Question, Question | None] | None:
    """Return the Vietnamese and English questions a valid form describes.

    :return: ``None`` after putting an error at each field that needs one
    """
    english = bool(_clean(form.text_en.data))
    vi = Question(type=qtype, text=_clean(form.text_vi.data), name=_clean(form.name.data),
                  general_feedback=_clean(form.general_feedback_vi.data))
    en = Question(type=qtype, text=_clean(form.text_en.data), name=vi.name,
                  general_feedback=_clean(form.general_feedback_en.data))
    if qtype in ("single_choice", "multiple_response", "short_answer"):
        default = FULL if qtype == "short_answer" else 0.0
        for row in form.answers:
            sub = row.form
            texts = [_clean(f.data) for f in (sub.text_vi, sub.text_en, sub.feedback_vi,
                                              sub.feedback_en, sub.weight)]
            if not any(texts):
                continue
            if not texts[0]:
                sub.text_vi.errors = [*sub.text_vi.errors, _("Write the answer.")]
            weight = _number(sub.weight, default)
            if qtype != "short_answer":
                _need_en(sub.text_en, english)
            spelling = texts[1] or texts[0]
            vi.answers.append(Answer(texts[0], weight or 0.0, texts[2]))
            en.answers.append(Answer(spelling, weight or 0.0, texts[3]))
        if qtype == "short_answer":
            vi.ignore_diacritics = en.ignore_diacritics = bool(form.ignore_diacritics.data)
    elif qtype == "numerical":
        for row in form.numeric:
            sub = row.form
            if not any(_clean(f.data) for f in sub):
                continue
            value, tolerance = _number(sub.value), _number(sub.tolerance, 0.0)
            low, high = _number(sub.low), _number(sub.high)
            catch_all = value is None and low is None and high is None
            weight = _number(sub.weight, 0.0 if catch_all else FULL)
            for lang, question in (("vi", vi), ("en", en)):
                feedback = _clean(getattr(sub, f"feedback_{lang}").data)
                question.numeric.append(NumericAnswer(value, tolerance or 0.0, low, high,
                                                      weight if weight is not None else 0.0,
                                                      feedback))
    elif qtype == "matching":
        for row in form.pairs:
            sub = row.form
            texts = [_clean(f.data) for f in (sub.left_vi, sub.right_vi, sub.left_en,
                                              sub.right_en)]
            if not any(texts):
                continue
            if not texts[1]:
                sub.right_vi.errors = [*sub.right_vi.errors, _("Write the match.")]
            if texts[0]:
                _need_en(sub.left_en, english)
            elif texts[2]:
                sub.left_en.errors = [*sub.left_en.errors, _("A distractor has no item: "
                                                             "leave this empty.")]
            _need_en(sub.right_en, english)
            vi.pairs.append(MatchPair(texts[0], texts[1]))
            en.pairs.append(MatchPair(texts[2], texts[3]))
    elif qtype == "true_false":
        if form.correct.data not in ("true", "false"):
            form.correct.errors = [*form.correct.errors, _("Choose true or false.")]
        vi.correct = en.correct = form.correct.data == "true"
        vi.feedback_true = _clean(form.feedback_true_vi.data)
        vi.feedback_false = _clean(form.feedback_false_vi.data)
        en.feedback_true = _clean(form.feedback_true_en.data)
        en.feedback_false = _clean(form.feedback_false_en.data)
    if not english and _has_english(form):
        form.text_en.errors = [*form.text_en.errors, _("Write the English question too, or "
                                                       "clear its English answers.")]
    if any(field.errors for field in _fields(form)):
        return None
    problems = vi.validate()
    if english:
        problems += [_("English: %(problem)s", problem=p) for p in en.validate()
                     if p not in problems]
    if problems:
        #: Problems of the question as a whole, shown above its rows.
        form.problems = problems
        return None
    return vi, (en if english else None)


def _has_english(form: QuestionForm) -> bool:
    """Return whether any English text but the question itself was filled in."""
    return any(_clean(f.data) for f in _fields(form)
               if f.name.endswith("_en") and f.name != "text_en")


def _fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for row in field:
                yield from row.form
        else:
            yield field
