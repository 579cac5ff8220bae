"""The learner's core path with the keyboard alone: sign in, open a lesson, mark it read, take
the quiz and submit it, pressing only Tab, Shift+Tab, Enter, Space and the arrow keys (and
typing into fields). No click anywhere; every page is checked by :mod:`tests.e2e.journeys`."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import (
    answer_by_keyboard,
    attempt_id_from,
    attempt_rows,
    journey,
    press_to,
    tab_to,
)
from tests.factories import PASSWORD, create_user, import_courses

pytestmark = pytest.mark.e2e


def test_learner_path_with_the_keyboard_alone(browser, live_url, live_db):
    from portal.quizzes.grading import model_answer

    import_courses()
    learner = create_user("learner", name="Tạ Thị Phím", job_role="it")

    with journey(browser, live_url, "keyboard-vi") as trip:
        me = trip.visitor("learner")
        page, t = me.page, me.t
        me.goto("/login")
        # The first Tab stop is the skip link, and it leads to the content.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
        tab_to(page, "input[name=email]")
        page.keyboard.type(learner.email)
        tab_to(page, "input[name=password]")
        page.keyboard.type("not-this-one")
        tab_to(page, "input[name=email]", backwards=True)  # back up to check the address
        tab_to(page, "input[name=password]")
        page.keyboard.press("Control+A")
        page.keyboard.type(PASSWORD)
        press_to(me, "Enter")
        assert "/login" not in page.url

        # To the catalogue, the course, its first lesson.
        tab_to(page, "nav a[href='/courses']")
        press_to(me, "Enter")
        tab_to(page, "main a[href='/courses/clinic-wifi-safety']")
        press_to(me, "Enter")
        tab_to(page, "#course-progress ~ p a.button, section a.button")
        press_to(me, "Enter")
        assert "/courses/clinic-wifi-safety/" in page.url

        # Mark both lessons read: Enter on one button, Space on the other.
        tab_to(page, "form[action$='/complete'] button")
        press_to(me, "Enter")
        assert t("Marked as read.") in page.locator(".flashes").inner_text()
        tab_to(page, "form[action$='/complete'] button")
        press_to(me, "Space")
        assert "/quizzes/" in page.url

        # The quiz: start, answer, submit.
        tab_to(page, "form[action$='/attempts'] button")
        press_to(me, "Enter")
        questions = attempt_rows(attempt_id_from(page.url))
        for position, question in questions:
            answer_by_keyboard(page, position, question, model_answer(question))
        tab_to(page, "#submit-attempt")
        press_to(me, "Enter", kind="quiz review")  # the confirmation is accepted
        assert page.locator("#verdict").inner_text().strip() == t("Passed")
