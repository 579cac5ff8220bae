"""The studio's rules for a quiz's questions: edit, reorder, GIFT in and out, corrections.

A question is stored in Vietnamese and, optionally, English; both versions share the answer
key (which answers are right, their weights, the numbers), exactly as the ``.gift`` and
``.en.gift`` twins of the course files must. Questions of a draft are edited freely; a
question of a published version is either fixed in the next version (:func:`draft_twin`) or,
for a wrong answer key, corrected in place and regraded by the quiz engine
(:func:`correct_published`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.authoring.services import (
    StudioError,
    _require_draft,
    bump,
    check_lock,
    get_draft,
    renumber,
)
from portal.authoring.versions import start_draft
from portal.catalog.loader import answer_key
from portal.catalog.models import Course, CourseItem
from portal.extensions import db
from portal.quizzes.gift import GiftError, parse_gift, write_gift
from portal.quizzes.models import QuizQuestion
from portal.quizzes.questions import Question
from portal.quizzes.regrade import correct_question
from portal.quizzes.services import InvalidCorrection, RegradeReport

__all__ = [
    "MAX_QUESTIONS",
    "GiftPreview",
    "add_question",
    "correct_published",
    "delete_question",
    "draft_twin",
    "export_gift",
    "move_question",
    "preview_gift",
    "save_gift",
    "twin_problems",
    "update_question",
]

#: Questions per quiz.
MAX_QUESTIONS = 500


def twin_problems(vi: Question, en: Question | None) -> list[str]:
    """Return what is wrong with a question and its English version, for the trainer.

    :return: the problems of each version, and any difference in their answer keys
    """
    problems = [f"{p}" for p in vi.validate()]
    if en is not None:
        problems += [_("English: %(problem)s", problem=p) for p in en.validate()]
        if not problems and (en.type != vi.type or answer_key(en) != answer_key(vi)):
            problems.append(_("The English version must have the same right answers and "
                              "weights as the Vietnamese one."))
    return problems


def _data(vi: Question, en: Question | None) -> dict:
    data = {"vi": vi.to_dict()}
    if en is not None:
        data["en"] = en.to_dict()
    return data


def _check_name(quiz: CourseItem, name: str, own: QuizQuestion | None = None) -> None:
    if not name:
        raise StudioError(_("Give the question a short name."), "name")
    if len(name) > 100:
        raise StudioError(_("Keep the name under 100 characters."), "name")
    if any(q.name == name and q is not own for q in quiz.questions):
        raise StudioError(_("Another question of this quiz is called %(name)s.", name=name),
                          "name")


def _named(vi: Question, en: Question | None, name: str) -> tuple[Question, Question | None]:
    vi.name = name
    if en is not None:
        en.name = name
    return vi, en


def add_question(quiz: CourseItem, vi: Question, en: Question | None, actor) -> QuizQuestion:
    """Add a question at the end of a draft quiz.

    :raises StudioError: a frozen version, a bad or taken name, an invalid question
    """
    _require_draft(quiz.version)
    name = (vi.name or "").strip()
    _check_name(quiz, name)
    if len(quiz.questions) >= MAX_QUESTIONS:
        raise StudioError(_("A quiz holds at most %(num)d questions.", num=MAX_QUESTIONS))
    vi, en = _named(vi, en, name)
    if problems := twin_problems(vi, en):
        raise StudioError("; ".join(problems))
    position = max((q.position for q in quiz.questions), default=0) + 1
    row = QuizQuestion(position=position, name=name, qtype=vi.type, data=_data(vi, en))
    quiz.questions.append(row)
    db.session.flush()
    audit.record("quiz.question_added", actor=actor, obj=quiz, question=name)
    return row


def update_question(row: QuizQuestion, vi: Question, en: Question | None,
                    expected_lock: int | None) -> None:
    """Save a question of a draft quiz in both languages.

    :raises EditConflict: someone saved the question since *expected_lock*
    :raises StudioError: a frozen version, a bad or taken name, an invalid question
    """
    quiz = row.quiz
    _require_draft(quiz.version)
    check_lock(row, expected_lock)
    name = (vi.name or "").strip()
    _check_name(quiz, name, row)
    vi, en = _named(vi, en, name)
    if vi.type != row.qtype:
        raise StudioError(_("The question type cannot change: add a new question instead."))
    if problems := twin_problems(vi, en):
        raise StudioError("; ".join(problems))
    row.name, row.data = name, _data(vi, en)
    bump(row)


def delete_question(row: QuizQuestion, actor) -> None:
    """Remove a question from a draft quiz."""
    quiz = row.quiz
    _require_draft(quiz.version)
    name = row.name
    try:
        with db.session.begin_nested():
            quiz.questions.remove(row)  # delete-orphan deletes it
            db.session.flush()
    except IntegrityError as exc:
        raise StudioError(_("A preview attempt used this question: it cannot be removed from "
                            "this draft.")) from exc
    renumber(list(quiz.questions))
    if quiz.draw and quiz.draw > len(quiz.questions):
        quiz.draw = len(quiz.questions)
        db.session.flush()
    audit.record("quiz.question_removed", actor=actor, obj=quiz, question=name)


def move_question(row: QuizQuestion, offset: int) -> None:
    """Move a question up (-1) or down (+1) in its draft quiz."""
    quiz = row.quiz
    _require_draft(quiz.version)
    rows = list(quiz.questions)
    index = rows.index(row)
    target = index + offset
    if offset in (-1, 1) and 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
        renumber(rows)


# --------------------------------------------------------------------------- GIFT


@dataclass
class GiftPreview:
    """GIFT text read for a quiz, before anything is saved."""

    questions: list[Question] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the questions may be saved."""
        return bool(self.questions) and not self.errors


def _error(line: int, message: str) -> GiftError:
    return GiftError("GIFT", line, 1, message)


def preview_gift(quiz: CourseItem, text: str, lang: str, replace: bool) -> GiftPreview:
    """Read GIFT *text* for *quiz* and check it as saving would, without saving.

    Vietnamese questions without a ``::name::`` are named ``q1``, ``q2``…; English ones are
    matched to the Vietnamese questions by name and must share their answer keys.

    :param lang: ``"vi"``: new questions; ``"en"``: the English version of existing ones
    :param replace: Vietnamese only: the questions replace the quiz's whole pool
    """
    questions, errors = parse_gift(text or "", "GIFT")
    preview = GiftPreview(questions, list(errors))
    if not questions and not errors:
        preview.errors.append(_error(1, _("No question found.")))
        return preview
    seen: dict[str, int] = {}
    if lang == "en":
        existing = {q.name: q for q in quiz.questions}
        for question in questions:
            row = existing.get(question.name)
            if row is None:
                preview.errors.append(_error(question.line, _(
                    "No Vietnamese question is called %(name)s.", name=question.name or "—")))
            elif problems := twin_problems(row.question("vi"), question):
                preview.errors += [_error(question.line, p) for p in problems]
        return preview
    taken = set() if replace else {q.name for q in quiz.questions}
    counter = 0
    for question in questions:
        if not question.name:
            counter += 1
            while f"q{counter}" in taken or f"q{counter}" in seen:
                counter += 1
            question.name = f"q{counter}"
        if question.name in taken or question.name in seen:
            preview.errors.append(_error(question.line, _(
                "Another question is already called %(name)s.", name=question.name)))
        elif len(question.name) > 100:
            preview.errors.append(_error(question.line, _(
                "Keep the name under 100 characters.")))
        seen[question.name] = question.line
    total = len(questions) + (0 if replace else len(quiz.questions))
    if total > MAX_QUESTIONS:
        preview.errors.append(_error(1, _("A quiz holds at most %(num)d questions.",
                                          num=MAX_QUESTIONS)))
    return preview


def save_gift(quiz: CourseItem, text: str, lang: str, replace: bool, actor) -> GiftPreview:
    """Save GIFT *text* into a draft quiz, as :func:`preview_gift` showed it.

    :return: the preview; nothing was saved unless it is ``ok``
    :raises StudioError: a frozen version, or a pool in use by a preview attempt
    """
    _require_draft(quiz.version)
    preview = preview_gift(quiz, text, lang, replace)
    if not preview.ok:
        return preview
    if lang == "en":
        rows = {q.name: q for q in quiz.questions}
        for question in preview.questions:
            row = rows[question.name]
            row.data = {**row.data, "en": question.to_dict()}
            bump(row)
    else:
        if replace:
            try:
                with db.session.begin_nested():
                    for row in list(quiz.questions):
                        quiz.questions.remove(row)  # delete-orphan deletes it
                    db.session.flush()
            except IntegrityError as exc:
                raise StudioError(_("A preview attempt used these questions: they cannot be "
                                    "replaced in this draft.")) from exc
        position = max((q.position for q in quiz.questions), default=0)
        for question in preview.questions:
            position += 1
            quiz.questions.append(QuizQuestion(position=position, name=question.name,
                                               qtype=question.type,
                                               data={"vi": question.to_dict()}))
        db.session.flush()
    audit.record("quiz.gift_imported", actor=actor, obj=quiz, lang=lang, replace=replace,
                 questions=len(preview.questions))
    return preview


def export_gift(quiz: CourseItem, lang: str) -> str:
    """Return the quiz's questions in *lang* as a GIFT file (Vietnamese where untranslated)."""
    return write_gift([row.question(lang) for row in quiz.questions])


# --------------------------------------------------------------------------- published


def draft_twin(course: Course, row: QuizQuestion, actor) -> QuizQuestion | None:
    """Return the copy of a published question in the course's draft, starting one if needed.

    :return: the question with the same quiz slug and name in the draft; ``None`` when the
        draft no longer has it
    """
    draft = start_draft(course, actor)
    quiz = next((i for i in draft.items if i.slug == row.quiz.slug and i.is_quiz), None)
    if quiz is None:
        return None
    return next((q for q in quiz.questions if q.name == row.name), None)


def correct_published(course: Course, row: QuizQuestion, vi: Question, en: Question | None,
                      expected_lock: int | None, actor) -> RegradeReport:
    """Correct a published question's answer key and regrade every attempt that drew it.

    The course's draft, if it still holds the question as it was, gets the same correction,
    so that publishing the draft does not bring the mistake back.

    :raises EditConflict: someone changed the question since *expected_lock*
    :raises StudioError: the correction changes the type, name or number of answers
    """
    from portal.authoring.publishing import refresh_hash

    check_lock(row, expected_lock)
    before = dict(row.data)
    vi, en = _named(vi, en, row.name)
    if problems := twin_problems(vi, en):
        raise StudioError("; ".join(problems))
    corrected = {"vi": vi} if en is None else {"vi": vi, "en": en}
    try:
        report = correct_question(row, corrected, actor)
    except InvalidCorrection as exc:
        raise StudioError("; ".join(exc.problems)) from exc
    bump(row)
    draft = get_draft(course)
    if draft is not None:
        twin = db.session.scalar(
            select(QuizQuestion).join(CourseItem, CourseItem.id == QuizQuestion.quiz_id)
            .where(CourseItem.version_id == draft.id, CourseItem.slug == row.quiz.slug,
                   QuizQuestion.name == row.name))
        if twin is not None and twin.data == before:
            twin.data = dict(row.data)
            bump(twin)
    refresh_hash(row.quiz.version)
    return report
