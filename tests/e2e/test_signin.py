"""Signing in through the real page, in Vietnamese and in English."""

import pytest

from tests.factories import PASSWORD, create_user

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "lang, button, heading",
    [("vi", "Đăng nhập", "Xin chào, Nguyễn Thị Hằng"), ("en", "Sign in", "Hello, Nguyễn Thị Hằng")],
)
def test_sign_in_through_the_page(page, live_url, live_db, lang, button, heading):
    user = create_user("learner", name="Nguyễn Thị Hằng")
    page.goto(f"{live_url}/login")
    if lang == "en":
        page.get_by_role("button", name="English").click()
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Mật khẩu" if lang == "vi" else "Password").fill(PASSWORD)
    page.locator("form.form").get_by_role("button", name=button).click()
    page.get_by_role("link", name="Việc học của tôi" if lang == "vi" else "My learning").click()
    assert page.get_by_role("heading", level=1).inner_text() == heading
    page.screenshot(path=str(_artifact(f"signin-{lang}.png")))


def test_wrong_password_shows_the_error_at_the_field(page, live_url, live_db):
    user = create_user("learner")
    page.goto(f"{live_url}/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Mật khẩu").fill("wrong-password")
    page.locator("form.form").get_by_role("button", name="Đăng nhập").click()
    password = page.get_by_label("Mật khẩu")
    assert password.get_attribute("aria-invalid") == "true"
    error_id = password.get_attribute("aria-describedby")
    assert page.locator(f"#{error_id}").inner_text() == "E-mail hoặc mật khẩu không đúng."


def _artifact(name):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
