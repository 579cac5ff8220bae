"""The trainer's journey in a real browser, in Vietnamese: a new course in the studio with a
lesson, an image and a quiz; previewed, published, and seen by a learner. Every page is
checked by :mod:`tests.e2e.journeys`."""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.e2e.journeys import journey, sign_in
from tests.factories import PASSWORD, create_user, import_courses

pytestmark = pytest.mark.e2e

SLUG = "bao-mat-ho-so"
TITLE = "Bảo mật hồ sơ người bệnh"


def small_png(width: int = 48, height: int = 32) -> bytes:
    """A real PNG: a teal panel with a white bar (RGB, 8 bits), made from nothing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b""
    for y in range(height):
        white = height // 3 <= y < 2 * height // 3
        rows += b"\x00" + (b"\xff\xff\xff" if white else b"\x0b\x5d\x73") * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def add_item(me, kind: str, slug: str, title: str) -> None:
    """Add a lesson or quiz from the studio's course page and open it."""
    page = me.page
    page.locator(f"input[name=kind][value={kind}]").check()
    page.locator("#slug").fill(slug)
    page.locator("#title_vi").fill(title)
    me.follow(page.get_by_role("button", name=me.t("Add"), exact=True))
    if "/items/" not in page.url:
        me.follow(page.get_by_role("link", name=title))


def test_trainer_builds_previews_and_publishes_a_course(browser, live_url, live_db):
    import_courses()  # the catalogue is not empty: the new course takes its place in it
    trainer = create_user("trainer", name="Cao Thị Giảng")
    learner = create_user("learner", name="Đinh Văn Học", job_role="nurse")

    with journey(browser, live_url, "trainer-vi") as trip:
        me = trip.visitor("trainer")
        page, t = me.page, me.t
        sign_in(me, trainer.email, PASSWORD)
        me.follow_menu("Studio")

        # A new course.
        page.locator("#slug").fill(SLUG)
        page.locator("#title_vi").fill(TITLE)
        page.locator("#title_en").fill("Keeping patient records private")
        page.locator("#summary_vi").fill("Ai được xem hồ sơ, và giữ kín hồ sơ thế nào.")
        page.locator("#summary_en").fill("Who may read a record, and how to keep it private.")
        me.follow(page.get_by_role("button", name=t("Create the course")))
        assert page.url.endswith(f"/studio/courses/{SLUG}")

        # A lesson with a heading, text and an image.
        add_item(me, "lesson", "ai-duoc-xem", "Ai được xem hồ sơ")
        body = page.locator("#body_vi")
        body.fill("## Nguyên tắc\n\nChỉ người **trực tiếp điều trị** được xem hồ sơ.\n")
        page.locator("#preview-vi strong").wait_for()  # the live preview follows the typing
        assert page.locator("#preview-vi h2").inner_text() == "Nguyên tắc"
        page.locator("#image").set_input_files(files=[{
            "name": "so-do-quyen.png", "mimeType": "image/png", "buffer": small_png()}])
        page.locator("#alt").fill("Sơ đồ ai được xem hồ sơ")
        me.follow(page.get_by_role("button", name=t("Upload and insert")))
        assert "](media/" in page.locator("#body_vi").input_value()
        # The preview button (what works without JavaScript) shows the image too.
        me.follow(page.get_by_role("button", name=t("Preview"), exact=True),
                  kind="studio lesson preview")
        image = page.locator("#preview-vi img")
        assert image.get_attribute("alt") == "Sơ đồ ai được xem hồ sơ"
        assert image.evaluate("img => img.complete && img.naturalWidth === 48")
        me.follow(page.get_by_role("button", name=t("Save"), exact=True))

        # A quiz with one true-or-false question.
        me.goto(f"/studio/courses/{SLUG}")
        add_item(me, "quiz", "kiem-tra", "Kiểm tra nhanh")
        page.locator("#new-type").select_option("true_false")
        me.follow(page.get_by_role("button", name=t("Add a question")))
        page.locator("#name").fill("nguoi-dieu-tri")
        page.locator("#text_vi").fill("Chỉ người trực tiếp điều trị được xem hồ sơ.")
        page.locator("input[name=correct][value=true]").check()
        me.follow(page.get_by_role("button", name=t("Save the question")))
        assert "nguoi-dieu-tri" in page.locator("main").inner_text()

        # Preview as learners see it, then check and publish.
        me.goto(f"/studio/courses/{SLUG}")
        me.follow(page.get_by_role("link", name=t("See it as learners do")))
        assert TITLE in page.locator("h1").inner_text()
        me.goto(f"/studio/courses/{SLUG}")
        me.follow(page.get_by_role("link", name=t("Check and publish")))
        page.locator("#note").fill("Bản đầu tiên")
        me.follow(page.get_by_role("button", name=t("Publish"), exact=True))

        # A learner finds it in the catalogue and reads the lesson, image included.
        reader = trip.visitor("learner")
        sign_in(reader, learner.email, PASSWORD)
        reader.goto("/courses")
        reader.follow(reader.page.get_by_role("link", name=TITLE))
        reader.follow(reader.page.get_by_role("link", name=t("Start the course")))
        figure = reader.page.locator("article img")
        assert figure.get_attribute("alt") == "Sơ đồ ai được xem hồ sơ"
        assert figure.evaluate("img => img.complete && img.naturalWidth === 48")
        assert "/media/" in figure.get_attribute("src")
