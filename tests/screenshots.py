"""Screenshots of every page, in each language, wide and narrow, for a person to look at.

    python -m tests.screenshots      # or: make screenshots

The site runs as the browser tests run it: a real gunicorn on 127.0.0.1 serving a copy of
the test data, seen through Debian's Chromium. The pictures go to tests/artifacts/ (not in
git), one per page kind, language and width, e.g. front-fi-375.png; nothing is checked.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from tests.browser import ARTIFACTS
from tests.browser import LANGS
from tests.browser import launch
from tests.browser import submit_empty_form
from tests.browser import visits
from tests.live import gunicorn

FIXTURES = Path(__file__).resolve().parent / "data"
WIDTHS = (1280, 375)
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}


def shoot(browser: Browser, base: str, lang: str, width: int) -> list[Path]:
    """Every kind of page in `lang` at `width` pixels, and the form after an empty submit."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=LOCALES[lang])
    written = []
    try:
        page = context.new_page()
        for visit in visits(lang):
            response = page.goto(base + visit.path)
            if response is None or response.status != visit.status:
                status = response and response.status
                raise RuntimeError(f"{visit.path}: status {status}, not {visit.status}")
            written.append(save(page, f"{visit.kind}-{lang}-{width}.png"))
            if visit.kind == "form":
                submit_empty_form(page)
                written.append(save(page, f"form-errors-{lang}-{width}.png"))
    finally:
        context.close()
    return written


def save(page: Page, name: str) -> Path:
    target = ARTIFACTS / name
    page.screenshot(path=str(target), full_page=True)
    return target


def main() -> int:
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kehto-screenshots-") as folder:
        data_dir, instance_dir = Path(folder) / "data", Path(folder) / "instance"
        shutil.copytree(FIXTURES, data_dir)
        shutil.copytree(FIXTURES.parent / "instance", instance_dir)
        env = {"KEHTO_RATE_LIMIT": "[1000, 60]"}
        try:
            with gunicorn(data_dir, instance_dir, env=env) as base, sync_playwright() as pw:
                browser = launch(pw)
                try:
                    written = [
                        path for lang in LANGS for width in WIDTHS
                        for path in shoot(browser, base, lang, width)
                    ]  # fmt: skip
                finally:
                    browser.close()
        except Exception:
            for log in instance_dir.glob("gunicorn-*.log"):  # gone with the folder: show it
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
    for path in written:
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    print(f"{len(written)} screenshots in {ARTIFACTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
