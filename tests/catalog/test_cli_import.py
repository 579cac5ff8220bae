"""``flask courses import``: what it prints, its exit codes, and that an error writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.catalog.models import Course, CourseVersion, MediaBlob
from portal.certification.models import Programme
from portal.extensions import db
from tests.factories import FIXTURE_COURSES

HH = "hand-hygiene-records"
WIFI = "clinic-wifi-safety"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the fixture courses."""
    return Path(shutil.copytree(FIXTURE_COURSES, tmp_path / "courses"))


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_written() -> bool:
    db.session.rollback()  # whatever the command left uncommitted is not in the database
    return all(count(m) == 0 for m in (Course, CourseVersion, MediaBlob, Programme, AuditEvent))


def run_import(runner, *args):
    return runner.invoke(args=["courses", "import", *map(str, args)])


def test_import_prints_what_it_did(runner, tree):
    result = run_import(runner, tree)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{WIFI}: new",
        f"{HH}: new",
        "Imported 2 course(s): 2 new, 0 with a new version, 0 unchanged; "
        "1 programme(s) changed.",
    ]
    assert result.stderr == ""
    assert count(Course) == 2 and count(Programme) == 1


def test_import_again_reports_unchanged(runner, tree):
    run_import(runner, tree)
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    result = run_import(runner, tree)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{WIFI}: new version",
        f"{HH}: unchanged",
        "Imported 2 course(s): 0 new, 1 with a new version, 1 unchanged; "
        "0 programme(s) changed.",
    ]
    assert count(CourseVersion) == 3


def test_draft_then_publish(runner, tree):
    result = run_import(runner, tree, "--draft")
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Course.status)).all() == ["draft", "draft"]
    result = run_import(runner, tree)
    assert result.exit_code == 0, result.output
    assert f"{WIFI}: published" in result.stdout.splitlines()
    assert db.session.scalars(select(Course.status)).all() == ["published", "published"]
    assert count(CourseVersion) == 2


def test_errors_are_printed_with_file_and_line_and_nothing_is_written(runner, tree):
    edit(tree / HH / "course.yml", "order: 2\n", "order: 2\ncolour: blue\n")
    edit(tree / WIFI / "02-guest-network.md", 'title: "Tách mạng cho khách"\n', "")
    (tree / HH / "media" / "x.png").write_bytes(b"<svg/>")
    result = run_import(runner, tree)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{WIFI}/02-guest-network.md:2: missing title",
        f"{HH}/course.yml:8: unknown key colour (allowed: title, summary, audience, minutes, "
        "order, requires, certificate, reviewed, quizzes)",
        f"{HH}/media/x.png: x.png is not a PNG, JPEG, GIF or WebP image",
        "3 problem(s) found; nothing was imported.",
    ]
    assert nothing_written()


def test_an_error_after_an_earlier_import_changes_nothing(runner, tree):
    assert run_import(runner, tree).exit_code == 0
    edit(tree / WIFI / "01-home-router.md", "Hãy đổi ng", "Hãy đổi ngay, đổi ng")
    edit(tree / "programmes.yml", "staff_share: 80", "staff_share: 180")
    result = run_import(runner, tree)
    assert result.exit_code == 1
    assert "programmes.yml:15: staff_share must be a whole number from 0 to 100" in result.stderr
    db.session.rollback()
    assert count(CourseVersion) == 2
    assert db.session.scalar(select(Programme.staff_share)) == 80


def test_missing_folder(runner, tmp_path):
    result = run_import(runner, tmp_path / "nope")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["nope: no such folder",
                                          "1 problem(s) found; nothing was imported."]
    assert nothing_written()


def test_a_file_is_no_folder(runner, tree):
    result = run_import(runner, tree / "programmes.yml")
    assert result.exit_code == 2  # click refuses it as a usage error
    assert "is a file" in result.stderr
    assert nothing_written()


def test_one_course_folder(runner, tree):
    refused = run_import(runner, tree / HH)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [  # named from the folder given
        f"course.yml:8: requires unknown course {WIFI}",
        "1 problem(s) found; nothing was imported.",
    ]
    assert nothing_written()

    assert run_import(runner, tree / WIFI).exit_code == 0
    result = run_import(runner, tree / HH)  # now that the course it requires is there
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{HH}: new"
    assert count(Programme) == 0
