"""Export a course as a .zip of course files and import one: what the studio writes,
``flask courses check`` accepts, and what the course files say, the studio imports."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.catalog.importer import export_specs
from portal.catalog.loader import load_tree
from portal.catalog.writer import write_course
from portal.extensions import db
from tests.authoring.helpers import SLUG, add_item, course_row, create_course, item, save_lesson
from tests.authoring.helpers import text as page_text
from tests.factories import FIXTURE_COURSES, import_courses

HH = "hand-hygiene-records"
WIFI = "clinic-wifi-safety"


def zip_folder(folder: Path, *, prefix: str = "", skip=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name not in skip:
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def unzip(data: bytes, dest: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(dest)
    return dest


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def upload(client, data: bytes, name: str = "courses.zip"):
    return client.post("/studio/import", data={"archive": (io.BytesIO(data), name)})


def test_export_is_the_courses_folder_format_and_passes_the_check(studio, runner, tmp_path):
    import_courses()
    response = studio.get(f"/studio/courses/{HH}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f'filename="{HH}-v1.zip"' in response.headers["Content-Disposition"]
    root = unzip(response.data, tmp_path / "zip")
    assert sorted(p.name for p in root.iterdir()) == [HH]
    # It sits in courses/ beside the course it requires, and the check accepts the whole.
    shutil.copytree(FIXTURE_COURSES, tmp_path / "courses")
    shutil.rmtree(tmp_path / "courses" / HH)
    shutil.copytree(root / HH, tmp_path / "courses" / HH)
    result = runner.invoke(args=["courses", "check", str(tmp_path / "courses")])
    assert result.exit_code == 0, result.output
    # Byte for byte what `flask courses export` writes, and the same course as the fixture.
    courses, _programmes = export_specs([HH])
    write_course(courses[0], tmp_path / "cli")
    assert files_of(root / HH) == files_of(tmp_path / "cli" / HH)
    assert load_tree(root / HH).courses == load_tree(FIXTURE_COURSES / HH).courses


def test_a_zip_of_course_folders_imports_as_drafts(studio):
    response = upload(studio, zip_folder(FIXTURE_COURSES))
    assert response.status_code == 302, page_text(response)
    for slug in (HH, WIFI):
        course = course_row(slug)
        assert course.status == "draft" and course.versions[-1].status == "draft"
    page = page_text(studio.get(response.headers["Location"]))
    assert "Imported as drafts" in page and "programmes.yml" in page
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "courses.imported")) is not None


def test_a_single_course_zip_is_named_after_its_file(studio):
    data = zip_folder(FIXTURE_COURSES / WIFI)
    response = upload(studio, data, f"{WIFI}.zip")
    assert response.status_code == 302, page_text(response)
    assert response.headers["Location"].endswith(f"/studio/courses/{WIFI}")


def test_import_of_an_existing_course_adds_a_draft_version(studio):
    import_courses()
    folder = FIXTURE_COURSES / WIFI
    assert upload(studio, zip_folder(folder, prefix=f"{WIFI}/")).status_code == 302
    assert [v.number for v in course_row(WIFI).versions] == [1]  # unchanged: nothing new
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                if path.name == "01-home-router.md":
                    data += "\nMột dòng mới.\n".encode()
                archive.writestr(f"{WIFI}/{path.relative_to(folder).as_posix()}", data)
    assert upload(studio, changed.getvalue()).status_code == 302
    course = course_row(WIFI)
    assert [(v.number, v.status) for v in course.versions] == [(1, "published"), (2, "draft")]
    assert course.live_version.number == 1


def test_studio_course_round_trips_through_its_zip(studio, runner, tmp_path):
    create_course(studio)
    add_item(studio, "lesson", "why", "Vì sao")
    save_lesson(studio, item("why"), body_en="In English.")
    assert studio.post(f"/studio/courses/{SLUG}/publish", data={"note": "v1"}).status_code == 302
    data = studio.get(f"/studio/courses/{SLUG}/export.zip").data
    root = unzip(data, tmp_path)
    assert runner.invoke(args=["courses", "check", str(root)]).exit_code == 0
    assert sorted(files_of(root)) == [f"{SLUG}/01-why.en.md", f"{SLUG}/01-why.md",
                                      f"{SLUG}/course.yml"]
    # Importing what was exported changes nothing: the files say what the version says.
    response = upload(studio, data)
    assert response.status_code == 302
    assert "Nothing to import" in page_text(studio.get(response.headers["Location"]))
    assert [v.number for v in course_row().versions] == [1]


@pytest.mark.parametrize(("entries", "message"), [
    ({"../evil/course.yml": b"title: x"}, "unsafe path"),
    ({"/etc/course.yml": b"title: x"}, "unsafe path"),
    ({"bad/course.yml": b"title: {vi: x}\nsummary: {vi: y}\nsurprise: 1\n"},
     "bad/course.yml:3"),
    ({"readme.txt": b"hello"}, "unexpected file"),
    ({}, "no course folder"),
])
def test_a_bad_zip_is_refused_with_every_error_and_imports_nothing(studio, entries, message):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    response = upload(studio, buffer.getvalue())
    assert response.status_code == 422
    assert message in page_text(response) and "Nothing was imported" in page_text(response)
    assert course_row("bad") is None


def test_something_that_is_not_a_zip_is_refused(studio):
    response = upload(studio, b"<script>alert(1)</script>", "courses.zip")
    assert response.status_code == 422 and "This is not a .zip file" in page_text(response)
    response = studio.post("/studio/import", data={})
    assert response.status_code == 422 and 'id="archive-error"' in page_text(response)
