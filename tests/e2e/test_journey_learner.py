"""The learner's journey in a real browser, from an invitation link to a certificate that a
stranger can check: in Vietnamese, in English, without JavaScript and on a phone's width.

Every page on the way is checked by :mod:`tests.e2e.journeys` (axe-core, weight, origin,
sideways scrolling on the phone)."""

from __future__ import annotations

import pytest

from portal.accounts import services as accounts
from portal.extensions import db
from tests.e2e.journeys import (
    attempt_id_from,
    attempt_rows,
    fill_answers,
    journey,
    wrong_answer,
)
from tests.factories import create_facility, create_user, import_courses

pytestmark = pytest.mark.e2e

COURSE = {"vi": "An toàn Wi-Fi phòng khám", "en": "Clinic Wi-Fi safety"}
VARIANTS = {
    "vi": {"lang": "vi"},
    "en": {"lang": "en"},
    "vi-no-js": {"lang": "vi", "js": False},
    "vi-phone": {"lang": "vi", "viewport": (360, 740)},
}


def _invitation(email: str) -> str:
    """A manager of a fresh facility invites *email* (through the manager's service)."""
    facility = create_facility(name="Phòng khám Hòa Bình")
    manager = create_user("manager", facility=facility, name="Trần Văn Quản")
    _invitation, token = accounts.invite(manager, email, job_role="it")
    db.session.commit()
    return token


def _take_quiz(person, answer) -> None:
    """Start an attempt on the quiz page shown, answer with *answer*, submit."""
    page = person.page
    start = page.get_by_role("button", name=person.t("Start a new attempt")).or_(
        page.get_by_role("button", name=person.t("Start the quiz")))
    person.follow(start)
    questions = attempt_rows(attempt_id_from(page.url))
    assert questions, "the attempt drew no question"
    fill_answers(page, {pos: answer(q) for pos, q in questions}, questions)
    person.follow(page.get_by_role("button", name=person.t("Submit"), exact=True),
                  kind="quiz review")


@pytest.mark.parametrize("variant", VARIANTS)
def test_learner_from_invitation_to_a_verified_certificate(browser, live_url, live_db, variant):
    from portal.quizzes.grading import model_answer

    settings = VARIANTS[variant]
    lang = settings["lang"]
    import_courses()
    email = f"hoc.vien.{variant}@example.vn"
    token = _invitation(email)

    with journey(browser, live_url, f"learner-{variant}") as trip:
        me = trip.visitor("learner", **settings)
        page, t = me.page, me.t

        # The invitation link: name, job role and password, and the account exists.
        me.goto(f"/invitations/{token}")
        if lang == "en":  # a visitor's first page is in Vietnamese: they switch
            me.follow(page.get_by_role("button", name="English"))
        assert "Phòng khám Hòa Bình" in page.locator("h1").inner_text()
        page.locator("#name").fill("Phạm Thị Lan")
        assert page.locator("#job_role").input_value() == "it"
        page.locator("#password").fill("mat-khau-rat-dai-2025")
        page.locator("#confirm").fill("mat-khau-rat-dai-2025")
        me.follow(page.get_by_role("button", name=t("Create my account")))
        assert t("Welcome! Your account is ready.") in page.locator(".flashes").inner_text()

        # The catalogue, the course, both lessons read.
        me.follow_menu("Courses")
        me.follow(page.get_by_role("link", name=COURSE[lang]))
        me.follow(page.get_by_role("link", name=t("Start the course")))
        first_lesson = page.url
        me.follow(page.get_by_role("button", name=t("Mark as read")))
        assert t("Marked as read.") in page.locator(".flashes").inner_text()
        assert page.url != first_lesson  # on to the next lesson
        me.follow(page.get_by_role("button", name=t("Mark as read")))
        assert "/quizzes/" in page.url

        # The quiz: failed once, passed the second time.
        _take_quiz(me, wrong_answer)
        assert page.locator("#verdict").inner_text().strip() == t("Not passed")
        me.follow(page.get_by_role("link", name=COURSE[lang]).first)
        me.follow(page.get_by_role("link", name=t("Continue where you left off")))
        _take_quiz(me, model_answer)
        assert page.locator("#verdict").inner_text().strip() == t("Passed")

        # Progress on the course page and the dashboard.
        me.goto("/courses/clinic-wifi-safety")
        completed_on = t("Completed on %(date)s.").split("%(date)s")[0].strip()
        assert completed_on in page.locator("#course-progress").inner_text()
        assert page.locator("progress").first.get_attribute("value") == "100"
        me.follow(page.get_by_role("link", name=t("My learning")))
        assert COURSE[lang] in page.locator("main").inner_text()

        # The certificate: its PDF, and its verification link opened by a stranger.
        me.follow(page.get_by_role("link", name=t("My certificates")))
        card = page.locator("ul.cards > li").filter(has_text=COURSE[lang])
        pdf_url = card.get_by_role("link", name=t("Download the PDF")).get_attribute("href")
        pdf = me.context.request.get(me.url(pdf_url))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF-")
        verify_path = card.get_by_role("link", name=t("Verification page")).get_attribute("href")
        assert verify_path.startswith("/verify/")

        stranger = trip.visitor("stranger", **settings)
        stranger.goto(verify_path)
        if lang == "en":
            stranger.follow(stranger.page.get_by_role("button", name="English"))
        verdict = stranger.page.locator("#verdict").inner_text().strip()
        assert verdict == t("This certificate is valid.")
        text = stranger.page.locator("main").inner_text()
        assert "Phạm Thị Lan" in text and COURSE[lang] in text
        # no session: the stranger is offered to sign in, and nothing of the learner's
        assert stranger.page.get_by_role("button", name=t("Sign out")).count() == 0
        assert stranger.page.get_by_role("link", name=t("Sign in")).count() == 1
