"""What every browser journey checks on every page it passes, and the helpers to walk them.

A :class:`Journey` opens one browser context per person (:class:`Visitor`). Each visitor goes
from page to page with :meth:`Visitor.goto` or :meth:`Visitor.follow`, or calls
:meth:`Visitor.seen` after an action that loads a page; each page is then checked:

- **self-containment**: every request the browser made went to the portal's own origin
  (``data:`` URLs are not requests to anyone);
- **weight**: the page and everything it loaded, measured by Chromium itself (the Network
  domain's ``encodedDataLength``, headers included) with the cache disabled, so every page is
  weighed as a first visit, is at most :data:`PAGE_BUDGET` bytes; lesson images (``/media/``)
  are left out, as the issue says;
- **phone width**: at a narrow viewport, nothing scrolls sideways
  (``document.documentElement.scrollWidth`` is at most the viewport's width);
- **accessibility**: axe-core runs in the page once per kind of page and journey, and no
  violation of impact serious or critical against the WCAG 2.1 A and AA rules may remain;
- **no errors**: no script error, and nothing the Content-Security-Policy refused.

axe-core is vendored (``tests/e2e/vendor/axe-core``, see its README) and evaluated through
the DevTools protocol (``page.evaluate``), which the page's Content-Security-Policy does not
govern: ``page.add_script_tag(content=…)`` would insert an inline ``<script>`` that our CSP
(``script-src 'self'``) rightly blocks, and ``bypass_csp=True`` would switch the CSP off for
the whole context, hiding exactly the violations the journeys should catch (an inline script
or style that the portal itself added would then run unnoticed).

No page may be visited unchecked: when the journey ends, or before the next check, an HTML
page that was loaded and not checked fails the test. When anything fails, every visitor's
screenshot and HTML are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: The most one page may weigh on the wire, with everything it loads (lesson images apart).
PAGE_BUDGET = 100 * 1024
#: axe-core rule tags: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PO = ROOT / "portal" / "translations" / "{lang}" / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=2)
def _catalogue(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with open(str(PO).format(lang=lang), "rb") as handle:
        catalog = read_po(handle)
    messages = {}
    for message in catalog:
        if not message.id or not message.string:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        value = message.string[0] if isinstance(message.string, tuple) else message.string
        if value and not message.fuzzy:
            messages[key] = value
    return messages


def tr(lang: str, msgid: str, **values) -> str:
    """Return *msgid* as the portal shows it in *lang* (the source text for English)."""
    text = msgid if lang == "en" else _catalogue(lang).get(msgid, msgid)
    return text % values if values else text


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


_ID_SEGMENT = re.compile(r"/(?:\d+|[A-Za-z0-9_-]{20,})(?=/|$)")


def page_kind(url: str) -> str:
    """Name the kind of page *url* is: its path with ids and codes folded (``/x/<id>``)."""
    path = urlsplit(url).path
    return _ID_SEGMENT.sub("/<id>", path) or "/"


#: The innermost elements reaching past the viewport's right edge (to say what to fix).
_WIDE_ELEMENTS = """(limit) => {
    const wide = [...document.querySelectorAll("body *")].filter(
        e => e.getBoundingClientRect().right > limit + 0.5);
    return wide.filter(e => !wide.some(o => o !== e && e.contains(o))).slice(0, 5).map(
        e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
             (e.className && typeof e.className === "string" ? "." + e.className : "") +
             " " + Math.round(e.getBoundingClientRect().right) + "px: " +
             (e.textContent || "").trim().slice(0, 60));
}"""


class PageCheckError(AssertionError):
    """A page broke one of the journey's rules."""


class Visitor:
    """One person in their own browser context, checked on every page they see."""

    def __init__(self, journey: Journey, name: str, *, lang: str, viewport: tuple[int, int],
                 js: bool):
        self.journey, self.name, self.lang, self.js = journey, name, lang, js
        self.viewport = viewport
        locale = {"vi": "vi-VN", "en": "en-GB"}[lang]
        self.context = journey.browser.new_context(
            locale=locale, viewport={"width": viewport[0], "height": viewport[1]},
            java_script_enabled=js, accept_downloads=True)
        self.page = self.context.new_page()
        # Quiz submission asks "Submit now?": a person says yes.
        self.page.on("dialog", lambda dialog: dialog.accept())
        # What the page itself got wrong: script errors, and anything the CSP refused (an
        # inline script or style, a resource from elsewhere).
        self.page_errors: list[str] = []
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("console", lambda m: self.page_errors.append(m.text)
                     if m.type == "error" and "Content Security Policy" in m.text else None)
        self._requests: dict[str, dict] = {}
        self._order: list[str] = []
        self._mark = 0
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.on("Network.requestWillBeSent", self._on_request)
        self.cdp.on("Network.responseReceived", self._on_response)
        self.cdp.on("Network.loadingFinished", self._on_finished)
        self.cdp.on("Network.loadingFailed", self._on_failed)
        self.cdp.send("Network.enable")
        # Weigh every page as a first visit: nothing comes from the browser's cache.
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    # ------------------------------------------------------------------ the network log

    def _on_request(self, event):
        rid = event["requestId"]
        if rid not in self._requests:
            self._order.append(rid)
        self._requests[rid] = {"url": event["request"]["url"], "type": event.get("type", ""),
                               "bytes": 0, "done": False, "mime": "", "status": 0}

    def _on_response(self, event):
        row = self._requests.get(event["requestId"])
        if row is not None:
            row["mime"] = event["response"].get("mimeType", "")
            row["status"] = event["response"].get("status", 0)

    def _on_finished(self, event):
        row = self._requests.get(event["requestId"])
        if row is not None:
            row["bytes"] = event.get("encodedDataLength", 0)
            row["done"] = True

    def _on_failed(self, event):
        row = self._requests.get(event["requestId"])
        if row is not None:
            row["done"] = True
            row["failed"] = True

    @property
    def urls(self) -> list[str]:
        """Every URL the browser asked for, in order."""
        return [self._requests[rid]["url"] for rid in self._order]

    def _settle(self, timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = [rid for rid in self._order[self._mark:]
                       if not self._requests[rid]["done"]
                       and not self._requests[rid]["url"].startswith("data:")]
            if not pending:
                return
            self.page.wait_for_timeout(50)

    @staticmethod
    def _is_page(row) -> bool:
        return row["type"] == "Document" and row["mime"] == "text/html"

    # ------------------------------------------------------------------ moving about

    def url(self, path: str) -> str:
        return self.journey.base_url + path

    def t(self, msgid: str, **values) -> str:
        """The interface text *msgid* in this visitor's language."""
        return tr(self.lang, msgid, **values)

    def goto(self, path: str, **check):
        """Open *path* and check the page (``kind=`` names it when its path does not)."""
        response = self.page.goto(self.url(path))
        self.seen(**check)
        return response

    def follow(self, locator, **check) -> None:
        """Activate *locator* (a link or a submit button) and check the page it leads to."""
        with self.page.expect_navigation():
            locator.click()
        self.seen(**check)

    def follow_menu(self, label: str, **check) -> None:
        """Follow the main menu's link *label* (a msgid, shown in this visitor's language)."""
        self.follow(self.page.get_by_role("navigation", name=self.t("Main")).get_by_role(
            "link", name=self.t(label), exact=True), **check)

    def seen(self, *, kind: str | None = None, axe: bool = True) -> dict:
        """Check the page now shown (see the module's docstring); return what was measured.

        :param kind: the kind of page, for pages that share an address with another kind
            (a quiz attempt and its review); default: the address with ids folded
        :param axe: run axe-core unless this kind of page was already checked
        """
        self.page.wait_for_load_state("load")
        self._settle()
        window = [self._requests[rid] for rid in self._order[self._mark:]]
        self._mark = len(self._order)
        url = self.page.url
        kind = kind or page_kind(url)
        pages = [row for row in window if self._is_page(row)]
        if len(pages) > 1:
            raise PageCheckError(
                f"{self.name}: pages visited without being checked: "
                f"{[row['url'] for row in pages[:-1]]}")
        self._check_origin(window)
        errors, self.page_errors = self.page_errors, []
        if errors:
            raise PageCheckError(f"{self.name}: {url}: errors in the page: {errors}")
        weight = sum(row["bytes"] for row in window
                     if not urlsplit(row["url"]).path.startswith("/media/"))
        if weight > PAGE_BUDGET:
            detail = sorted(((row["bytes"], row["url"]) for row in window), reverse=True)
            raise PageCheckError(
                f"{self.name}: {url} weighs {weight} bytes > {PAGE_BUDGET}: {detail[:5]}")
        width = self.page.evaluate("document.documentElement.scrollWidth") if self.js else None
        if self.js and width > self.viewport[0]:
            culprits = self.page.evaluate(_WIDE_ELEMENTS, self.viewport[0])
            raise PageCheckError(
                f"{self.name}: {url} is {width}px wide in a {self.viewport[0]}px viewport; "
                f"too wide: {culprits}")
        record = {"visitor": self.name, "kind": kind, "url": url, "bytes": weight,
                  "requests": len(window), "scroll_width": width}
        self.journey.pages.append(record)
        if axe and self.js and kind not in self.journey.axe_done:
            self.journey.axe_done[kind] = self.run_axe()
        return record

    def _check_origin(self, window) -> None:
        origin = urlsplit(self.journey.base_url)
        foreign = []
        for row in window:
            parts = urlsplit(row["url"])
            if parts.scheme in ("data", "blob", "about"):
                continue
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                foreign.append(row["url"])
        if foreign:
            raise PageCheckError(f"{self.name}: requests to another origin: {foreign}")

    def run_axe(self) -> dict:
        """Run axe-core in the page; fail on serious or critical WCAG 2.1 A/AA violations.

        :return: how many rules passed (to show that axe did run) and the ids of the other
            violations: moderate or minor ones, and axe's best practices beyond WCAG (kept in
            the journey's record in test-artifacts/, not failed on)
        """
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(_axe_source())
        result = self.page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                   resultTypes: ["violations"]});
                return {passes: r.passes.length, violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, tags: v.tags,
                    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "),
                        html: n.html.slice(0, 200), summary: n.failureSummary}))}))};
            }""",
            [*WCAG_TAGS, "best-practice"],
        )
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS
                    and set(v["tags"]) & set(WCAG_TAGS)]
        if blocking:
            raise PageCheckError(
                f"{self.name}: axe-core on {self.page.url}:\n"
                + json.dumps(blocking, ensure_ascii=False, indent=1))
        return {"passes": result["passes"],
                "other": sorted({f"{v['id']} ({v['impact']})" for v in result["violations"]})}

    # ------------------------------------------------------------------ finishing

    def finish(self) -> None:
        """Fail if an HTML page was loaded after the last check and never checked."""
        self._settle()
        rest = [self._requests[rid] for rid in self._order[self._mark:]]
        self._check_origin(rest)
        unchecked = [row["url"] for row in rest if self._is_page(row)]
        if unchecked:
            raise PageCheckError(f"{self.name}: pages visited without being checked: "
                                 f"{unchecked}")

    def save_artifacts(self, stem: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        base = ARTIFACTS / f"{stem}-{self.name}"
        try:
            self.page.screenshot(path=f"{base}.png", full_page=True)
            Path(f"{base}.html").write_text(self.page.content(), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - keep the test's own failure
            Path(f"{base}.txt").write_text(f"no screenshot: {exc}", encoding="utf-8")


class Journey:
    """The people of one journey, their browser contexts and what was measured."""

    def __init__(self, browser, base_url: str, name: str):
        self.browser, self.base_url, self.name = browser, base_url, name
        self.visitors: list[Visitor] = []
        self.pages: list[dict] = []
        self.axe_done: dict[str, dict] = {}

    def visitor(self, name: str, *, lang: str = "vi", viewport=(1280, 900),
                js: bool = True) -> Visitor:
        person = Visitor(self, name, lang=lang, viewport=viewport, js=js)
        self.visitors.append(person)
        return person

    def close(self, failed: bool) -> None:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name)
        if failed:
            for person in self.visitors:
                person.save_artifacts(stem)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"pages-{stem}.json").write_text(
            json.dumps({"pages": self.pages, "axe": self.axe_done}, ensure_ascii=False,
                       indent=1), encoding="utf-8")
        for person in self.visitors:
            person.context.close()


@contextmanager
def journey(browser, base_url: str, name: str) -> Iterator[Journey]:
    """Run a journey; on any failure keep every visitor's screenshot and HTML."""
    trip = Journey(browser, base_url, name)
    failed = True
    try:
        yield trip
        for person in trip.visitors:
            person.finish()
        failed = False
    finally:
        trip.close(failed)


# ---------------------------------------------------------------------- answering quizzes


def attempt_rows(attempt_id: int):
    """Return ``[(position, Question)]`` for an attempt, read from the live database."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.quizzes.models import AttemptQuestion

    db.session.expire_all()
    rows = db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)).all()
    return [(row.position, row.question.question("vi")) for row in rows]


def wrong_answer(question) -> list[str]:
    """Return form values that score nothing on *question*."""
    from portal.quizzes.grading import model_answer

    right = model_answer(question)
    if question.type == "single_choice":
        return [str(next(i for i, a in enumerate(question.answers) if a.fraction <= 0))]
    if question.type == "multiple_response":
        wrong = [str(i) for i, a in enumerate(question.answers) if a.fraction <= 0]
        return wrong[:1] or []
    if question.type == "true_false":
        return ["false" if right == ["true"] else "true"]
    if question.type == "short_answer":
        return ["không biết"]
    if question.type == "numerical":
        return ["987654"]
    return ["" for _ in right]


def fill_answers(page, answers: dict[int, list[str]], questions) -> None:
    """Fill the attempt form with *answers* (position → values), as a person would."""
    for position, question in questions:
        values = answers[position]
        name = f"q{position}"
        if question.type in ("single_choice", "true_false", "multiple_response"):
            for value in values:
                page.locator(f"input[name='{name}'][value='{value}']").check()
        elif question.type == "matching":
            for index, value in enumerate(values):
                page.locator(f"select[name='{name}.{index}']").select_option(value)
        else:
            page.locator(f"input[name='{name}']").fill(values[0] if values else "")


def attempt_id_from(url: str) -> int:
    return int(re.search(r"/attempts/(\d+)", url).group(1))


# ---------------------------------------------------------------------- people and places


def sign_in(person: Visitor, email: str, password: str) -> None:
    """Sign *person* in through the real form (in their language) and check the next page."""
    page = person.page
    person.goto("/login")
    if person.lang == "en" and page.locator("html").get_attribute("lang") != "en":
        person.follow(page.get_by_role("button", name="English"))
    page.get_by_label(person.t("E-mail")).fill(email)
    page.get_by_label(person.t("Password")).fill(password)
    person.follow(page.locator("form.form").get_by_role("button", name=person.t("Sign in")))
    assert "/login" not in page.url, page.locator("main").inner_text()[:300]


def staffed_facility(name: str = "Phòng khám Đa khoa Minh An"):
    """A facility whose manager and four of five staff have done what the programme asks.

    The fixture programme asks everyone for the Wi-Fi course and nurses and doctors for the
    hand-hygiene one too; its rule (manager, 80% of staff, someone in IT or administration)
    is then met. The fifth person has only started.

    :return: ``(facility, manager, staff)``
    """
    from tests.factories import create_facility, create_user
    from tests.reports.helpers import HYGIENE, WIFI, complete, read

    facility = create_facility(name=name)
    manager = create_user("manager", facility=facility, name="Võ Thị Quản",
                          job_role="administrative")
    complete(manager, WIFI)
    staff = []
    for job_role, person in (("it", "Đặng Văn Tin"), ("nurse", "Lý Thị Hoa"),
                             ("doctor", "Bùi Minh Đức"), ("pharmacist", "Hồ Thị Dược"),
                             ("technician", "Mai Văn Kỹ")):
        user = create_user("learner", facility=facility, name=person, job_role=job_role)
        staff.append(user)
        if job_role == "technician":
            read(user, WIFI, "home-router")
            continue
        complete(user, WIFI)
        if job_role in ("nurse", "doctor"):
            complete(user, HYGIENE)
    return facility, manager, staff


# ---------------------------------------------------------------------- the keyboard alone

_ACTIVE = """(sel) => {
    const e = document.activeElement;
    return !!e && e !== document.body && e.matches(sel);
}"""


def tab_to(page, selector: str, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab *backwards*) until the focused element matches *selector*."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(_ACTIVE, selector):
            return
    raise AssertionError(f"{selector} never took the focus after {limit} × {key}")


def press_to(person: Visitor, key: str, **check) -> None:
    """Press *key* on the focused element, wait for the page it loads, and check that page."""
    with person.page.expect_navigation():
        person.page.keyboard.press(key)
    person.seen(**check)


def answer_by_keyboard(page, position: int, question, values: list[str]) -> None:
    """Answer one question of an attempt with Tab, arrows, Space and typing only."""
    name = f"q{position}"
    if question.type in ("single_choice", "true_false"):
        tab_to(page, f"input[name='{name}']")
        for _ in range(12):
            if page.evaluate("() => document.activeElement.value") == values[0]:
                break
            page.keyboard.press("ArrowDown")  # moves to the next choice and chooses it
        page.keyboard.press("Space")
        assert page.evaluate("() => document.activeElement.checked")
    elif question.type == "multiple_response":
        for value in values:
            tab_to(page, f"input[name='{name}'][value='{value}']")
            page.keyboard.press("Space")
    elif question.type == "matching":
        for index, value in enumerate(values):
            tab_to(page, f"select[name='{name}.{index}']")
            for _ in range(20):
                if page.evaluate("() => document.activeElement.value") == value:
                    break
                page.keyboard.press("ArrowDown")
    else:
        tab_to(page, f"input[name='{name}']")
        page.keyboard.type(values[0])
