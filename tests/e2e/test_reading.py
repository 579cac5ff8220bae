"""A learner finds a course, reads its lessons and sees their progress, in a real browser."""

import pytest

from tests.factories import PASSWORD, create_user, import_courses

pytestmark = pytest.mark.e2e


def _sign_in(page, live_url, email):
    page.goto(f"{live_url}/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name="Sign in").click()


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


@pytest.mark.parametrize("viewport", [(1280, 900), (360, 740)])
def test_learner_reads_lessons_and_sees_progress(browser, live_url, live_db, viewport):
    import_courses()
    user = create_user("learner", name="Lê Thị Mai", locale="en")
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    try:
        _sign_in(page, live_url, user.email)
        page.goto(f"{live_url}/courses")
        page.get_by_label("Search").fill("an toan wi-fi")
        page.get_by_role("button", name="Show courses").click()
        page.get_by_role("link", name="Clinic Wi-Fi safety").click()
        _no_sideways_scroll(page)
        page.get_by_role("link", name="Start the course").click()
        assert page.locator("h1").inner_text().strip()
        assert page.locator("nav.toc").count() in (0, 1)
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Mark as read").click()
        assert "Marked as read." in page.locator(".flashes").inner_text()
        page.goto(f"{live_url}/courses/clinic-wifi-safety")
        assert "1 of 3 steps done." in page.locator("#course-progress").inner_text()
        assert page.locator("progress").first.get_attribute("value") == "33"
        page.get_by_role("link", name="Continue where you left off").click()
        assert page.url.endswith("/courses/clinic-wifi-safety/guest-network")
        page.goto(f"{live_url}/me")
        assert "Clinic Wi-Fi safety" in page.locator("#in-progress-title + ul").inner_text()
        _no_sideways_scroll(page)
    finally:
        context.close()


def test_lesson_images_load_from_the_portal(browser, live_url, live_db):
    import_courses()
    user = create_user("learner", locale="en")
    context = browser.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        _sign_in(page, live_url, user.email)
        # hand hygiene requires the Wi-Fi course: a trainer may preview it, a learner may not
        page.goto(f"{live_url}/courses/hand-hygiene-records/why-records")
        assert page.url.endswith("/courses/hand-hygiene-records")
        assert "Complete these courses first" in page.content()
    finally:
        context.close()
    trainer = create_user("trainer", locale="en")
    context = browser.new_context()
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    try:
        _sign_in(page, live_url, trainer.email)
        page.goto(f"{live_url}/courses/hand-hygiene-records/why-records")
        image = page.locator("article img").first
        image.scroll_into_view_if_needed()  # lesson images load lazily
        image.evaluate("img => img.decode()")  # resolves once the image has loaded
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert all(url.startswith(live_url) for url in requests), requests
    finally:
        context.close()
