"""Debian's Chromium under Playwright, axe-core, and the pages every browser test visits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import Playwright

from tests.helpers import in_lang

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
"""The WCAG A/AA levels the site conforms to; axe_violations runs every rule beyond them too."""
EVERY_RULE = "() => axe.getRules().map(rule => rule.ruleId)"
"""All of axe-core's rules. `axe.run()` alone leaves out the experimental and deprecated ones
(css-orientation-lock, p-as-heading, td-has-header, duplicate-id,
landmark-complementary-is-top-level, ...) and those off by default: AAA's
color-contrast-enhanced, identical-links-same-purpose, meta-refresh-no-exceptions, and
target-size (WCAG 2.2 AA). None of them is left off here."""
LANGS = ("fi", "sv", "en")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


STATUS_EVENTS = [
    ("cancelled-hybrid", 70),
    ("postponed-in-person", 71),
    ("rescheduled-online", 72),
    ("scheduled-hybrid", 73),
]
"""An event of each status and attendance mode in tests/data/events.json (2: scheduled, in person)."""


@dataclass(frozen=True)
class Visit:
    """A kind of page and the path that shows it in one language."""

    kind: str
    path: str
    status: int = 200


def visits(lang: str) -> list[Visit]:
    """Every kind of page a visitor can reach by GET, in one language."""
    return [
        Visit("front", f"/{lang}/"),
        Visit("content", f"/{lang}/vain-suomeksi/"),
        Visit("statement", f"/{lang}/saavutettavuusseloste/"),
        Visit("privacy", f"/{lang}/tietosuojaseloste/"),
        Visit("contacts", in_lang(lang, "/contacts/")),
        Visit("events", in_lang(lang, "/events/")),
        Visit("past-events", in_lang(lang, "/events/past/")),
        Visit("event", in_lang(lang, "/events/2/")),
        *(
            Visit(f"event-{kind}", in_lang(lang, f"/events/{event_id}/"))
            for kind, event_id in STATUS_EVENTS
        ),
        Visit("past-year", in_lang(lang, "/events/past/2012/")),
        Visit("subscribe", in_lang(lang, "/events/subscribe/")),
        Visit("news", in_lang(lang, "/news/")),
        Visit("news-item", in_lang(lang, "/news/1/")),
        Visit("search", in_lang(lang, "/search/?q=foorumi")),
        Visit("search-nothing", in_lang(lang, "/search/?q=xyzzy")),
        Visit("form", in_lang(lang, "/events/new/")),
        Visit("thanks", in_lang(lang, "/events/new/thanks/")),
        Visit("404", f"/{lang}/no-such-page/", 404),
    ]


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of any of its rules (EVERY_RULE) on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through DevTools, so the site's CSP (no inline script) stays as it is.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    rules = page.evaluate(EVERY_RULE)
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']})",
        rules,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "wcag": bool(set(v["tags"]) & set(AXE_TAGS)),
            "targets": [json.dumps(node["target"]) for node in v["nodes"]],
        }
        for v in result["violations"]
    ]


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    """One line per violation: the page, the rule id, what it means, and the targets."""
    return "\n".join(
        f"{url}: {v['id']} ({v['impact']}): {v['help']}: {', '.join(v['targets'])}"
        for v in violations
    )


def submit_empty_form(page: Page) -> None:
    """Send the proposal form with nothing filled in, as a hurried visitor would."""
    with page.expect_navigation():
        page.locator("form.event-form button[type=submit]").click()


def fill_valid_proposal(page: Page, title: str) -> None:
    """Fill in the proposal form as a careful visitor would, using the keyboard-friendly fields."""
    page.fill("#title", title)
    page.fill("#start_date", (date.today() + timedelta(days=30)).isoformat())
    page.fill("#location", "Kuntatalo, Helsinki")
    page.fill("#description", "Ensimmäinen kappale.\n\nToinen kappale.")
    page.fill("#organiser", "Kuntaliitto")
    page.fill("#submitter_name", "Testi Ehdottaja")
    page.fill("#submitter_email", "testi@example.org")
    page.check("#consent")
