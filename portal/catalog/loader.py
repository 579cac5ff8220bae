"""Read the curriculum files (docs/course-format.md) into specs, reporting every problem.

:func:`load_tree` takes a ``courses/`` folder or one course's folder. It never stops at the
first problem: every error is collected with its file and line, so an author fixes them all
in one pass, and a caller that finds any error writes nothing (nothing half-imports).

This module knows what the files mean; reading them (UTF-8 text, YAML with the line of
every key, front matter, typed fields) is :mod:`portal.catalog.yamlfiles`, and checking
images is :mod:`portal.catalog.mediafiles`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from portal.catalog.mediafiles import check_images, load_media, sniff_image
from portal.catalog.specs import (
    FEEDBACK_MODES,
    JOB_ROLES,
    QUIZ_DEFAULT_TITLE,
    SLUG_RE,
    CourseSpec,
    ItemSpec,
    LoadResult,
    ProgrammeSpec,
    QuizSettings,
)
from portal.catalog.yamlfiles import (
    Doc,
    Errors,
    Fields,
    bad_slug,
    is_real,
    list_index,
    read_text,
    read_yaml,
    split_front_matter,
)
from portal.text import nfc

__all__ = ["COURSE_KEYS", "LESSON_KEYS", "QUIZ_KEYS", "load_tree", "sniff_image"]

#: Keys of course.yml, in the order the writer puts them.
COURSE_KEYS = ("title", "summary", "audience", "minutes", "order", "requires", "certificate",
               "reviewed", "quizzes")
#: Keys of a lesson's front matter.
LESSON_KEYS = ("title", "minutes", "sources")
#: Keys of one quiz under ``quizzes:`` in course.yml.
QUIZ_KEYS = ("title", "pass_mark", "attempts", "time_limit", "draw", "shuffle", "feedback")
PROGRAMME_KEYS = ("title", "summary", "validity_months", "courses", "facility_rule")
RULE_KEYS = ("manager_required", "staff_share", "roles_any")

_ITEM_FILE = re.compile(r"^(?P<number>[0-9]{2})-(?P<slug>[^.]+)(?P<en>\.en)?\.(?P<ext>md|gift)$")


def load_tree(path: str | Path, known_slugs: Iterable[str] = ()) -> LoadResult:
    """Read a ``courses/`` folder, or one course's folder, and check everything in it.

    :param path: a folder holding course folders (and optionally programmes.yml), or a
        folder holding course.yml
    :param known_slugs: courses that exist elsewhere (already imported), which ``requires``
        and programmes may name
    :return: the courses (by ``order`` then slug), the programmes and every error found;
        when there are errors the specs may be incomplete and must not be written
    """
    root = Path(path)
    errors = Errors(root)
    result = LoadResult(errors=errors.items)
    if not root.is_dir():
        errors.add(root, None, _("no such folder"))
        return result
    single = (root / "course.yml").is_file()
    folders = [root] if single else sorted(
        p for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and is_real(errors, p)
    )
    docs: dict[str, Doc] = {}
    for folder in folders:
        if loaded := _load_course(errors, folder, folder.resolve().name):
            result.courses.append(loaded[0])
            docs[loaded[0].slug] = loaded[1]
    result.courses.sort(key=lambda c: (c.order, c.slug))
    # A course whose course.yml is broken is still there: naming it is no second error.
    present = {f.resolve().name for f in folders if (f / "course.yml").is_file()}
    known = present | set(known_slugs)
    _check_requires(errors, result.courses, docs, known)
    if not single:
        for entry in sorted(root.iterdir()):
            if entry.name == "programmes.yml":
                result.programmes = _load_programmes(errors, entry, known)
            elif entry.is_file() and not entry.name.startswith(".") and entry.suffix != ".md":
                errors.add(entry, None, _("unexpected file %(name)s", name=entry.name))
    return result


# --------------------------------------------------------------------------- courses


def _load_course(errors: Errors, folder: Path, slug: str) -> tuple[CourseSpec, Doc] | None:
    if not SLUG_RE.match(slug):
        errors.add(folder, None, bad_slug(slug))
    file = folder / "course.yml"
    if not file.is_file():
        errors.add(file, None, _("missing course.yml"))
        return None
    doc = read_yaml(errors, file, read_text(errors, file))
    if doc is None:
        return None
    fields = Fields(errors, doc, doc.data)
    fields.check_keys(COURSE_KEYS)
    head: dict[str, Any] = {
        "title": fields.text_map("title", required=True),
        "summary": fields.text_map("summary", required=True),
        "audience": fields.texts("audience", kind="role"),
        "minutes": fields.integer("minutes", None, low=1),
        "order": fields.integer("order", 0, low=0),
        "requires": fields.texts("requires", kind="slug"),
        "certificate": fields.boolean("certificate", False),
        "reviewed": fields.date("reviewed"),
    }
    quizzes = _quiz_settings(errors, doc, fields.get("quizzes"))
    media = load_media(errors, folder / "media")
    items = _load_items(errors, folder, quizzes, {m.name for m in media})
    if head["minutes"] is None:
        head["minutes"] = sum(i.minutes or (i.settings.time_limit if i.settings else 0)
                              for i in items)
    return CourseSpec(slug=slug, items=items, media=media, **head), doc


@dataclass
class _QuizEntry:
    """One quiz's entry under ``quizzes:`` in course.yml."""

    settings: QuizSettings
    title: dict[str, str]
    fields: Fields


def _quiz_settings(errors: Errors, doc: Doc, value: Any) -> dict[str, _QuizEntry]:
    entries: dict[str, _QuizEntry] = {}
    quizzes = Fields(errors, doc, value, ("quizzes",))
    for slug, body in quizzes.data.items():
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            quizzes.error(slug, bad_slug(slug))
            continue
        f = Fields(errors, doc, body, ("quizzes", slug))
        f.check_keys(QUIZ_KEYS)
        settings = QuizSettings(
            pass_mark=f.integer("pass_mark", 80, low=0, high=100),
            attempts=f.integer("attempts", 0, low=0),
            time_limit=f.integer("time_limit", 0, low=0),
            draw=f.integer("draw", 0, low=0),
            shuffle=f.boolean("shuffle", True),
            feedback=f.choice("feedback", "after_submit", FEEDBACK_MODES),
        )
        entries[slug] = _QuizEntry(settings, f.text_map("title") or dict(QUIZ_DEFAULT_TITLE), f)
    return entries


def _load_items(
    errors: Errors, folder: Path, quizzes: dict[str, _QuizEntry], media: set[str]
) -> tuple[ItemSpec, ...]:
    groups: dict[tuple[int, str, str], dict[str, Path]] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(".") or not is_real(errors, entry):
            continue
        if name == "course.yml" or (name == "media" and entry.is_dir()):
            continue
        match = _ITEM_FILE.match(name)
        if entry.is_dir():
            errors.add(entry, None, _("unexpected folder %(name)s", name=name))
        elif not name.endswith((".md", ".gift")):
            errors.add(entry, None, _("unexpected file %(name)s", name=name))
        elif not match:
            errors.add(entry, None, _("file name %(name)s does not match NN-slug.md, "
                                      "NN-slug.en.md, NN-slug.gift or NN-slug.en.gift",
                                      name=name))
        elif not SLUG_RE.match(match["slug"]):
            errors.add(entry, None, bad_slug(match["slug"]))
        else:
            kind = "lesson" if match["ext"] == "md" else "quiz"
            key = (int(match["number"]), match["slug"], kind)
            groups.setdefault(key, {})["en" if match["en"] else "vi"] = entry

    items: list[ItemSpec] = []
    taken: dict[int | str, Path] = {}  # order numbers and slugs already used
    for (number, slug, kind), files in sorted(groups.items()):
        vi = files.get("vi")
        if vi is None:
            original = files["en"].name.replace(".en.", ".")
            errors.add(files["en"], None, _("English version with no Vietnamese original "
                                            "%(name)s", name=original))
        elif number in taken:
            errors.add(vi, None, _("order number %(number)s is also used by %(other)s",
                                   number=vi.name[:2], other=taken[number].name))
        elif slug in taken:
            errors.add(vi, None, _("slug %(slug)s is also used by %(other)s", slug=slug,
                                   other=taken[slug].name))
        else:
            taken[number] = taken[slug] = vi
            if kind == "lesson":
                items.append(_load_lesson(errors, number, slug, files, media))
            else:
                items.append(_load_quiz(errors, number, slug, files, quizzes.get(slug)))
    quiz_files = {slug for _number, slug, kind in groups if kind == "quiz"}
    for slug, entry in quizzes.items():
        if slug not in quiz_files:
            entry.fields.error(None, _("settings for quiz %(slug)s, but there is no "
                                       "NN-%(slug)s.gift file", slug=slug))
    return tuple(items)


def _load_lesson(
    errors: Errors, number: int, slug: str, files: dict[str, Path], media: set[str]
) -> ItemSpec:
    title: dict[str, str] = {}
    body: dict[str, str] = {}
    minutes: int | None = None
    sources: dict[str, tuple[str, ...]] = {}
    for lang, file in sorted(files.items(), key=lambda pair: pair[0] != "vi"):
        parts = split_front_matter(errors, file, read_text(errors, file))
        doc = read_yaml(errors, file, parts[0], first_line=2) if parts else None
        if doc is None:
            continue
        fields = Fields(errors, doc, doc.data)
        fields.check_keys(LESSON_KEYS)
        if (text := fields.text("title", required=lang == "vi")) is not None:
            title[lang] = text
        own_minutes = fields.integer("minutes", None, low=1)
        sources[lang] = fields.texts("sources")
        if lang == "vi":
            minutes = own_minutes
        elif fields.get("minutes") is not None and own_minutes != minutes:
            fields.error("minutes", _("minutes differs from the Vietnamese lesson (%(minutes)s)",
                                      minutes=minutes))
        check_images(errors, file, parts[1], parts[2], media)
        body[lang] = nfc(parts[1]) or ""
        if not body[lang]:
            errors.add(file, parts[2] - 1, _("the lesson has no text after its front matter"))
    return ItemSpec("lesson", number, slug, title, minutes, sources.get("vi", ()), body,
                    path=files["vi"].name, sources_en=sources.get("en", ()))


def _load_quiz(
    errors: Errors, number: int, slug: str, files: dict[str, Path], entry: _QuizEntry | None
) -> ItemSpec:
    from portal.quizzes.gift import parse_gift  # quizzes sits above catalog: import late

    questions: dict[str, tuple[Any, ...]] = {}
    broken = False  # a question with an error is left out: comparing the twins would mislead
    for lang, file in sorted(files.items(), key=lambda pair: pair[0] != "vi"):
        text = read_text(errors, file)
        if text is None:
            broken = True
            continue
        parsed, problems = parse_gift(text, errors.rel(file))
        broken = broken or bool(problems)
        for problem in problems:
            message = str(problem.message)
            if getattr(problem, "column", None):
                message = _("%(message)s (column %(column)s)", message=message,
                            column=problem.column)
            errors.add(file, problem.line, message)
        names: dict[str, int] = {}
        for question in parsed:
            if not question.name:
                errors.add(file, question.line, _("the question has no ::name::"))
            elif question.name in names:
                errors.add(file, question.line, _("question name %(name)s is also used on line "
                                                  "%(line)s", name=question.name,
                                                  line=names[question.name]))
            else:
                names[question.name] = question.line
        if not parsed and not problems:
            errors.add(file, None, _("the quiz has no questions"))
        questions[lang] = tuple(parsed)
    if "en" in questions and "vi" in questions and not broken:
        _compare_twins(errors, files["en"], questions["vi"], questions["en"])
    if entry is None:
        errors.add(files["vi"], None, _("quiz %(slug)s has no settings under quizzes: in "
                                        "course.yml", slug=slug))
    elif "vi" in questions and entry.settings.draw > len(questions["vi"]):
        entry.fields.error("draw", _("draw is %(draw)s but the quiz has only %(pool)s "
                                     "questions", draw=entry.settings.draw,
                                     pool=len(questions["vi"])))
    title = entry.title if entry else dict(QUIZ_DEFAULT_TITLE)
    settings = entry.settings if entry else None
    return ItemSpec("quiz", number, slug, title, settings=settings, questions=questions,
                    path=files["vi"].name)


def _compare_twins(errors: Errors, file: Path, vi: tuple[Any, ...], en: tuple[Any, ...]) -> None:
    """The English twin asks the same questions: same names, order, types and answer keys."""
    for mine, theirs in zip(en, vi, strict=False):
        if (mine.name, mine.type) != (theirs.name, theirs.type):
            errors.add(file, mine.line, _("question %(name)s (%(type)s) does not match the "
                                          "Vietnamese question in the same place, %(vi_name)s "
                                          "(%(vi_type)s)", name=mine.name, type=mine.type,
                                          vi_name=theirs.name, vi_type=theirs.type))
            return
        if answer_key(mine) != answer_key(theirs):
            errors.add(file, mine.line, _("question %(name)s: its right answers or weights "
                                          "differ from the Vietnamese question's",
                                          name=mine.name))
    if len(en) != len(vi):
        line = en[len(vi)].line if len(en) > len(vi) else None
        errors.add(file, line, _("the English quiz has %(en)s questions, the Vietnamese one "
                                 "%(vi)s", en=len(en), vi=len(vi)))


def answer_key(question: Any) -> Any:
    """Return what grading depends on that a translation must not change."""
    if question.type == "true_false":
        return question.correct
    if question.type == "numerical":
        return [(a.value, a.tolerance, a.low, a.high, a.fraction) for a in question.numeric]
    if question.type in ("single_choice", "multiple_response"):
        return [a.fraction for a in question.answers]
    if question.type == "matching":
        return [bool(pair.left) for pair in question.pairs]
    return None  # short answers: each language accepts its own spellings


def _check_requires(
    errors: Errors, courses: list[CourseSpec], docs: dict[str, Doc], known: set[str]
) -> None:
    """Report required courses that do not exist, and cycles among requirements."""
    graph = {c.slug: c.requires for c in courses}
    for course in courses:
        doc = docs[course.slug]
        raw = doc.data.get("requires") if isinstance(doc.data, dict) else None
        for required in course.requires:  # not empty: raw is a list
            if required not in known:
                line = doc.line("requires", list_index(raw, required))
                errors.add(doc.file, line, _("requires unknown course %(slug)s", slug=required))
    reported: set[frozenset[str]] = set()
    for start in sorted(graph):
        cycle = _cycle_from(start, graph)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            doc = docs[start]
            errors.add(doc.file, doc.line("requires"), _("requires forms a cycle: %(cycle)s",
                       cycle=" → ".join([*cycle, start])))


def _cycle_from(start: str, graph: dict[str, tuple[str, ...]]) -> list[str]:
    """Return the shortest chain of requirements leading from *start* back to it, if any."""
    paths, seen = [[start]], {start}
    while paths:
        path = paths.pop(0)
        for required in graph.get(path[-1], ()):
            if required == start:
                return path
            if required not in seen:
                seen.add(required)
                paths.append([*path, required])
    return []


# --------------------------------------------------------------------------- programmes


def _load_programmes(errors: Errors, file: Path, known: set[str]) -> list[ProgrammeSpec]:
    doc = read_yaml(errors, file, read_text(errors, file))
    if doc is None:
        return []
    top = Fields(errors, doc, doc.data)
    top.check_keys(("programmes",))
    listing = Fields(errors, doc, top.get("programmes", required=True), ("programmes",))
    programmes = []
    for slug, body in listing.data.items():
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            listing.error(slug, bad_slug(slug))
            continue
        fields = Fields(errors, doc, body, ("programmes", slug))
        fields.check_keys(PROGRAMME_KEYS)
        rule = Fields(errors, doc, fields.get("facility_rule"), (*fields.at, "facility_rule"))
        rule.check_keys(RULE_KEYS)
        programmes.append(ProgrammeSpec(
            slug=slug,
            title=fields.text_map("title", required=True),
            summary=fields.text_map("summary"),
            validity_months=fields.integer("validity_months", 36, low=1, high=120),
            courses=_programme_courses(errors, doc, fields, known),
            manager_required=rule.boolean("manager_required", True),
            staff_share=rule.integer("staff_share", 80, low=0, high=100),
            roles_any=rule.texts("roles_any", kind="role"),
        ))
    return programmes


def _programme_courses(
    errors: Errors, doc: Doc, fields: Fields, known: set[str]
) -> dict[str, tuple[str, ...]]:
    value = fields.get("courses", required=True)
    roles = Fields(errors, doc, value, (*fields.at, "courses"))
    courses: dict[str, tuple[str, ...]] = {}
    for role in roles.data:
        if role != "all" and role not in JOB_ROLES:
            roles.error(role, _("unknown job role %(role)s (job roles: %(roles)s)", role=role,
                                roles=", ".join(("all", *JOB_ROLES))))
            continue
        courses[role] = roles.texts(role, kind="slug")
        for slug in courses[role]:
            if slug not in known:
                where = (role, list_index(roles.data[role], slug))
                roles.error(where, _("unknown course %(slug)s", slug=slug))
    if value is not None and not any(courses.values()):
        fields.error("courses", _("the programme names no course"))
    return courses
