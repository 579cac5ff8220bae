"""Write course specs back out as course files (``flask courses export``).

What is written here reads back through :func:`portal.catalog.loader.load_tree` to equal
specs: course.yml with its keys in the documented order, lessons with front matter, quizzes
in GIFT, media copied byte for byte.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from portal.catalog.specs import QUIZ_DEFAULT_TITLE, CourseSpec, ItemSpec, ProgrammeSpec

__all__ = ["write_course", "write_programmes"]

#: Files a course folder holds that the writer owns (and removes when no spec has them).
_OWNED = re.compile(r"^[0-9]{2}-[^.]+(\.en)?\.(md|gift)$")


def write_course(spec: CourseSpec, dest: str | Path) -> Path:
    """Write *spec* as the course folder ``dest/<slug>/``.

    Lesson and quiz files, and media, that are in the folder but not in *spec* are removed,
    so the folder reads back as *spec*; other files are left alone.

    :param spec: the course, as :func:`~portal.catalog.loader.load_tree` returns it
    :param dest: the ``courses/`` folder to write into (created if missing)
    :return: the course folder
    :raises OSError: when a file cannot be written or a media file cannot be read
    """
    folder = Path(dest) / spec.slug
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "course.yml", _dump(_course_data(spec)))
    written = {"course.yml"}
    for item in spec.items:
        for name, text in _item_files(item):
            _write(folder / name, text)
            written.add(name)
    for path in folder.iterdir():
        if path.is_file() and _OWNED.match(path.name) and path.name not in written:
            path.unlink()
    _write_media(spec, folder / "media")
    return folder


def write_programmes(programmes: Iterable[ProgrammeSpec], dest: str | Path) -> Path | None:
    """Write *programmes* as ``dest/programmes.yml``.

    :param programmes: the programmes, as :func:`~portal.catalog.loader.load_tree` returns them
    :param dest: the ``courses/`` folder (created if missing)
    :return: the file written, or ``None`` when there are no programmes (an old
        programmes.yml is then removed)
    :raises OSError: when the file cannot be written
    """
    file = Path(dest) / "programmes.yml"
    data = {p.slug: _programme_data(p) for p in programmes}
    if not data:
        file.unlink(missing_ok=True)
        return None
    file.parent.mkdir(parents=True, exist_ok=True)
    _write(file, _dump({"programmes": data}))
    return file


def _course_data(spec: CourseSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": dict(spec.title),
        "summary": dict(spec.summary),
        "audience": list(spec.audience),
    }
    if spec.minutes:  # 0: not given; the loader adds up the lessons again
        data["minutes"] = spec.minutes
    data.update(order=spec.order, requires=list(spec.requires), certificate=spec.certificate)
    if spec.reviewed is not None:
        data["reviewed"] = spec.reviewed
    quizzes = {item.slug: _quiz_data(item) for item in spec.items if item.is_quiz}
    if quizzes:
        data["quizzes"] = quizzes
    return data


def _quiz_data(item: ItemSpec) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if item.title != QUIZ_DEFAULT_TITLE:
        data["title"] = dict(item.title)
    if item.settings is not None:
        s = item.settings
        data.update(pass_mark=s.pass_mark, attempts=s.attempts, time_limit=s.time_limit,
                    draw=s.draw, shuffle=s.shuffle, feedback=s.feedback)
    return data


def _item_files(item: ItemSpec) -> list[tuple[str, str]]:
    """Return (file name, text) for each language of a lesson or quiz."""
    stem = f"{item.number:02d}-{item.slug}"
    files = []
    if item.is_quiz:
        from portal.quizzes.gift import write_gift  # quizzes sits above catalog: import late

        for lang, questions in item.questions.items():
            suffix = ".en.gift" if lang == "en" else ".gift"
            files.append((stem + suffix, write_gift(list(questions))))
        return files
    for lang, body in item.body.items():
        front: dict[str, Any] = {}
        if lang in item.title:
            front["title"] = item.title[lang]
        if lang == "vi" and item.minutes is not None:
            front["minutes"] = item.minutes
        if sources := (item.sources if lang == "vi" else item.sources_en):
            front["sources"] = list(sources)
        suffix = ".en.md" if lang == "en" else ".md"
        files.append((stem + suffix, f"---\n{_dump(front) if front else ''}---\n\n{body}\n"))
    return files


def _programme_data(programme: ProgrammeSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"title": dict(programme.title)}
    if programme.summary:
        data["summary"] = dict(programme.summary)
    rule: dict[str, Any] = {
        "manager_required": programme.manager_required,
        "staff_share": programme.staff_share,
    }
    if programme.roles_any:
        rule["roles_any"] = list(programme.roles_any)
    data.update(
        validity_months=programme.validity_months,
        courses={role: list(slugs) for role, slugs in programme.courses.items()},
        facility_rule=rule,
    )
    return data


def _write_media(spec: CourseSpec, folder: Path) -> None:
    names = {m.name for m in spec.media}
    if spec.media:
        folder.mkdir(exist_ok=True)
    for media in spec.media:
        target = folder / media.name
        if media.data is not None:
            target.write_bytes(media.data)
        elif target.resolve() != Path(media.path).resolve():
            shutil.copyfile(media.path, target)
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.name not in names and not path.name.startswith("."):
                path.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing short lists and maps on one line as the docs show them."""

    def represent_list(self, data: list) -> yaml.Node:
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_short(data))

    def represent_dict(self, data: dict) -> yaml.Node:
        return self.represent_mapping("tag:yaml.org,2002:map", data, flow_style=_short(data))


_Dumper.add_representer(list, _Dumper.represent_list)
_Dumper.add_representer(dict, _Dumper.represent_dict)


def _short(data: list | dict) -> bool:
    """Return whether *data* holds only scalars and fits on a line (``[a, b]``, ``{vi: …}``)."""
    values = list(data.values()) if isinstance(data, dict) else data
    if any(isinstance(value, list | dict) for value in values):
        return False
    return len(yaml.safe_dump(data, allow_unicode=True, default_flow_style=True, width=1000)) < 72


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _write(path: Path, text: str) -> None:
    """Write *text* to *path* whole or not at all (a crash leaves the old file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; course files are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
