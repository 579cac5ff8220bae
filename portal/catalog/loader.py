"""Read the curriculum files (docs/course-format.md) into specs, reporting every problem.

:func:`load_tree` takes a ``courses/`` folder or one course's folder. It never stops at the
first problem: every error is collected with its file and line, so an author fixes them all
in one pass, and a caller that finds any error writes nothing (nothing half-imports).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from portal.catalog.specs import (
    FEEDBACK_MODES,
    JOB_ROLES,
    LANGUAGES,
    MAX_MEDIA_BYTES,
    QUIZ_DEFAULT_TITLE,
    SLUG_RE,
    CourseSpec,
    ItemSpec,
    LoadError,
    LoadResult,
    MediaSpec,
    ProgrammeSpec,
    QuizSettings,
)
from portal.rendering import MEDIA_PREFIX, is_remote, media_names
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
_MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                "gif": "image/gif", "webp": "image/webp"}
_INLINE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]*)")
_REF_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\[")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")


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
    errors = _Errors(root)
    result = LoadResult(errors=errors.items)
    if not root.is_dir():
        errors.add(root, None, _("no such folder"))
        return result
    single = (root / "course.yml").is_file()
    folders = [root] if single else sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and _real(errors, p)
    )
    docs: dict[str, _Doc] = {}
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


def sniff_image(head: bytes) -> str | None:
    """Return the content type of an image judged by its first bytes, not by its name.

    :param head: at least the first 12 bytes of the file
    :return: ``image/png``, ``image/jpeg``, ``image/gif`` or ``image/webp``; ``None`` for
        anything else (SVG, HTML, scripts… are refused whatever their name)
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


# --------------------------------------------------------------------------- plumbing


class _Errors:
    """Collects errors, naming files relative to the folder given."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[LoadError] = []

    def rel(self, file: Path) -> str:
        try:
            rel = file.relative_to(self.root).as_posix()
        except ValueError:
            rel = file.as_posix()
        return self.root.resolve().name if rel == "." else rel

    def add(self, file: Path, line: int | None, message: str) -> None:
        self.items.append(LoadError(self.rel(file), line, message))


@dataclass
class _Doc:
    """A YAML document's data and the file line of each key and list item."""

    file: Path
    data: Any
    lines: dict[tuple[Any, ...], int]
    first_line: int

    def line(self, *keys: Any) -> int:
        """Return the line of *keys*, or of their nearest parent that is in the file."""
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return self.lines[keys] if keys else self.first_line


def _real(errors: _Errors, path: Path) -> bool:
    """Return whether *path* is no symbolic link (which could publish a file from elsewhere)."""
    if path.is_symlink():
        errors.add(path, None, _("%(name)s is a symbolic link: course files must be real files",
                                 name=path.name))
        return False
    return True


def _bad_slug(slug: Any) -> str:
    return _("bad slug %(slug)s: use lowercase letters, digits and hyphens", slug=slug)


def _read_text(errors: _Errors, file: Path) -> str | None:
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.add(file, line, _("the file is not UTF-8 text (byte %(byte)s)", byte=exc.start))
        return None


def _read_yaml(errors: _Errors, file: Path, text: str | None, first_line: int = 1) -> _Doc | None:
    """Parse *text*, which starts at *first_line* of *file*, keeping the line of every key."""
    if text is None:
        return None
    loader = yaml.SafeLoader(text)
    doc = _Doc(file, None, {}, first_line)
    try:
        node = loader.get_single_node()
        doc.data = loader.construct_document(node) if node is not None else None
        _index(errors, doc, node, (), set())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        errors.add(file, line, _("invalid YAML: %(problem)s", problem=exc.problem or exc.context))
        return None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # a date such as 2026-02-30
        errors.add(file, first_line, _("invalid YAML: %(problem)s", problem=str(exc)))
        return None
    finally:
        loader.dispose()
    return doc


def _index(
    errors: _Errors, doc: _Doc, node: yaml.Node | None, at: tuple[Any, ...], seen: set[int]
) -> None:
    """Record the line of every key and item under *node*, and report duplicate keys."""
    if id(node) in seen:  # an alias: walking it again could take exponential time
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*at, getattr(key_node, "value", None))
            line = key_node.start_mark.line + doc.first_line
            if key in doc.lines:
                errors.add(doc.file, line, _("duplicate key %(key)s", key=key[-1]))
            doc.lines[key] = line
            _index(errors, doc, value_node, key, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*at, index)] = item.start_mark.line + doc.first_line
            _index(errors, doc, item, (*at, index), seen)


class _Fields:
    """Read typed values out of one YAML mapping, reporting each wrong one at its line."""

    def __init__(self, errors: _Errors, doc: _Doc, data: Any, at: tuple[Any, ...] = ()) -> None:
        self.errors, self.doc, self.at = errors, doc, at
        self.data = data if isinstance(data, dict) else {}
        if data is not None and not isinstance(data, dict):
            self.error(None, _("expected keys and values (a YAML mapping)"))

    def error(self, key: Any, message: str) -> None:
        """Report *message* at *key* (a key, a tuple of keys, or ``None``: this mapping)."""
        keys = (*self.at, *(key if isinstance(key, tuple) else () if key is None else (key,)))
        self.errors.add(self.doc.file, self.doc.line(*keys), message)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                allowed_keys = ", ".join(allowed)
                self.error(key, _("unknown key %(key)s (allowed: %(allowed)s)", key=key,
                                  allowed=allowed_keys))

    def get(self, key: str, required: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and required:
            self.error(None, _("missing %(key)s", key=key))
        return value

    def text(self, key: Any, required: bool = False) -> str | None:
        value = self.get(key, required)
        if value is None:
            return None
        text = nfc(str(value)) if isinstance(value, str | int | float) else None
        if not text or isinstance(value, bool):
            self.error(key, _("%(key)s must be a non-empty text", key=key))
            return None
        return text

    def text_map(self, key: str, required: bool = False) -> dict[str, str]:
        value = self.get(key, required)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(key, _("%(key)s must give each language: {vi: …, en: …}", key=key))
            return {}
        texts = _Fields(self.errors, self.doc, value, (*self.at, key))
        result: dict[str, str] = {}
        for lang in value:
            if lang not in LANGUAGES:
                texts.error(lang, _("unknown language %(lang)s (use vi and en)", lang=lang))
            elif (text := texts.text(lang)) is not None:
                result[lang] = text
        if "vi" not in value:
            self.error(key, _("%(key)s has no Vietnamese text (vi)", key=key))
        return result

    def integer(self, key: str, default: Any, low: int, high: int | None = None) -> Any:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            if value >= low and (high is None or value <= high):
                return value
        if high is None:
            self.error(key, _("%(key)s must be a whole number of at least %(low)s", key=key,
                              low=low))
        else:
            self.error(key, _("%(key)s must be a whole number from %(low)s to %(high)s",
                              key=key, low=low, high=high))
        return default

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is not None and not isinstance(value, bool):
            self.error(key, _("%(key)s must be true or false", key=key))
        return value if isinstance(value, bool) else default

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.get(key)
        if value is not None and value not in choices:
            self.error(key, _("%(key)s must be one of %(choices)s", key=key,
                              choices=", ".join(choices)))
            return default
        return default if value is None else value

    def date(self, key: str) -> datetime.date | None:
        value = self.get(key)
        if value is not None and type(value) is not datetime.date:
            self.error(key, _("%(key)s must be a date written YYYY-MM-DD", key=key))
            return None
        return value

    def texts(self, key: str, kind: str = "text") -> tuple[str, ...]:
        """Read a list of texts; *kind* "role" or "slug" checks each item is one."""
        value = self.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(key, _("%(key)s must be a list", key=key))
            return ()
        items = _Fields(self.errors, self.doc, None, (*self.at, key))
        result = []
        for index, item in enumerate(value):
            text = nfc(str(item)) if isinstance(item, str | int | float) else None
            if not text or isinstance(item, bool):
                items.error(index, _("%(key)s must list non-empty texts", key=key))
            elif kind == "role" and text not in JOB_ROLES:
                items.error(index, _("unknown job role %(role)s (job roles: %(roles)s)",
                                     role=text, roles=", ".join(JOB_ROLES)))
            elif kind == "slug" and not SLUG_RE.match(text):
                items.error(index, _bad_slug(text))
            else:
                result.append(text)
        return tuple(dict.fromkeys(result))


# --------------------------------------------------------------------------- courses


def _load_course(errors: _Errors, folder: Path, slug: str) -> tuple[CourseSpec, _Doc] | None:
    if not SLUG_RE.match(slug):
        errors.add(folder, None, _bad_slug(slug))
    file = folder / "course.yml"
    if not file.is_file():
        errors.add(file, None, _("missing course.yml"))
        return None
    doc = _read_yaml(errors, file, _read_text(errors, file))
    if doc is None:
        return None
    fields = _Fields(errors, doc, doc.data)
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
    media = _load_media(errors, folder / "media")
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
    fields: _Fields


def _quiz_settings(errors: _Errors, doc: _Doc, value: Any) -> dict[str, _QuizEntry]:
    entries: dict[str, _QuizEntry] = {}
    quizzes = _Fields(errors, doc, value, ("quizzes",))
    for slug, body in quizzes.data.items():
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            quizzes.error(slug, _bad_slug(slug))
            continue
        f = _Fields(errors, doc, body, ("quizzes", slug))
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
    errors: _Errors, folder: Path, quizzes: dict[str, _QuizEntry], media: set[str]
) -> tuple[ItemSpec, ...]:
    groups: dict[tuple[int, str, str], dict[str, Path]] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(".") or not _real(errors, entry):
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
            errors.add(entry, None, _bad_slug(match["slug"]))
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


def _split_front_matter(errors: _Errors, file: Path, text: str | None) -> tuple | None:
    """Return a lesson's front matter, its body and the body's first line, or ``None``."""
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        errors.add(file, 1, _("a lesson starts with front matter: a line ---, then title: …, "
                              "then a line ---"))
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    errors.add(file, 1, _("the front matter is not closed by a line ---"))
    return None


def _load_lesson(
    errors: _Errors, number: int, slug: str, files: dict[str, Path], media: set[str]
) -> ItemSpec:
    title: dict[str, str] = {}
    body: dict[str, str] = {}
    minutes: int | None = None
    sources: dict[str, tuple[str, ...]] = {}
    for lang, file in sorted(files.items(), key=lambda pair: pair[0] != "vi"):
        parts = _split_front_matter(errors, file, _read_text(errors, file))
        doc = _read_yaml(errors, file, parts[0], first_line=2) if parts else None
        if doc is None:
            continue
        fields = _Fields(errors, doc, doc.data)
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
        _check_images(errors, file, parts[1], parts[2], media)
        body[lang] = nfc(parts[1]) or ""
        if not body[lang]:
            errors.add(file, parts[2] - 1, _("the lesson has no text after its front matter"))
    return ItemSpec("lesson", number, slug, title, minutes, sources.get("vi", ()), body,
                    path=files["vi"].name, sources_en=sources.get("en", ()))


def _check_images(errors: _Errors, file: Path, body: str, first: int, media: set[str]) -> None:
    """Report images that are missing, remote or without alt text, and unknown media files."""
    fenced = False
    for number, line in enumerate(body.splitlines(), first):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = _CODE_SPAN.sub("", line)
        for match in [*_INLINE_IMAGE.finditer(line), *_REF_IMAGE.finditer(line)]:
            src = match.groupdict().get("src")
            if not match["alt"].strip():
                errors.add(file, number, _("image %(src)s has no alt text", src=src or match[0]))
            if src is not None and is_remote(src):
                errors.add(file, number, _("image %(src)s is on another site: put it in media/",
                                           src=src))
            elif src is not None and not src.startswith(MEDIA_PREFIX):
                errors.add(file, number, _("image %(src)s must be in media/", src=src))
        for name in media_names(line):
            if name not in media:
                errors.add(file, number, _("media/%(name)s: no such file in media/", name=name))


def _load_quiz(
    errors: _Errors, number: int, slug: str, files: dict[str, Path], entry: _QuizEntry | None
) -> ItemSpec:
    from portal.quizzes.gift import parse_gift  # quizzes sits above catalog: import late

    questions: dict[str, tuple[Any, ...]] = {}
    broken = False  # a question with an error is left out: comparing the twins would mislead
    for lang, file in sorted(files.items(), key=lambda pair: pair[0] != "vi"):
        text = _read_text(errors, file)
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


def _compare_twins(errors: _Errors, file: Path, vi: tuple[Any, ...], en: tuple[Any, ...]) -> None:
    """The English twin asks the same questions: same names, order, types and answer keys."""
    for mine, theirs in zip(en, vi, strict=False):
        if (mine.name, mine.type) != (theirs.name, theirs.type):
            errors.add(file, mine.line, _("question %(name)s (%(type)s) does not match the "
                                          "Vietnamese question in the same place, %(vi_name)s "
                                          "(%(vi_type)s)", name=mine.name, type=mine.type,
                                          vi_name=theirs.name, vi_type=theirs.type))
            return
        if _answer_key(mine) != _answer_key(theirs):
            errors.add(file, mine.line, _("question %(name)s: its right answers or weights "
                                          "differ from the Vietnamese question's",
                                          name=mine.name))
    if len(en) != len(vi):
        line = en[len(vi)].line if len(en) > len(vi) else None
        errors.add(file, line, _("the English quiz has %(en)s questions, the Vietnamese one "
                                 "%(vi)s", en=len(en), vi=len(vi)))


def _answer_key(question: Any) -> Any:
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


def _load_media(errors: _Errors, folder: Path) -> tuple[MediaSpec, ...]:
    media = []
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        name = entry.name
        if name.startswith(".") or not _real(errors, entry):
            continue
        if entry.is_dir():
            errors.add(entry, None, _("unexpected folder %(name)s", name=name))
            continue
        size = entry.stat().st_size
        data = entry.read_bytes() if size <= MAX_MEDIA_BYTES else b""
        content_type = sniff_image(data[:16])
        extension = name.rsplit(".", 1)[-1].lower()
        if not _MEDIA_NAME.match(name):
            errors.add(entry, None, _("media file name %(name)s: use letters, digits, dots, "
                                      "hyphens and underscores", name=name))
        elif size > MAX_MEDIA_BYTES:
            errors.add(entry, None, _("%(name)s is %(size)s bytes; the limit is 5 MB",
                                      name=name, size=size))
        elif content_type is None:
            errors.add(entry, None, _("%(name)s is not a PNG, JPEG, GIF or WebP image",
                                      name=name))
        elif _IMAGE_TYPES.get(extension) != content_type:
            kind = content_type.removeprefix("image/").upper()
            errors.add(entry, None, _("%(name)s is a %(kind)s image: give it a matching "
                                      "extension", name=name, kind=kind))
        else:
            digest = hashlib.sha256(data).hexdigest()
            media.append(MediaSpec(name, digest, size, content_type, entry.resolve(), data))
    return tuple(media)


def _check_requires(
    errors: _Errors, courses: list[CourseSpec], docs: dict[str, _Doc], known: set[str]
) -> None:
    """Report required courses that do not exist, and cycles among requirements."""
    graph = {c.slug: c.requires for c in courses}
    for course in courses:
        doc = docs[course.slug]
        raw = doc.data.get("requires") if isinstance(doc.data, dict) else None
        for required in course.requires:  # not empty: raw is a list
            if required not in known:
                line = doc.line("requires", _position(raw, required))
                errors.add(doc.file, line, _("requires unknown course %(slug)s", slug=required))
    reported: set[frozenset[str]] = set()
    for start in sorted(graph):
        cycle = _cycle_from(start, graph)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            doc = docs[start]
            errors.add(doc.file, doc.line("requires"), _("requires forms a cycle: %(cycle)s",
                       cycle=" → ".join([*cycle, start])))


def _position(items: list[Any], text: str) -> int:
    """Return the index in the YAML list *items* of the item read as *text*."""
    return next((i for i, item in enumerate(items) if nfc(str(item)) == text), 0)


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


def _load_programmes(errors: _Errors, file: Path, known: set[str]) -> list[ProgrammeSpec]:
    doc = _read_yaml(errors, file, _read_text(errors, file))
    if doc is None:
        return []
    top = _Fields(errors, doc, doc.data)
    top.check_keys(("programmes",))
    listing = _Fields(errors, doc, top.get("programmes", required=True), ("programmes",))
    programmes = []
    for slug, body in listing.data.items():
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            listing.error(slug, _bad_slug(slug))
            continue
        fields = _Fields(errors, doc, body, ("programmes", slug))
        fields.check_keys(PROGRAMME_KEYS)
        rule = _Fields(errors, doc, fields.get("facility_rule"), (*fields.at, "facility_rule"))
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
    errors: _Errors, doc: _Doc, fields: _Fields, known: set[str]
) -> dict[str, tuple[str, ...]]:
    value = fields.get("courses", required=True)
    roles = _Fields(errors, doc, value, (*fields.at, "courses"))
    courses: dict[str, tuple[str, ...]] = {}
    for role in roles.data:
        if role != "all" and role not in JOB_ROLES:
            roles.error(role, _("unknown job role %(role)s (job roles: %(roles)s)", role=role,
                                roles=", ".join(("all", *JOB_ROLES))))
            continue
        courses[role] = roles.texts(role, kind="slug")
        for slug in courses[role]:
            if slug not in known:
                where = (role, _position(roles.data[role], slug))
                roles.error(where, _("unknown course %(slug)s", slug=slug))
    if value is not None and not any(courses.values()):
        fields.error("courses", _("the programme names no course"))
    return courses
