"""A trainer edits a lesson in the studio, in a real browser: the live preview follows the
typing (rendered by the server), and the studio's pages fit a phone's width."""

import pytest

from tests.factories import PASSWORD, create_user, import_courses

pytestmark = pytest.mark.e2e


def _sign_in(page, live_url, email):
    page.goto(f"{live_url}/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [(1280, 900), (360, 740)])
def test_trainer_edits_a_lesson_with_a_live_preview(browser, live_url, live_db, viewport):
    import_courses()
    trainer = create_user("trainer", locale="en")
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    try:
        _sign_in(page, live_url, trainer.email)
        page.goto(f"{live_url}/studio/courses/clinic-wifi-safety")
        page.get_by_role("button", name="Start a new version to edit").click()
        assert "Draft of version 2" in page.locator(".studio-banner").inner_text()
        page.get_by_role("link", name="Bộ phát Wi-Fi của phòng khám", exact=True).click()
        body = page.get_by_label("Lesson in Vietnamese (Markdown)")
        body.fill("## Mục mới\n\n**Chữ đậm** <script>alert(1)</script>")
        preview = page.locator("#preview-vi")
        preview.locator("strong").wait_for()
        assert preview.locator("h2").inner_text() == "Mục mới"
        assert preview.locator("script").count() == 0
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport[0] + 1, f"{page.url} is {width}px wide"
        page.get_by_role("button", name="Save", exact=True).click()
        assert "Lesson saved." in page.locator(".flashes").inner_text()
        assert errors == []
    finally:
        context.close()
