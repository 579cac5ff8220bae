"""Exporting the database back to course files: files → database → files reads back the same.

The round trip runs over the whole real curriculum in courses/ and over the fixtures, through
the services and through ``flask courses export``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.catalog.importer import export_specs, import_specs
from portal.catalog.loader import load_tree
from portal.catalog.writer import write_course, write_programmes
from portal.extensions import db
from tests.conftest import ROOT
from tests.factories import FIXTURE_COURSES, import_courses

COURSES = ROOT / "courses"
HH = "hand-hygiene-records"
WIFI = "clinic-wifi-safety"


def loaded(path: Path):
    result = load_tree(path)
    assert result.errors == [], [str(e) for e in result.errors]
    return result


def export_to(dest: Path, slugs=None) -> None:
    courses, programmes = export_specs(slugs)
    for spec in courses:
        write_course(spec, dest)
    write_programmes(programmes, dest)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def curriculum():
    """The real courses/ folder, read and imported."""
    if not any(COURSES.glob("*/course.yml")):
        pytest.skip("courses/ holds no course yet")
    original = loaded(COURSES)
    import_specs(original)
    db.session.commit()
    return original


# --------------------------------------------------------------------------- the curriculum


def test_export_specs_equal_what_was_imported(curriculum):
    courses, programmes = export_specs()
    assert courses == curriculum.courses  # CourseSpec equality; media compare by hash
    assert programmes == curriculum.programmes


def test_round_trip_of_the_whole_curriculum(curriculum, tmp_path):
    export_to(tmp_path / "out")
    again = loaded(tmp_path / "out")
    assert [c.slug for c in again.courses] == [c.slug for c in curriculum.courses]
    for mine, theirs in zip(again.courses, curriculum.courses, strict=True):
        assert mine == theirs, mine.slug
    assert again.programmes == curriculum.programmes


def test_exported_files_import_as_unchanged(curriculum, tmp_path):
    export_to(tmp_path / "out")
    report = import_specs(loaded(tmp_path / "out"))
    assert report.unchanged == [c.slug for c in curriculum.courses]
    assert not report.changed


def test_export_and_check_commands(curriculum, runner, tmp_path):
    out = tmp_path / "out"
    exported = runner.invoke(args=["courses", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert f"Exported {len(curriculum.courses)} course(s) to {out}." in exported.output
    checked = runner.invoke(args=["courses", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    assert f"OK: {len(curriculum.courses)} course(s)" in checked.output
    again = loaded(out)
    assert again.courses == curriculum.courses and again.programmes == curriculum.programmes


# --------------------------------------------------------------------------- the fixtures


def test_round_trip_of_the_fixtures_keeps_media_bytes(tmp_path):
    original = loaded(FIXTURE_COURSES)
    import_courses()
    export_to(tmp_path / "out")
    again = loaded(tmp_path / "out")
    assert again.courses == original.courses and again.programmes == original.programmes
    name = f"{HH}/media/handwash-chart.png"
    assert (tmp_path / "out" / name).read_bytes() == (FIXTURE_COURSES / name).read_bytes()
    assert sorted(files_of(tmp_path / "out")) == sorted(files_of(FIXTURE_COURSES))


def test_export_writes_the_latest_version(tmp_path):
    tree = Path(shutil.copytree(FIXTURE_COURSES, tmp_path / "courses"))
    import_courses(tree)
    lesson = tree / WIFI / "01-home-router.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("Hãy đổi ng", "Đổi ng"),
                      encoding="utf-8")
    import_courses(tree, draft=True)
    export_to(tmp_path / "out")
    assert loaded(tmp_path / "out").courses == loaded(tree).courses


def test_export_one_course(runner, tmp_path):
    import_courses()
    out = tmp_path / "out"
    result = runner.invoke(args=["courses", "export", str(out), "--course", HH])
    assert result.exit_code == 0, result.output
    assert "Exported 1 course(s)" in result.output
    assert sorted(p.name for p in out.iterdir()) == [HH]  # no programmes.yml either
    assert load_tree(out / HH, known_slugs=[WIFI]).courses == loaded(FIXTURE_COURSES).courses[1:]


def test_export_of_an_unknown_course_fails(runner, tmp_path):
    import_courses()
    out = tmp_path / "out"
    result = runner.invoke(args=["courses", "export", str(out), "--course", HH,
                                 "--course", "unknown"])
    assert result.exit_code == 1
    assert "no such course: unknown" in result.output
    assert not out.exists()  # nothing written
