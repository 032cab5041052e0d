"""Every page in a real browser (Debian's Chromium): axe-core, keyboard, zoom, no JS, print."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from kehto_app.mail.links import make_token
from tests.browser import LANGS
from tests.browser import STATUS_EVENTS
from tests.browser import axe_violations
from tests.browser import describe
from tests.browser import fill_valid_proposal
from tests.browser import launch
from tests.browser import submit_empty_form
from tests.browser import visits
from tests.conftest import INSTANCE_FIXTURES
from tests.helpers import in_lang
from tests.helpers import proposals_on_disk
from tests.live import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a live gunicorn and Chromium

FIXTURES = Path(__file__).parent / "data"
SKIP_LINK = {"fi": "Siirry sisältöön", "sv": "Hoppa till innehåll", "en": "Skip to content"}
KINDS = [visit.kind for visit in visits("fi")] + ["form-errors", "thanks-after-submit"]
SECRET = "browser-test-secret"
PENDING = 4
"""The pending proposal in tests/instance/proposals.json, for the moderator's review pages."""
REVIEW_KINDS = ["review-approve", "review-reject"]


@dataclass(frozen=True)
class Site:
    base: str
    data_dir: Path
    instance_dir: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser")
    data_dir, instance_dir = root / "data", root / "instance"
    shutil.copytree(FIXTURES, data_dir)
    shutil.copytree(INSTANCE_FIXTURES, instance_dir)
    env = {"KEHTO_RATE_LIMIT": "[1000, 60]", "KEHTO_SECRET_KEY": SECRET}
    with gunicorn(data_dir, instance_dir, env=env) as base:
        yield Site(base, data_dir, instance_dir)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def submit(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form.event-form button[type=submit]").click()


def open_kind(page: Page, site: Site, lang: str, kind: str) -> str:
    """Show one kind of page in `lang` in the page; return its URL."""
    if kind == "form-errors":
        page.goto(site.base + in_lang(lang, "/events/new/"))
        submit_empty_form(page)
        assert page.locator("#error-summary").count() == 1
        return page.url + " (after an empty submit)"
    if kind == "thanks-after-submit":
        page.goto(site.base + in_lang(lang, "/events/new/"))
        fill_valid_proposal(page, f"Axe-testi {lang}")
        submit(page)
        assert page.url.endswith(in_lang(lang, "/events/new/thanks/"))
        return page.url + " (after a valid submit)"
    if kind in REVIEW_KINDS:
        token = make_token(SECRET, PENDING, kind.removeprefix("review-"), "pending")
        response = page.goto(site.base + in_lang(lang, f"/events/review/{PENDING}/{token}/"))
        assert response is not None and response.status == 200, kind
        assert page.locator("form.event-form button[type=submit]").count() == 1
        return page.url
    visit = next(v for v in visits(lang) if v.kind == kind)
    response = page.goto(site.base + visit.path)
    assert response is not None and response.status == visit.status, visit.path
    return page.url


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[dict[str, Page]]:
    """One browser tab per language, reused page after page, as one visitor would."""
    contexts = {
        lang: browser.new_context(viewport={"width": 1280, "height": 900}) for lang in LANGS
    }
    yield {lang: ctx.new_page() for lang, ctx in contexts.items()}
    for ctx in contexts.values():
        ctx.close()


# "thanks" is the same page as thanks-after-submit; a moderator's review page asks to approve
# or to reject (with a reason's field).
AXE_KINDS = [kind for kind in KINDS if kind != "thanks"] + REVIEW_KINDS


@pytest.mark.parametrize("kind", AXE_KINDS)
@pytest.mark.parametrize("lang", LANGS)
def test_axe_with_every_rule_finds_nothing(
    tab: dict[str, Page], site: Site, lang: str, kind: str
) -> None:
    page = tab[lang]
    url = open_kind(page, site, lang, kind)
    violations = axe_violations(page)
    report = describe(url, violations)
    if report:
        print(report)
    wcag = [v for v in violations if v["wcag"]]
    assert not wcag, "axe-core found WCAG violations:\n" + describe(url, wcag)
    assert not violations, "axe-core found violations of its other rules:\n" + report


BROKEN = """<!doctype html>
<html lang="fi"><head><title>Rikki</title></head>
<body><main><h1>Rikki sivu</h1>
<img src="/static/favicon.svg">
<input type="text" name="nimi">
<p id="kahdesti">Yksi</p><p id="kahdesti">Kaksi</p>
</main></body></html>"""


def test_the_axe_checker_fails_a_broken_page(page: Page, site: Site) -> None:
    page.goto(f"{site.base}/fi/")
    page.set_content(BROKEN)
    violations = axe_violations(page)
    ids = {v["id"] for v in violations}
    assert "image-alt" in ids
    assert "label" in ids
    assert "duplicate-id" in ids, "a deprecated rule, left out of axe.run()'s default, runs too"
    report = describe("broken", violations)
    assert "image-alt" in report and '["img"]' in report
    assert '["input"]' in report


@pytest.mark.parametrize("lang", LANGS)
def test_first_tab_reaches_skip_link_which_moves_focus_to_main(
    page: Page, site: Site, lang: str
) -> None:
    for path in (f"/{lang}/", in_lang(lang, "/events/new/"), in_lang(lang, "/events/2/")):
        page.goto(site.base + path)
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        assert focused.evaluate("el => el.className") == "skip-link", path
        assert focused.inner_text().strip() == SKIP_LINK[lang]
        box = focused.bounding_box()
        assert box is not None and box["y"] >= 0 and box["width"] > 0, "skip link shown on focus"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content", path
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null"), path


TABBABLES = """() => {
  const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')];
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const list = all.filter(el => !el.disabled && el.tabIndex >= 0 && shown(el));
  const positive = all.filter(el => el.tabIndex > 0).length;
  list.forEach((el, i) => { el.dataset.kbd = String(i); });
  const look = el => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.boxShadow].join(' | ');
  };
  return {count: list.length, positive, looks: list.map(look)};
}"""

TRACK_FOCUS = """() => {
  window.focusLog = [];
  document.addEventListener('focusin', event => {
    const el = event.target;
    if (el.dataset.kbd === undefined) return;
    const s = getComputedStyle(el);
    window.focusLog.push({
      index: Number(el.dataset.kbd),
      look: [s.outlineStyle, s.outlineWidth, s.boxShadow].join(' | '),
      outline: s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth),
      shadow: s.boxShadow !== 'none',
      visible: el.matches(':focus-visible'),
    });
  }, true);
}"""


KEYBOARD_PATHS = ["/", "/events/new/", "/events/2/"] + [
    f"/events/{event_id}/" for _, event_id in STATUS_EVENTS
]


@pytest.mark.parametrize("path", KEYBOARD_PATHS)
@pytest.mark.parametrize("lang", LANGS)
def test_keyboard_reaches_every_control_in_order_with_visible_focus(
    page: Page, site: Site, lang: str, path: str
) -> None:
    page.goto(site.base + in_lang(lang, path))
    tabbable = page.evaluate(TABBABLES)
    assert tabbable["positive"] == 0, "no positive tabindex to scramble the order"
    assert tabbable["count"] > 5
    page.evaluate(TRACK_FOCUS)
    # Enough presses to pass every control (a date input may take one per part) and wrap round.
    for _ in range(tabbable["count"] * 2 + 4):
        page.keyboard.press("Tab")
    order: list[int] = []
    for now in page.evaluate("window.focusLog"):
        if order and now["index"] < order[-1]:
            break  # wrapped round to the top of the page
        if order and order[-1] == now["index"]:
            continue
        order.append(now["index"])
        unfocused = tabbable["looks"][now["index"]]
        assert now["visible"], f"element {now['index']} matches :focus-visible"
        assert now["look"] != unfocused, f"element {now['index']} looks the same when focused"
        assert now["outline"] >= 2 or now["shadow"], f"element {now['index']}: {now['look']}"
    assert order == list(range(tabbable["count"])), "Tab visits every control in DOM order"


OVERFLOWS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const skip = el => el.closest('.visually-hidden, .hp, .skip-link');
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (skip(el) || el.getClientRects().length === 0) continue;
    const s = getComputedStyle(el);
    const clips = v => v === 'hidden' || v === 'clip';
    if ((clips(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (clips(s.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      problems.push(`${name(el)} cuts its content`);
    }
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 || box.left < -1) {
      problems.push(`${name(el)} reaches outside the page (${box.left}..${box.right} of ${width})`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim() || skip(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.right > width + 1 || r.left < -1) {
        problems.push(`text "${node.textContent.trim().slice(0, 40)}" is cut at the edge`);
      }
    }
  }
  return problems;
}"""

NARROW = {
    # At 320 px, then with WCAG 1.4.12's wider text spacing (bypass_csp lets the test add it).
    "320px": {"viewport": {"width": 320, "height": 640}, "bypass_csp": True},
    "zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"""


@pytest.mark.parametrize("screen", list(NARROW))
@pytest.mark.parametrize("lang", LANGS)
def test_narrow_screen_zoom_and_text_spacing_never_scroll_sideways_or_cut_text(
    browser: Browser, site: Site, lang: str, screen: str
) -> None:
    context = browser.new_context(**NARROW[screen])
    try:
        page = context.new_page()
        problems = []
        for kind in KINDS[:-1]:
            url = open_kind(page, site, lang, kind)
            problems += [f"{url}: {problem}" for problem in page.evaluate(OVERFLOWS)]
            if screen == "320px":
                page.add_style_tag(content=TEXT_SPACING)
                found = page.evaluate(OVERFLOWS)
                problems += [f"{url} with wider text spacing: {problem}" for problem in found]
        assert not problems, "\n".join(problems)
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_failed_submit_puts_focus_on_the_error_summary(
    browser: Browser, site: Site, lang: str, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(site.base + in_lang(lang, "/events/new/"))
        page.fill("#title", "Vain nimi")
        submit_empty_form(page)
        page.wait_for_selector("#error-summary:focus", timeout=5000)
        assert page.input_value("#title") == "Vain nimi", "entered values are kept"
        first = page.locator("#error-summary a").first
        target = first.get_attribute("href")
        assert target and target.startswith("#")
        first.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(f"{target}:focus", timeout=5000)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_and_the_form_work_without_javascript(
    browser: Browser, site: Site, lang: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for visit in visits(lang):
            response = page.goto(site.base + visit.path)
            assert response is not None and response.status == visit.status, visit.path
            assert page.locator("h1").first.is_visible(), visit.path
            assert page.locator("main").inner_text().strip(), visit.path
        page.goto(site.base + in_lang(lang, "/events/new/"))
        submit_empty_form(page)
        assert page.locator("#error-summary").is_visible()
        title = f"Ilman JavaScriptiä {lang}"
        fill_valid_proposal(page, title)
        submit(page)
        assert page.url.endswith(in_lang(lang, "/events/new/thanks/"))
        proposals = proposals_on_disk(site.instance_dir)
        stored = [e for e in proposals.values() if e["title"] == title]
        assert len(stored) == 1 and stored[0]["state"] == "pending"
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_no_request_leaves_the_local_server(page: Page, site: Site, lang: str) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for kind in KINDS:
        open_kind(page, site, lang, kind)
    assert any("/static/site.css" in url for url in requested)
    elsewhere = [url for url in requested if not url.startswith(site.base + "/")]
    assert not elsewhere, f"requests outside {site.base}: {elsewhere}"


LANG_ATTRIBUTES = """() => [document.documentElement.lang,
  ...[...document.querySelectorAll('.languages a')].map(a => a.hreflang === a.lang && a.lang)]"""


def closest_lang(page: Page, text: str) -> str:
    return page.get_by_text(text, exact=False).first.evaluate(
        "el => el.closest('[lang]').getAttribute('lang')"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_lang_attributes_name_the_language_of_every_text(page: Page, site: Site, lang: str) -> None:
    for visit in visits(lang):
        page.goto(site.base + visit.path)
        assert page.evaluate(LANG_ATTRIBUTES) == [lang, *LANGS], visit.path
    page.goto(f"{site.base}/{lang}/vain-suomeksi/")
    assert closest_lang(page, "Tämä sivu on vain suomeksi.") == "fi"
    assert page.locator("h1 [lang], h1[lang]").count() == (0 if lang == "fi" else 1)
    assert page.locator("h1").evaluate("h => h.querySelector('[lang]')?.lang || 'fi'") == "fi"
    note = page.locator(".fallback-note")
    if lang == "fi":
        assert note.count() == 0
    else:
        assert note.evaluate("el => el.closest('[lang]').lang") == lang
    page.goto(site.base + in_lang(lang, "/events/2/"))
    assert closest_lang(page, "Ensimmäinen kappale.") == "fi"


@pytest.mark.parametrize("lang", LANGS)
def test_print_style_hides_navigation_and_shows_link_addresses(
    page: Page, site: Site, lang: str
) -> None:
    page.emulate_media(media="print")
    page.goto(site.base + in_lang(lang, "/events/2/"))
    for selector in (
        ".skip-link",
        ".main-nav",
        ".languages",
        ".site-footer nav",
        ".calendar-links",
    ):
        shown = page.locator(selector).evaluate_all(
            "els => els.filter(el => getComputedStyle(el).display !== 'none').length"
        )
        assert page.locator(selector).count() and shown == 0, selector
    external = page.locator('main a[href="https://example.org/foorumi"]')
    after = external.evaluate("a => getComputedStyle(a, '::after').content")
    assert "https://example.org/foorumi" in after
    page.emulate_media(media="screen")
    assert page.locator(".main-nav").evaluate("el => getComputedStyle(el).display") != "none"
    assert external.evaluate("a => getComputedStyle(a, '::after').content") in ("none", "normal")


CSP_WATCH = """() => {
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation',
    e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


@pytest.mark.parametrize("event_id", [2] + [event_id for _, event_id in STATUS_EVENTS])
def test_the_json_ld_data_block_needs_no_csp_exception(
    browser: Browser, site: Site, event_id: int
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script("(" + CSP_WATCH + ")()")
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        response = page.goto(f"{site.base}/fi/tapahtumat/{event_id}/")
        assert response is not None and response.status == 200
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        block = page.locator('script[type="application/ld+json"]')
        assert block.count() == 1
        data = json.loads(block.text_content() or "")
        assert data["@type"] == "Event" and data["eventStatus"].startswith("https://schema.org/")
        page.wait_for_load_state("load")
        assert page.evaluate("window.cspViolations") == []
        assert not [m for m in console if "Content Security Policy" in m], console
    finally:
        context.close()
