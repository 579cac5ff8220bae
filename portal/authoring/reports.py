"""What trainers read in the studio: the difference between two versions, the learner funnel.

:func:`diff_versions` compares two versions of a course the way a reviewer reads them: the
settings that changed, the lessons and quizzes added, removed or moved, each lesson's text
line by line in each language, and each question (matched by name) written out plainly.

:func:`learner_funnel` counts, for one course, how many learners started it, read each
lesson, attempted and passed each quiz, and completed it: a fixed number of grouped queries,
however many learners there are.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.catalog.models import Course, CourseItem, CourseVersion
from portal.extensions import db
from portal.labels import JOB_ROLE_LABELS
from portal.progress.models import CourseCompletion, LessonRead, QuizPass
from portal.quizzes.models import Attempt
from portal.quizzes.questions import Question, format_number

__all__ = ["Funnel", "VersionDiff", "diff_versions", "learner_funnel", "question_lines"]

#: Roles whose progress is counted (trainers' previews are not).
LEARNER_ROLES = ("learner", "manager")


@dataclass(frozen=True)
class Line:
    """One line of a text diff: ``same``, ``add``, ``del`` or ``gap`` (lines skipped)."""

    kind: str
    text: str


@dataclass
class Section:
    """A titled part of an item's diff (a language of a lesson, a question)."""

    label: str
    lines: list[Line]
    status: str = "changed"  #: added, removed or changed


@dataclass
class ItemDiff:
    """How one lesson or quiz differs between the two versions."""

    slug: str
    kind: str
    title: dict[str, str]
    status: str  #: added, removed, changed or same
    old_position: int | None = None
    new_position: int | None = None
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        """Return whether the item changed place."""
        return None not in (self.old_position, self.new_position) and \
            self.old_position != self.new_position


@dataclass
class VersionDiff:
    """Everything that differs between two versions of a course."""

    old: CourseVersion
    new: CourseVersion
    fields: list[tuple[str, Any, Any]]
    items: list[ItemDiff]

    @property
    def is_empty(self) -> bool:
        """Return whether the two versions say the same."""
        return not self.fields and all(i.status == "same" and not i.moved for i in self.items)


def text_diff(old: str, new: str) -> list[Line]:
    """Return the lines of a unified diff of two texts, two lines of context around changes."""
    lines = []
    for raw in difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), n=2,
                                    lineterm=""):
        if raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            lines.append(Line("gap", raw))
        else:
            lines.append(Line({"+": "add", "-": "del"}.get(raw[:1], "same"), raw[1:]))
    return lines


_TYPE_LABELS = {
    "single_choice": _l("Single choice"),
    "multiple_response": _l("Multiple response"),
    "true_false": _l("True or false"),
    "short_answer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
}


def question_lines(question: Question) -> list[str]:
    """Return a question written out plainly, one fact per line, for reading and diffs."""
    lines = [f"[{_TYPE_LABELS.get(question.type, question.type)}] {question.name}"]
    lines += question.text.split("\n")
    for answer in question.answers:
        mark = "✔" if answer.fraction > 0 else "✘"
        line = f"{mark} {format_number(answer.fraction)}% {answer.text}"
        lines.append(line + (f" — {answer.feedback}" if answer.feedback else ""))
    for answer in question.numeric:
        if answer.is_catch_all:
            value = "*"
        elif answer.is_range:
            value = f"{format_number(answer.low)}..{format_number(answer.high)}"
        else:
            value = format_number(answer.value)
            if answer.tolerance:
                value += f" ± {format_number(answer.tolerance)}"
        line = f"= {value} ({format_number(answer.fraction)}%)"
        lines.append(line + (f" — {answer.feedback}" if answer.feedback else ""))
    for pair in question.pairs:
        lines.append(f"{pair.left or '—'} → {pair.right}")
    if question.type == "true_false":
        lines.append(_("Right answer: %(answer)s",
                       answer=_("true") if question.correct else _("false")))
        for label, text in ((_("If true"), question.feedback_true),
                            (_("If false"), question.feedback_false)):
            if text:
                lines.append(f"{label}: {text}")
    if question.ignore_diacritics:
        lines.append(_("Also accepted without diacritics"))
    if question.general_feedback:
        lines.append(_("Feedback: %(text)s", text=question.general_feedback))
    return lines


def _question_text(data: dict | None) -> str:
    if not data:
        return ""
    chunks = []
    for lang in ("vi", "en"):
        if lang in data:
            chunks.append(f"— {lang} —")
            chunks += question_lines(Question.from_dict(data[lang]))
    return "\n".join(chunks)


def _load(version_id: int) -> CourseVersion:
    return db.session.scalar(
        select(CourseVersion).where(CourseVersion.id == version_id)
        .options(selectinload(CourseVersion.items).selectinload(CourseItem.questions),
                 selectinload(CourseVersion.media)))


def _course_fields(old: CourseVersion, new: CourseVersion) -> list[tuple[str, Any, Any]]:
    def roles(version):
        return ", ".join(str(JOB_ROLE_LABELS[r]) for r in version.audience) or _("everyone")

    pairs = [
        (_("Title (Vietnamese)"), old.title.get("vi"), new.title.get("vi")),
        (_("Title (English)"), old.title.get("en"), new.title.get("en")),
        (_("Summary (Vietnamese)"), old.summary.get("vi"), new.summary.get("vi")),
        (_("Summary (English)"), old.summary.get("en"), new.summary.get("en")),
        (_("Audience"), roles(old), roles(new)),
        (_("Minutes"), old.minutes, new.minutes),
        (_("Place in the catalogue"), old.position, new.position),
        (_("Requires"), ", ".join(old.requires), ", ".join(new.requires)),
        (_("Course certificate"), old.awards_certificate, new.awards_certificate),
        (_("Reviewed on"), old.reviewed_on, new.reviewed_on),
        (_("Images"), ", ".join(sorted(m.name for m in old.media)),
         ", ".join(sorted(m.name for m in new.media))),
    ]
    return [(label, a, b) for label, a, b in pairs if a != b]


def _item_fields(old: CourseItem, new: CourseItem) -> list[tuple[str, Any, Any]]:
    pairs = [
        (_("Title (Vietnamese)"), old.title.get("vi"), new.title.get("vi")),
        (_("Title (English)"), old.title.get("en"), new.title.get("en")),
    ]
    if new.is_quiz:
        pairs += [
            (_("Pass mark (%)"), old.pass_mark, new.pass_mark),
            (_("Attempts allowed"), old.max_attempts, new.max_attempts),
            (_("Time limit (minutes)"), old.time_limit, new.time_limit),
            (_("Questions per attempt"), old.draw, new.draw),
            (_("Shuffle"), old.shuffle, new.shuffle),
            (_("Feedback"), old.feedback, new.feedback),
        ]
    else:
        pairs += [
            (_("Minutes"), old.minutes, new.minutes),
            (_("Sources"), "; ".join(old.sources.get("vi", [])),
             "; ".join(new.sources.get("vi", []))),
            (_("Sources (English)"), "; ".join(old.sources.get("en", [])),
             "; ".join(new.sources.get("en", []))),
        ]
    return [(label, a, b) for label, a, b in pairs if a != b]


def _item_sections(old: CourseItem | None, new: CourseItem | None) -> list[Section]:
    sections = []
    kind = (new or old).kind
    if kind == "lesson":
        for lang, label in (("vi", _("Vietnamese text")), ("en", _("English text"))):
            before = (old.body if old else {}).get(lang, "")
            after = (new.body if new else {}).get(lang, "")
            if before != after:
                status = "added" if not before else "removed" if not after else "changed"
                sections.append(Section(label, text_diff(before, after), status))
        return sections
    before = {q.name: q for q in (old.questions if old else [])}
    after = {q.name: q for q in (new.questions if new else [])}
    for name in [*after, *(n for n in before if n not in after)]:
        a, b = before.get(name), after.get(name)
        if a is not None and b is not None and a.data == b.data:
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        lines = text_diff(_question_text(a.data if a else None),
                          _question_text(b.data if b else None))
        sections.append(Section(_("Question %(name)s", name=name), lines, status))
    return sections


def diff_versions(old: CourseVersion, new: CourseVersion) -> VersionDiff:
    """Return what changed from version *old* to version *new* of a course."""
    old, new = _load(old.id), _load(new.id)
    before = {item.slug: item for item in old.items}
    after = {item.slug: item for item in new.items}
    items = []
    for slug in [*after, *(s for s in before if s not in after)]:
        a, b = before.get(slug), after.get(slug)
        if a is not None and b is not None and a.kind != b.kind:
            items.append(_whole(a, "removed"))
            items.append(_whole(b, "added"))
            continue
        if a is None or b is None:
            items.append(_whole(a or b, "added" if a is None else "removed"))
            continue
        diff = ItemDiff(slug, b.kind, b.title, "same", a.position, b.position,
                        _item_fields(a, b), _item_sections(a, b))
        if diff.fields or diff.sections:
            diff.status = "changed"
        items.append(diff)
    items.sort(key=lambda d: (d.new_position or d.old_position or 0, d.status == "added"))
    return VersionDiff(old, new, _course_fields(old, new), items)


def _whole(item: CourseItem, status: str) -> ItemDiff:
    old, new = (None, item) if status == "added" else (item, None)
    return ItemDiff(item.slug, item.kind, item.title, status,
                    item.position if old else None, item.position if new else None,
                    [], _item_sections(old, new))


# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class FunnelStep:
    """One lesson or quiz and how many learners got through it."""

    item: CourseItem
    #: Learners who read the lesson, or passed the quiz.
    done: int
    #: Quizzes: learners who submitted at least one attempt.
    attempted: int = 0


@dataclass(frozen=True)
class Funnel:
    """How learners move through one course."""

    started: int
    completed: int
    steps: list[FunnelStep]

    def percent(self, count: int) -> int:
        """Return *count* as a share of the learners who started, in percent."""
        return round(100 * count / self.started) if self.started else 0


def learner_funnel(course: Course, version: CourseVersion) -> Funnel:
    """Count the learners at each step of *course*, in the order *version* gives its steps.

    Reads and passes count by slug, whichever version they were made on; trainers' and
    administrators' previews are left out. Five queries, however many learners.
    """
    learners = select(User.id).where(User.role.in_(LEARNER_ROLES))
    reads = dict(db.session.execute(
        select(LessonRead.lesson_slug, func.count(func.distinct(LessonRead.user_id)))
        .where(LessonRead.course_id == course.id, LessonRead.user_id.in_(learners))
        .group_by(LessonRead.lesson_slug)).all())
    passes = dict(db.session.execute(
        select(QuizPass.quiz_slug, func.count(func.distinct(QuizPass.user_id)))
        .where(QuizPass.course_id == course.id, QuizPass.user_id.in_(learners))
        .group_by(QuizPass.quiz_slug)).all())
    attempted = dict(db.session.execute(
        select(Attempt.quiz_slug, func.count(func.distinct(Attempt.user_id)))
        .where(Attempt.course_id == course.id, Attempt.submitted_at.is_not(None),
               Attempt.user_id.in_(learners))
        .group_by(Attempt.quiz_slug)).all())
    people = union(
        select(LessonRead.user_id.label("user_id")).where(LessonRead.course_id == course.id),
        select(Attempt.user_id.label("user_id")).where(Attempt.course_id == course.id),
        select(QuizPass.user_id.label("user_id")).where(QuizPass.course_id == course.id),
    ).subquery()
    started = db.session.scalar(select(func.count()).select_from(people)
                                .where(people.c.user_id.in_(learners))) or 0
    completed = db.session.scalar(
        select(func.count(CourseCompletion.id))
        .where(CourseCompletion.course_id == course.id,
               CourseCompletion.user_id.in_(learners))) or 0
    steps = [
        FunnelStep(item, passes.get(item.slug, 0), attempted.get(item.slug, 0))
        if item.is_quiz else FunnelStep(item, reads.get(item.slug, 0))
        for item in version.items
    ]
    return Funnel(int(started), int(completed), steps)
