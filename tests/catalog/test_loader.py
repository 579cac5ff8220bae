"""The course-file loader and writer, on tests/fixtures/courses and on broken copies of it.

Each malformed case copies the fixture tree, breaks one thing and checks the error names the
file, the line and the problem.
"""

from __future__ import annotations

import datetime
import hashlib
import shutil
from pathlib import Path

import pytest

from portal.catalog.loader import load_tree, sniff_image
from portal.catalog.specs import MAX_MEDIA_BYTES, LoadError, QuizSettings
from portal.catalog.writer import write_course, write_programmes

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "courses"
HH = "hand-hygiene-records"
WIFI = "clinic-wifi-safety"
PNG = FIXTURE / HH / "media" / "handwash-chart.png"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the fixture tree."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "courses"))


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_of(path: Path, **kwargs) -> list[tuple[str, int | None, str]]:
    return [(e.path, e.line, e.message) for e in load_tree(path, **kwargs).errors]


def only_error(path: Path, **kwargs) -> tuple[str, int | None, str]:
    errors = errors_of(path, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


# --------------------------------------------------------------------------- the fixture


def test_fixture_tree_loads_without_errors():
    result = load_tree(FIXTURE)
    assert result.errors == []
    assert result.ok
    assert [c.slug for c in result.courses] == [WIFI, HH]  # by order


def test_course_spec_holds_what_course_yml_says():
    course = load_tree(FIXTURE).courses[1]
    assert course.slug == HH
    assert course.title == {"vi": "Hồ sơ vệ sinh tay điện tử",
                            "en": "Electronic hand-hygiene records"}
    assert course.summary["vi"].startswith("Ghi và giám sát tuân thủ vệ sinh tay")
    assert course.audience == ("doctor", "nurse", "midwife")
    assert (course.minutes, course.order, course.certificate) == (45, 2, False)
    assert course.requires == (WIFI,)
    assert course.reviewed == datetime.date(2026, 11, 20)
    assert [(i.kind, i.number, i.slug) for i in course.items] == [
        ("lesson", 1, "why-records"),
        ("lesson", 2, "audit-checklist"),
        ("quiz", 3, "check"),
    ]


def test_lesson_spec_holds_front_matter_and_bodies():
    lesson = load_tree(FIXTURE).courses[1].item("why-records")
    assert lesson.title == {"vi": "Vì sao cần hồ sơ vệ sinh tay điện tử",
                            "en": "Why keep hand-hygiene records electronically"}
    assert lesson.minutes == 8
    assert lesson.sources == ("WHO Guidelines on Hand Hygiene in Health Care (2009)",
                              "https://www.who.int/publications/i/item/9789241597906")
    assert lesson.body["vi"].startswith("## Điều dưỡng và năm thời điểm")
    assert lesson.body["en"].startswith("## Nurses and the five moments")
    assert lesson.path == "01-why-records.md"
    assert lesson.settings is None and lesson.questions == {}


def test_english_title_is_optional_and_minutes_may_be_absent():
    course = load_tree(FIXTURE).courses[0]
    assert course.item("home-router").title["en"] == "The clinic's Wi-Fi router"
    assert course.item("home-router").sources == ("Hướng dẫn của nhà sản xuất bộ phát",)
    assert course.item("guest-network").sources == ()


def test_quiz_spec_holds_settings_title_and_questions():
    courses = load_tree(FIXTURE).courses
    quiz = courses[1].item("check")
    assert quiz.settings == QuizSettings(pass_mark=80, attempts=3, time_limit=15, draw=5,
                                         shuffle=True, feedback="after_submit")
    assert quiz.title == {"vi": "Kiểm tra cuối khóa", "en": "Final check"}
    names = ["five-moments", "record-owner", "alcohol-rub", "audit-fields", "observer",
             "match-terms"]
    assert [q.name for q in quiz.questions["vi"]] == names
    assert [q.name for q in quiz.questions["en"]] == names
    assert [q.type for q in quiz.questions["vi"]] == [
        "numerical", "single_choice", "true_false", "multiple_response", "short_answer",
        "matching",
    ]
    assert [q.type for q in quiz.questions["en"]] == [q.type for q in quiz.questions["vi"]]
    assert quiz.questions["vi"][4].ignore_diacritics is True
    assert quiz.minutes is None and quiz.body == {}
    other = courses[0].item("check")
    assert other.title == {"vi": "Bài kiểm tra", "en": "Quiz"}  # no title in course.yml
    assert other.settings.feedback == "after_pass" and other.settings.shuffle is False


def test_media_spec_is_hashed_and_typed_by_content():
    (media,) = load_tree(FIXTURE).courses[1].media
    assert media.name == "handwash-chart.png"
    assert media.content_type == "image/png"
    assert media.size == PNG.stat().st_size
    assert media.sha256 == hashlib.sha256(PNG.read_bytes()).hexdigest()
    assert media.path == PNG.resolve() and media.path.is_absolute()


def test_programme_spec():
    (programme,) = load_tree(FIXTURE).programmes
    assert programme.slug == "safe-clinic-2026"
    assert programme.title["vi"] == "Phòng khám an toàn số 2026"
    assert programme.validity_months == 36
    assert programme.manager_required is True and programme.staff_share == 80
    assert programme.roles_any == ("it", "administrative")
    assert programme.courses_for("nurse") == (WIFI, HH)
    assert programme.courses_for("it") == (WIFI,)
    assert programme.courses_for(None) == (WIFI,)


def test_text_is_nfc(tree):
    lesson = tree / WIFI / "02-guest-network.md"
    edit(lesson, 'title: "Tách mạng cho khách"', 'title: "Ta\u0301ch ma\u0323ng cho kha\u0301ch"')
    course = load_tree(tree).courses[0]
    assert course.item("guest-network").title["vi"] == "Tách mạng cho khách"


def test_single_course_folder(tree):
    result = load_tree(tree / WIFI)
    assert result.errors == [] and [c.slug for c in result.courses] == [WIFI]
    assert result.programmes == []
    assert load_tree(tree / WIFI).courses == load_tree(tree).courses[:1]


def test_single_course_folder_with_requires_needs_known_slugs(tree):
    assert only_error(tree / HH) == ("course.yml", 8, f"requires unknown course {WIFI}")
    assert errors_of(tree / HH, known_slugs=[WIFI]) == []


def test_load_error_str():
    assert str(LoadError("a/course.yml", 3, "missing title")) == "a/course.yml:3: missing title"
    assert str(LoadError("a/media/x.png", None, "too big")) == "a/media/x.png: too big"


def test_missing_folder(tmp_path):
    assert only_error(tmp_path / "nope")[2] == "no such folder"


# --------------------------------------------------------------------------- YAML and text


def test_invalid_yaml_in_course_yml(tree):
    edit(tree / HH / "course.yml", "order: 2", "order: [2")
    path, line, message = only_error(tree)  # and programmes.yml may still name the course
    assert (path, line) == (f"{HH}/course.yml", 8)
    assert message.startswith("invalid YAML: ")


def test_invalid_yaml_in_front_matter_counts_the_opening_dashes(tree):
    edit(tree / WIFI / "02-guest-network.md", "minutes: 12", "minutes: [12")
    path, line, message = only_error(tree)
    assert (path, line) == (f"{WIFI}/02-guest-network.md", 4)
    assert message == "invalid YAML: expected ',' or ']', but got '<stream end>'"


def test_file_not_utf8(tree):
    lesson = tree / WIFI / "02-guest-network.en.md"
    lesson.write_bytes(lesson.read_bytes().replace(b"Staff", b"Staff \xff"))
    path, line, message = only_error(tree)
    assert (path, line) == (f"{WIFI}/02-guest-network.en.md", 12)
    offset = lesson.read_bytes().index(b"\xff")
    assert message == f"the file is not UTF-8 text (byte {offset})"


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("", [(1, "missing title"), (1, "missing summary")]),
        ("- title\n- summary\n", [(1, "expected keys and values (a YAML mapping)"),
                                   (1, "missing title"), (1, "missing summary")]),
    ],
)
def test_course_yml_that_is_empty_or_not_a_mapping(tree, text, errors):
    (tree / WIFI / "course.yml").write_text(text, encoding="utf-8")
    found = [(line, message) for path, line, message in errors_of(tree)
             if path == f"{WIFI}/course.yml"]
    assert found[: len(errors)] == errors
    # and its quiz, now without settings, is reported too
    assert (f"{WIFI}/03-check.gift", None,
            "quiz check has no settings under quizzes: in course.yml") in errors_of(tree)


def test_duplicate_yaml_key(tree):
    edit(tree / HH / "course.yml", "order: 2\n", "order: 2\norder: 3\n")
    assert only_error(tree) == (f"{HH}/course.yml", 8, "duplicate key order")


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "allowed"),
    [
        (f"{HH}/course.yml", "order: 2\n", "order: 2\ncolour: blue\n", 8,
         "title, summary, audience, minutes, order, requires, certificate, reviewed, quizzes"),
        (f"{HH}/course.yml", "    draw: 5\n", "    draw: 5\n    retries: 2\n", 18,
         "title, pass_mark, attempts, time_limit, draw, shuffle, feedback"),
        (f"{WIFI}/01-home-router.md", "minutes: 10\n", "minutes: 10\nauthor: Lan\n", 4,
         "title, minutes, sources"),
    ],
)
def test_unknown_key(tree, file, old, new, line, allowed):
    edit(tree / file, old, new)
    key = new.strip().splitlines()[-1].split(":")[0].strip()
    assert only_error(tree) == (file, line, f"unknown key {key} (allowed: {allowed})")


# --------------------------------------------------------------------------- titles and slugs


def test_missing_course_title(tree):
    edit(tree / HH / "course.yml", 'title: {vi: "Hồ sơ vệ sinh tay điện tử", '
                                   'en: "Electronic hand-hygiene records"}\n', "")
    assert only_error(tree) == (f"{HH}/course.yml", 1, "missing title")


def test_missing_lesson_title(tree):
    edit(tree / WIFI / "02-guest-network.md", 'title: "Tách mạng cho khách"\n', "")
    assert only_error(tree) == (f"{WIFI}/02-guest-network.md", 2, "missing title")


def test_missing_vietnamese_in_a_language_map(tree):
    edit(tree / HH / "course.yml", '{vi: "Hồ sơ vệ sinh tay điện tử", en:', "{en:")
    assert only_error(tree) == (f"{HH}/course.yml", 1, "title has no Vietnamese text (vi)")


def test_unknown_language(tree):
    edit(tree / WIFI / "course.yml", 'en: "Clinic Wi-Fi safety"}', 'fr: "Wi-Fi"}')
    assert only_error(tree) == (f"{WIFI}/course.yml", 1, "unknown language fr (use vi and en)")


def test_bad_course_folder_slug(tree):
    (tree / WIFI).rename(tree / "Clinic_WiFi")
    errors = errors_of(tree)
    assert ("Clinic_WiFi", None,
            "bad slug Clinic_WiFi: use lowercase letters, digits and hyphens") in errors


@pytest.mark.parametrize("name", ["1-guest.md", "02_guest.md", "02-guest.vi.md", "guest.md",
                                  "02-guest.EN.md", "003-guest.gift"])
def test_file_name_not_matching_the_pattern(tree, name):
    (tree / WIFI / name).write_text("---\ntitle: x\n---\n\nx\n", encoding="utf-8")
    path, line, message = only_error(tree)
    assert (path, line) == (f"{WIFI}/{name}", None)
    assert message in (
        f"file name {name} does not match NN-slug.md, NN-slug.en.md, NN-slug.gift or "
        "NN-slug.en.gift",
        f"bad slug {name[3:].split('.')[0]}: use lowercase letters, digits and hyphens",
    )


def test_bad_slug_in_file_name(tree):
    (tree / WIFI / "02-guest-network.md").rename(tree / WIFI / "02-Guest-Network.md")
    (tree / WIFI / "02-guest-network.en.md").rename(tree / WIFI / "02-Guest-Network.en.md")
    errors = errors_of(tree)
    assert (f"{WIFI}/02-Guest-Network.md", None,
            "bad slug Guest-Network: use lowercase letters, digits and hyphens") in errors


def test_unexpected_file(tree):
    (tree / HH / "notes.txt").write_text("x", encoding="utf-8")
    assert only_error(tree) == (f"{HH}/notes.txt", None, "unexpected file notes.txt")


def test_symbolic_links_are_refused(tree, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Bí mật\n---\n\nmật khẩu\n", encoding="utf-8")
    (tree / WIFI / "04-secret.md").symlink_to(secret)
    (tree / HH / "media" / "link.png").symlink_to(PNG)
    assert errors_of(tree) == [
        (f"{WIFI}/04-secret.md", None,
         "04-secret.md is a symbolic link: course files must be real files"),
        (f"{HH}/media/link.png", None,
         "link.png is a symbolic link: course files must be real files"),
    ]


def test_duplicate_order_number(tree):
    shutil.copy(tree / WIFI / "02-guest-network.md", tree / WIFI / "01-guest-wifi.md")
    assert only_error(tree) == (f"{WIFI}/01-home-router.md", None,
                                "order number 01 is also used by 01-guest-wifi.md")


def test_english_twin_without_original(tree):
    shutil.copy(tree / WIFI / "02-guest-network.en.md", tree / WIFI / "04-extra.en.md")
    assert only_error(tree) == (f"{WIFI}/04-extra.en.md", None,
                                "English version with no Vietnamese original 04-extra.md")


def test_english_lesson_may_not_contradict_the_vietnamese_minutes(tree):
    edit(tree / HH / "01-why-records.en.md", "minutes: 8", "minutes: 9")
    assert only_error(tree) == (f"{HH}/01-why-records.en.md", 3,
                                "minutes differs from the Vietnamese lesson (8)")


def test_english_lesson_words_its_sources_itself(tree):
    edit(tree / HH / "01-why-records.en.md", "minutes: 8\n",
         'minutes: 8\nsources: ["WHO hand hygiene guidelines (2009)"]\n')
    lesson = load_tree(tree).courses[1].item("why-records")
    assert lesson.sources_en == ("WHO hand hygiene guidelines (2009)",)
    assert lesson.sources_for("en") == ("WHO hand hygiene guidelines (2009)",)
    assert lesson.sources_for("vi") == lesson.sources
    assert lesson.sources[0] == "WHO Guidelines on Hand Hygiene in Health Care (2009)"


def test_empty_lesson(tree):
    (tree / WIFI / "02-guest-network.en.md").write_text("---\ntitle: Guests\n---\n\n",
                                                        encoding="utf-8")
    assert only_error(tree) == (f"{WIFI}/02-guest-network.en.md", 3,
                                "the lesson has no text after its front matter")


def test_lesson_without_front_matter(tree):
    (tree / WIFI / "02-guest-network.en.md").write_text("# Guests\n", encoding="utf-8")
    assert only_error(tree) == (
        f"{WIFI}/02-guest-network.en.md", 1,
        "a lesson starts with front matter: a line ---, then title: …, then a line ---",
    )


# --------------------------------------------------------------------------- quizzes settings


def test_quiz_file_without_settings(tree):
    edit(tree / WIFI / "course.yml", "quizzes:\n  check:\n", "quizzes:\n  final:\n")
    assert set(errors_of(tree)) == {
        (f"{WIFI}/03-check.gift", None, "quiz check has no settings under quizzes: in course.yml"),
        (f"{WIFI}/course.yml", 12, "settings for quiz final, but there is no NN-final.gift file"),
    }


def test_empty_quiz_settings_take_the_defaults(tree):
    edit(tree / WIFI / "course.yml", "  check:\n    pass_mark: 70\n    attempts: 0\n"
         "    time_limit: 0\n    draw: 0\n    shuffle: false\n    feedback: after_pass\n",
         "  check: {}\n")
    result = load_tree(tree)
    assert result.errors == []
    assert result.courses[0].item("check").settings == QuizSettings()
    assert QuizSettings() == QuizSettings(pass_mark=80, attempts=0, time_limit=0, draw=0,
                                          shuffle=True, feedback="after_submit")


def test_settings_for_a_quiz_with_no_file(tree):
    (tree / WIFI / "03-check.gift").unlink()
    (tree / WIFI / "03-check.en.gift").unlink()
    assert only_error(tree) == (f"{WIFI}/course.yml", 12,
                                "settings for quiz check, but there is no NN-check.gift file")


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("pass_mark: 80", "pass_mark: 101", 14, "pass_mark must be a whole number from 0 to 100"),
        ("pass_mark: 80", "pass_mark: eighty", 14,
         "pass_mark must be a whole number from 0 to 100"),
        ("attempts: 3", "attempts: -1", 15, "attempts must be a whole number of at least 0"),
        ("time_limit: 15", "time_limit: -5", 16,
         "time_limit must be a whole number of at least 0"),
        ("draw: 5", "draw: -1", 17, "draw must be a whole number of at least 0"),
        ("draw: 5", "draw: 7", 17, "draw is 7 but the quiz has only 6 questions"),
        ("shuffle: true", "shuffle: sometimes", 18, "shuffle must be true or false"),
        ("feedback: after_submit", "feedback: always", 19,
         "feedback must be one of after_submit, after_pass, never"),
        ("minutes: 45", "minutes: 0", 6, "minutes must be a whole number of at least 1"),
        ("minutes: 45", "minutes: 4.5", 6, "minutes must be a whole number of at least 1"),
        ("order: 2", "order: true", 7, "order must be a whole number of at least 0"),
        ("certificate: false", "certificate: no thanks", 9, "certificate must be true or false"),
        ("reviewed: 2026-11-20", "reviewed: soon", 10,
         "reviewed must be a date written YYYY-MM-DD"),
        ("audience: [doctor, nurse, midwife]", "audience: [doctor, surgeon]", 5,
         "unknown job role surgeon (job roles: doctor, nurse, midwife, pharmacist, technician, "
         "administrative, it)"),
        ("audience: [doctor, nurse, midwife]", "audience: doctor", 5, "audience must be a list"),
        ("requires: [clinic-wifi-safety]", "requires: [Clinic WiFi]", 8,
         "bad slug Clinic WiFi: use lowercase letters, digits and hyphens"),
    ],
)
def test_bad_values(tree, old, new, line, message):
    edit(tree / HH / "course.yml", old, new)
    assert only_error(tree) == (f"{HH}/course.yml", line, message)


def test_bad_value_in_a_lesson(tree):
    edit(tree / WIFI / "01-home-router.md", "minutes: 10", "minutes: -3")
    assert only_error(tree) == (f"{WIFI}/01-home-router.md", 3,
                                "minutes must be a whole number of at least 1")


def test_bad_value_in_a_yaml_list_names_the_item_line(tree):
    edit(tree / HH / "course.yml", "audience: [doctor, nurse, midwife]",
         "audience:\n  - doctor\n  - surgeon")
    assert only_error(tree)[:2] == (f"{HH}/course.yml", 7)


# --------------------------------------------------------------------------- requires


def test_requires_unknown_course(tree):
    edit(tree / HH / "course.yml", "requires: [clinic-wifi-safety]",
         "requires: [clinic-wifi-safety, data-standards]")
    assert only_error(tree) == (f"{HH}/course.yml", 8, "requires unknown course data-standards")
    assert errors_of(tree, known_slugs={"data-standards"}) == []


def test_requires_cycle(tree):
    edit(tree / WIFI / "course.yml", "requires: []", f"requires: [{HH}]")
    assert only_error(tree) == (
        f"{WIFI}/course.yml", 8, f"requires forms a cycle: {WIFI} → {HH} → {WIFI}",
    )


def test_requires_itself(tree):
    edit(tree / WIFI / "course.yml", "requires: []", f"requires: [{WIFI}]")
    assert only_error(tree) == (f"{WIFI}/course.yml", 8,
                                f"requires forms a cycle: {WIFI} → {WIFI}")


# --------------------------------------------------------------------------- images and media


def test_image_missing_from_media(tree):
    (tree / HH / "media" / "handwash-chart.png").rename(tree / HH / "media" / "chart.png")
    assert errors_of(tree) == [
        (f"{HH}/01-why-records.md", 13, "media/handwash-chart.png: no such file in media/"),
        (f"{HH}/01-why-records.en.md", 10, "media/handwash-chart.png: no such file in media/"),
    ]


def test_image_without_alt_text(tree):
    edit(tree / HH / "01-why-records.md", "![Biểu đồ tỷ lệ tuân thủ vệ sinh tay theo tuần]", "![]")
    assert only_error(tree) == (f"{HH}/01-why-records.md", 13,
                                "image media/handwash-chart.png has no alt text")


def test_image_from_another_site(tree):
    edit(tree / HH / "02-audit-checklist.md", "3. Người quan sát",
         "3. Người quan sát ![Mẫu phiếu](https://example.org/form.png)")
    assert only_error(tree) == (
        f"{HH}/02-audit-checklist.md", 10,
        "image https://example.org/form.png is on another site: put it in media/",
    )


def test_links_to_media_on_other_sites_are_not_media_files(tree):
    edit(tree / HH / "02-audit-checklist.md", "3. Người quan sát",
         "3. Người quan sát ([WHO](https://www.who.int/media/news/x.html))")
    assert errors_of(tree) == []


def test_images_in_code_are_not_images(tree):
    edit(tree / HH / "02-audit-checklist.md", "3. Người quan sát",
         "3. Người quan sát `![](media/none.png)`\n\n```\n![](https://x.org/a.png)\n```")
    assert errors_of(tree) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "logo.png is not a PNG, JPEG, GIF or WebP image"),
        ("page.jpg", b"<!doctype html><script>alert(1)</script>",
         "page.jpg is not a PNG, JPEG, GIF or WebP image"),
        ("run.gif", b"#!/bin/sh\nrm -rf /\n", "run.gif is not a PNG, JPEG, GIF or WebP image"),
        ("chart.svg", b"<svg/>", "chart.svg is not a PNG, JPEG, GIF or WebP image"),
        ("chart.jpg", PNG.read_bytes(), "chart.jpg is a PNG image: give it a matching "
                                        "extension"),
        ("Sơ đồ.png", PNG.read_bytes(), "media file name Sơ đồ.png: use letters, digits, dots, "
                                        "hyphens and underscores"),
    ],
)
def test_unsafe_media(tree, name, content, message):
    (tree / HH / "media" / name).write_bytes(content)
    assert only_error(tree) == (f"{HH}/media/{name}", None, message)


def test_media_over_5_mb(tree):
    with (tree / HH / "media" / "big.png").open("wb") as handle:
        handle.write(PNG.read_bytes())
        handle.truncate(MAX_MEDIA_BYTES + 1)
    assert only_error(tree) == (f"{HH}/media/big.png", None,
                                f"big.png is {MAX_MEDIA_BYTES + 1} bytes; the limit is 5 MB")


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF\0", "image/jpeg"),
        (b"GIF89a\x01\0\x01\0", "image/gif"),
        (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
        (b"<svg", None),
        (b"", None),
    ],
)
def test_sniff_image(head, content_type):
    assert sniff_image(head) == content_type


# --------------------------------------------------------------------------- GIFT


def test_gift_syntax_error_names_file_and_line(tree):
    edit(tree / WIFI / "03-check.gift", "{TRUE}", "{~%abc%x =y}")
    path, line, message = only_error(tree)  # and no twin mismatch for the question left out
    assert (path, line) == (f"{WIFI}/03-check.gift", 10)
    assert "%abc%" in message and message.endswith("(column 71)")


def test_unclosed_gift_answer_list_is_reported(tree):
    edit(tree / WIFI / "03-check.gift", "{TRUE}", "{TRUE")
    errors = errors_of(tree)
    assert errors and {path for path, _line, _message in errors} == {f"{WIFI}/03-check.gift"}
    assert all(line is not None and line >= 10 for _path, line, _message in errors)


def test_question_without_a_name(tree):
    edit(tree / WIFI / "03-check.gift", "::rotate-guest::", "")
    edit(tree / WIFI / "03-check.en.gift", "::rotate-guest::", "")
    errors = errors_of(tree)
    assert (f"{WIFI}/03-check.gift", 12, "the question has no ::name::") in errors
    assert (f"{WIFI}/03-check.en.gift", 12, "the question has no ::name::") in errors


def test_duplicate_question_name(tree):
    edit(tree / WIFI / "03-check.gift", "::rotate-guest::", "::guest-network::")
    errors = errors_of(tree)
    assert (f"{WIFI}/03-check.gift", 12,
            "question name guest-network is also used on line 10") in errors


def test_english_twin_with_another_name(tree):
    edit(tree / WIFI / "03-check.en.gift", "::guest-network::", "::guest-wifi::")
    assert only_error(tree) == (
        f"{WIFI}/03-check.en.gift", 10,
        "question guest-wifi (true_false) does not match the Vietnamese question in the same "
        "place, guest-network (true_false)",
    )


def test_english_twin_with_another_type(tree):
    edit(tree / WIFI / "03-check.en.gift", "kept apart from workstations.{TRUE}",
         "kept apart from workstations.{=yes ~no}")
    assert only_error(tree) == (
        f"{WIFI}/03-check.en.gift", 10,
        "question guest-network (single_choice) does not match the Vietnamese question in the "
        "same place, guest-network (true_false)",
    )


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("workstations.{TRUE}", "workstations.{FALSE}", 10),
        ("change?{#1:0}", "change?{#3:0}", 12),
        ("=Change it when you install the router#Right.\n~Keep it",
         "~Change it when you install the router#Right.\n=Keep it", 4),
    ],
)
def test_english_twin_with_another_answer_key(tree, old, new, line):
    edit(tree / WIFI / "03-check.en.gift", old, new)
    path, found, message = only_error(tree)
    assert (path, found) == (f"{WIFI}/03-check.en.gift", line)
    assert message.endswith("its right answers or weights differ from the Vietnamese question's")


def test_english_twin_in_another_order(tree):
    text = (tree / WIFI / "03-check.en.gift").read_text(encoding="utf-8")
    head, first, second, third = text.split("\n\n")
    (tree / WIFI / "03-check.en.gift").write_text("\n\n".join([head, second, first, third]),
                                                  encoding="utf-8")
    path, line, message = only_error(tree)
    assert (path, line) == (f"{WIFI}/03-check.en.gift", 4)
    assert message.startswith("question guest-network (true_false) does not match")


def test_english_twin_with_fewer_questions(tree):
    edit(tree / WIFI / "03-check.en.gift",
         "\n::rotate-guest::After how many months should the guest password change?{#1:0}\n", "")
    assert only_error(tree) == (f"{WIFI}/03-check.en.gift", None,
                                "the English quiz has 2 questions, the Vietnamese one 3")


# --------------------------------------------------------------------------- programmes.yml


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("    validity_months: 36", "    validity_months: 36\n    price: 0", 9,
         "unknown key price (allowed: title, summary, validity_months, courses, facility_rule)"),
        ("      staff_share: 80", "      staff_share: 80\n      quorum: 3", 16,
         "unknown key quorum (allowed: manager_required, staff_share, roles_any)"),
        ("      nurse: [", "      surgeon: [", 11,
         "unknown job role surgeon (job roles: all, doctor, nurse, midwife, pharmacist, "
         "technician, administrative, it)"),
        ("      doctor: [hand-hygiene-records]", "      doctor: [hand-hygiene-records, ehr]",
         12, "unknown course ehr"),
        ("staff_share: 80", "staff_share: 150", 15,
         "staff_share must be a whole number from 0 to 100"),
        ("validity_months: 36", "validity_months: 0", 8,
         "validity_months must be a whole number from 1 to 120"),
        ("manager_required: true", "manager_required: maybe", 14,
         "manager_required must be true or false"),
        ("roles_any: [it, administrative]", "roles_any: [it, janitor]", 16,
         "unknown job role janitor (job roles: doctor, nurse, midwife, pharmacist, technician, "
         "administrative, it)"),
        ("  safe-clinic-2026:", "  Safe Clinic:", 3,
         "bad slug Safe Clinic: use lowercase letters, digits and hyphens"),
    ],
)
def test_bad_programmes(tree, old, new, line, message):
    edit(tree / "programmes.yml", old, new)
    assert only_error(tree) == ("programmes.yml", line, message)


def test_programme_without_courses(tree):
    edit(tree / "programmes.yml",
         "      all: [clinic-wifi-safety]\n      nurse: [hand-hygiene-records]\n"
         "      doctor: [hand-hygiene-records]\n", "      all: []\n")
    assert only_error(tree) == ("programmes.yml", 9, "the programme names no course")


def test_programme_without_title(tree):
    edit(tree / "programmes.yml",
         '    title: {vi: "Phòng khám an toàn số 2026", en: "Digitally safe clinic 2026"}\n', "")
    assert only_error(tree) == ("programmes.yml", 3, "missing title")


# --------------------------------------------------------------------------- all at once


def test_every_error_is_reported_at_once(tree):
    edit(tree / HH / "course.yml", "pass_mark: 80", "pass_mark: 180")
    edit(tree / HH / "course.yml", "order: 2\n", "order: 2\ncolour: blue\n")
    edit(tree / WIFI / "02-guest-network.md", 'title: "Tách mạng cho khách"\n', "")
    (tree / HH / "media" / "x.png").write_bytes(b"<svg/>")
    edit(tree / "programmes.yml", "staff_share: 80", "staff_share: 180")
    shutil.copy(tree / WIFI / "02-guest-network.en.md", tree / WIFI / "04-extra.en.md")
    errors = errors_of(tree)
    assert {(path, line) for path, line, _message in errors} == {
        (f"{HH}/course.yml", 15),
        (f"{HH}/course.yml", 8),
        (f"{WIFI}/02-guest-network.md", 2),
        (f"{HH}/media/x.png", None),
        ("programmes.yml", 15),
        (f"{WIFI}/04-extra.en.md", None),
    }
    assert len(errors) == 6


def test_one_of_each_listed_case_is_reported_together(tree):
    """Every malformed case the course-files issue lists, in one tree: all come out at once."""
    edit(tree / HH / "course.yml", "order: 2\n", "order: 2\ncolour: blue\n")  # unknown key
    edit(tree / WIFI / "01-home-router.md", 'title: "Bộ phát Wi-Fi của phòng khám"\n', "")
    shutil.copy(tree / WIFI / "01-home-router.en.md", tree / WIFI / "04-Extra_Lesson.md")
    shutil.copy(tree / HH / "02-audit-checklist.md", tree / HH / "02-another.md")
    edit(tree / HH / "course.yml", "requires: [clinic-wifi-safety]",
         "requires: [clinic-wifi-safety, data-standards]")
    edit(tree / WIFI / "course.yml", "requires: []", f"requires: [{HH}]")  # a cycle
    edit(tree / HH / "01-why-records.en.md", "(media/handwash-chart.png)", "(media/chart.png)")
    (tree / HH / "media" / "x.png").write_bytes(b"<svg/>")
    with (tree / HH / "media" / "big.png").open("wb") as handle:
        handle.write(PNG.read_bytes())
        handle.truncate(MAX_MEDIA_BYTES + 1)
    edit(tree / WIFI / "02-guest-network.md", "minutes: 12", "minutes: [12")
    not_utf8 = tree / WIFI / "02-guest-network.en.md"
    not_utf8.write_bytes(not_utf8.read_bytes().replace(b"Staff", b"Staff \xff"))
    offset = not_utf8.read_bytes().index(b"\xff")

    assert sorted(errors_of(tree), key=str) == sorted([
        (f"{HH}/course.yml", 8, "unknown key colour (allowed: title, summary, audience, "
                                "minutes, order, requires, certificate, reviewed, quizzes)"),
        (f"{WIFI}/01-home-router.md", 2, "missing title"),
        (f"{WIFI}/04-Extra_Lesson.md", None,
         "bad slug Extra_Lesson: use lowercase letters, digits and hyphens"),
        (f"{HH}/02-audit-checklist.md", None, "order number 02 is also used by 02-another.md"),
        (f"{HH}/course.yml", 9, "requires unknown course data-standards"),
        (f"{WIFI}/course.yml", 8, f"requires forms a cycle: {WIFI} → {HH} → {WIFI}"),
        (f"{HH}/01-why-records.en.md", 10, "media/chart.png: no such file in media/"),
        (f"{HH}/media/x.png", None, "x.png is not a PNG, JPEG, GIF or WebP image"),
        (f"{HH}/media/big.png", None, f"big.png is {MAX_MEDIA_BYTES + 1} bytes; the limit is "
                                      "5 MB"),
        (f"{WIFI}/02-guest-network.md", 4,
         "invalid YAML: expected ',' or ']', but got '<stream end>'"),
        (f"{WIFI}/02-guest-network.en.md", 12, f"the file is not UTF-8 text (byte {offset})"),
    ], key=str)


# --------------------------------------------------------------------------- round trip


def round_trip(source: Path, dest: Path) -> None:
    first = load_tree(source)
    assert first.errors == [], [str(e) for e in first.errors]
    for course in first.courses:
        write_course(course, dest)
    write_programmes(first.programmes, dest)
    second = load_tree(dest)
    assert second.errors == [], [str(e) for e in second.errors]
    assert second.courses == first.courses
    assert second.programmes == first.programmes


def test_round_trip_of_the_fixture(tmp_path):
    round_trip(FIXTURE, tmp_path / "out")
    course_yml = (tmp_path / "out" / HH / "course.yml").read_text(encoding="utf-8")
    keys = [line.split(":")[0] for line in course_yml.splitlines() if not line.startswith(" ")]
    assert keys == ["title", "summary", "audience", "minutes", "order", "requires",
                    "certificate", "reviewed", "quizzes"]
    assert "Hồ sơ vệ sinh tay điện tử" in course_yml  # not \u escapes
    assert (tmp_path / "out" / HH / "media" / "handwash-chart.png").read_bytes() == PNG.read_bytes()


def test_writing_over_an_old_export_removes_what_is_gone(tree, tmp_path):
    out = tmp_path / "out"
    round_trip(tree, out)
    (tree / WIFI / "02-guest-network.md").unlink()
    (tree / WIFI / "02-guest-network.en.md").unlink()
    round_trip(tree, out)
    assert not (out / WIFI / "02-guest-network.md").exists()


def test_round_trip_of_the_real_courses(tmp_path):
    courses = ROOT / "courses"
    if not courses.is_dir() or not any(courses.glob("*/course.yml")):
        pytest.skip("courses/ holds no course yet")
    round_trip(courses, tmp_path / "out")
