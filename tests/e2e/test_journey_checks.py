"""The journeys' own checks fail when they should: each flaw is planted in a real page and
must be caught (axe-core, weight, origin, what the CSP refused, sideways scrolling, a page
left unchecked)."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import PAGE_BUDGET, PageCheckError, journey, page_kind

pytestmark = pytest.mark.e2e


def test_page_kinds_fold_ids_and_codes():
    assert page_kind("http://h/courses/wifi/quizzes/check/attempts/12") == \
        "/courses/wifi/quizzes/check/attempts/<id>"
    assert page_kind("http://h/verify/Xy3kq9Zt0aBcDeFgHiJkLmNoPq") == "/verify/<id>"
    assert page_kind("http://h/courses/clinic-wifi-safety") == "/courses/clinic-wifi-safety"


def test_each_check_catches_its_planted_flaw(browser, live_url, live_db):
    with pytest.raises(PageCheckError, match="never checked|without being checked"), \
            journey(browser, live_url, "planted-unchecked") as trip:
        person = trip.visitor("visitor")
        person.goto("/login")
        person.page.goto(live_url + "/courses")  # a page nobody checked

    with journey(browser, live_url, "planted-flaws") as trip:
        person = trip.visitor("visitor", viewport=(360, 740))
        page = person.page
        person.goto("/login")  # a clean page passes every check

        # axe-core: an image with no text alternative, a field with no label
        page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img src="/static/img/favicon.svg"><input type="text" name="unlabelled">')""")
        with pytest.raises(PageCheckError, match="image-alt"):
            person.run_axe()

        # weight: the page fetches more than the budget (the cache is off)
        page.evaluate("""async (n) => { for (let i = 0; i < n; i++) {
            await (await fetch("/static/css/portal.css?" + i)).text(); } }""",
                      PAGE_BUDGET // 5000 + 1)
        with pytest.raises(PageCheckError, match="weighs"):
            person.seen(axe=False)

        # origin: anything fetched from elsewhere (the CSP blocks it; the check still sees it)
        page.evaluate("() => { new Image().src = 'http://127.0.0.2:9/tracker.png'; }")
        page.wait_for_timeout(300)
        with pytest.raises(PageCheckError, match="another origin"):
            person.seen(axe=False)
        # ...and what the CSP refused is an error in the page, as is an inline script
        page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img src="/static/img/favicon.svg" alt="" onload="window.planted = 1">')""")
        page.wait_for_timeout(300)
        with pytest.raises(PageCheckError, match="Content Security Policy"):
            person.seen(axe=False)
        assert page.evaluate("() => window.planted") is None  # the handler never ran

        # width: something wider than the phone
        page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<pre>' + 'x'.repeat(400) + '</pre>')""")
        with pytest.raises(PageCheckError, match="px wide"):
            person.seen(axe=False)
