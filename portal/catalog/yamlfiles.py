"""Read course files as text and YAML, keeping the line of every key, and collect errors.

The loader (:mod:`portal.catalog.loader`) gives the meaning of course.yml, lessons and
programmes.yml; this module does the reading underneath: text that must be UTF-8, YAML that
remembers where each key and list item was written (so an error can name its line), a
lesson's front matter, and typed fields that report a wrong value at its own line. Nothing
here stops at the first problem: every error goes into one :class:`Errors`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from portal.catalog.specs import JOB_ROLES, LANGUAGES, SLUG_RE, LoadError
from portal.text import nfc

__all__ = [
    "Doc",
    "Errors",
    "Fields",
    "bad_slug",
    "is_real",
    "list_index",
    "read_text",
    "read_yaml",
    "split_front_matter",
]


class Errors:
    """Collects errors, naming files relative to the folder given."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[LoadError] = []

    def rel(self, file: Path) -> str:
        """Return *file* as the errors name it: relative to the root, ``/``-separated."""
        try:
            rel = file.relative_to(self.root).as_posix()
        except ValueError:
            rel = file.as_posix()
        return self.root.resolve().name if rel == "." else rel

    def add(self, file: Path, line: int | None, message: str) -> None:
        """Record *message* about *file* at *line* (``None``: the file as a whole)."""
        self.items.append(LoadError(self.rel(file), line, message))


@dataclass
class Doc:
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


def is_real(errors: Errors, path: Path) -> bool:
    """Return whether *path* is no symbolic link (which could publish a file from elsewhere)."""
    if path.is_symlink():
        errors.add(path, None, _("%(name)s is a symbolic link: course files must be real files",
                                 name=path.name))
        return False
    return True


def bad_slug(slug: Any) -> str:
    """Return the message for a slug that is not lowercase letters, digits and hyphens."""
    return _("bad slug %(slug)s: use lowercase letters, digits and hyphens", slug=slug)


def read_text(errors: Errors, file: Path) -> str | None:
    """Return *file*'s text, or ``None`` after reporting the line where it is not UTF-8."""
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.add(file, line, _("the file is not UTF-8 text (byte %(byte)s)", byte=exc.start))
        return None


def read_yaml(errors: Errors, file: Path, text: str | None, first_line: int = 1) -> Doc | None:
    """Parse *text*, which starts at *first_line* of *file*, keeping the line of every key.

    :param text: the YAML, or ``None`` when reading the file already failed
    :param first_line: the file line *text* starts on (2 for front matter after ``---``)
    :return: the document, or ``None`` after reporting invalid YAML at its line
    """
    if text is None:
        return None
    loader = yaml.SafeLoader(text)
    doc = Doc(file, None, {}, first_line)
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
    errors: Errors, doc: Doc, node: yaml.Node | None, at: tuple[Any, ...], seen: set[int]
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


class Fields:
    """Read typed values out of one YAML mapping, reporting each wrong one at its line."""

    def __init__(self, errors: Errors, doc: Doc, data: Any, at: tuple[Any, ...] = ()) -> None:
        self.errors, self.doc, self.at = errors, doc, at
        self.data = data if isinstance(data, dict) else {}
        if data is not None and not isinstance(data, dict):
            self.error(None, _("expected keys and values (a YAML mapping)"))

    def error(self, key: Any, message: str) -> None:
        """Report *message* at *key* (a key, a tuple of keys, or ``None``: this mapping)."""
        keys = (*self.at, *(key if isinstance(key, tuple) else () if key is None else (key,)))
        self.errors.add(self.doc.file, self.doc.line(*keys), message)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        """Report every key of the mapping that is not in *allowed*."""
        for key in self.data:
            if key not in allowed:
                allowed_keys = ", ".join(allowed)
                self.error(key, _("unknown key %(key)s (allowed: %(allowed)s)", key=key,
                                  allowed=allowed_keys))

    def get(self, key: str, required: bool = False) -> Any:
        """Return the raw value of *key*; a missing *required* key is reported."""
        value = self.data.get(key)
        if value is None and required:
            self.error(None, _("missing %(key)s", key=key))
        return value

    def text(self, key: Any, required: bool = False) -> str | None:
        """Return *key* as non-empty NFC text, or ``None``."""
        value = self.get(key, required)
        if value is None:
            return None
        text = nfc(str(value)) if isinstance(value, str | int | float) else None
        if not text or isinstance(value, bool):
            self.error(key, _("%(key)s must be a non-empty text", key=key))
            return None
        return text

    def text_map(self, key: str, required: bool = False) -> dict[str, str]:
        """Return *key* as ``{vi: …, en: …}``; Vietnamese is required when the key is given."""
        value = self.get(key, required)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(key, _("%(key)s must give each language: {vi: …, en: …}", key=key))
            return {}
        texts = Fields(self.errors, self.doc, value, (*self.at, key))
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
        """Return *key* as a whole number from *low* to *high*, else *default*."""
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
        """Return *key* as true or false, else *default*."""
        value = self.get(key)
        if value is not None and not isinstance(value, bool):
            self.error(key, _("%(key)s must be true or false", key=key))
        return value if isinstance(value, bool) else default

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        """Return *key* when it is one of *choices*, else *default*."""
        value = self.get(key)
        if value is not None and value not in choices:
            self.error(key, _("%(key)s must be one of %(choices)s", key=key,
                              choices=", ".join(choices)))
            return default
        return default if value is None else value

    def date(self, key: str) -> datetime.date | None:
        """Return *key* as a date written YYYY-MM-DD, or ``None``."""
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
        items = Fields(self.errors, self.doc, None, (*self.at, key))
        result = []
        for index, item in enumerate(value):
            text = nfc(str(item)) if isinstance(item, str | int | float) else None
            if not text or isinstance(item, bool):
                items.error(index, _("%(key)s must list non-empty texts", key=key))
            elif kind == "role" and text not in JOB_ROLES:
                items.error(index, _("unknown job role %(role)s (job roles: %(roles)s)",
                                     role=text, roles=", ".join(JOB_ROLES)))
            elif kind == "slug" and not SLUG_RE.match(text):
                items.error(index, bad_slug(text))
            else:
                result.append(text)
        return tuple(dict.fromkeys(result))


def split_front_matter(errors: Errors, file: Path, text: str | None) -> tuple | None:
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


def list_index(items: list[Any], text: str) -> int:
    """Return the index in the YAML list *items* of the item read as *text*."""
    return next((i for i, item in enumerate(items) if nfc(str(item)) == text), 0)
