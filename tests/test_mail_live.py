"""Mail under a real gunicorn with two workers: a slow mail server never slows the form, no
mail goes twice; a person in a real browser passes the spam rules a script fails."""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

from tests.browser import fill_valid_proposal
from tests.browser import launch
from tests.conftest import FIXTURES
from tests.conftest import INSTANCE_FIXTURES
from tests.helpers import proposals_on_disk
from tests.live import free_port
from tests.live import gunicorn
from tests.mailbox import smtp_server

pytestmark = pytest.mark.slow


def mail_env(port: int, **more: str) -> dict[str, str]:
    return {
        "KEHTO_MAIL_SERVER": "127.0.0.1",
        "KEHTO_MAIL_PORT": str(port),
        "KEHTO_MAIL_SECURITY": "none",
        "KEHTO_MAIL_SENDER": "noreply@kehto.example.fi",
        "KEHTO_MODERATORS": '["moderaattori@example.fi"]',
        "KEHTO_SITE_URL": "https://kehto.example.fi",
        "KEHTO_RATE_LIMIT": "[1000, 60]",
        **more,
    }


def fields(session: requests.Session, base: str, title: str) -> dict[str, str]:
    form = session.get(f"{base}/fi/tapahtumat/uusi/", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', form).group(1)
    return {
        "csrf_token": token, "started": started, "title": title,
        "start_date": (date.today() + timedelta(days=20)).isoformat(), "location": "Lahti",
        "description": "Kuvaus.", "organiser": "Lahti", "submitter_name": "Maija",
        "submitter_email": "maija@example.org", "consent": "y", "website": "",
    }  # fmt: skip


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    data_dir, instance_dir = tmp_path / "data", tmp_path / "instance"
    shutil.copytree(FIXTURES, data_dir)
    shutil.copytree(INSTANCE_FIXTURES, instance_dir)
    return data_dir, instance_dir


def test_a_slow_mail_server_never_slows_the_form_and_no_mail_goes_twice(folders):
    data_dir, instance_dir = folders
    with smtp_server(delay=2.0) as (mailbox, port):
        env = mail_env(port, KEHTO_MAIL_GATHER_SECONDS="1")
        with gunicorn(data_dir, instance_dir, workers=2, env=env) as base:
            took = []
            with requests.Session() as session:
                for number in range(6):
                    data = fields(session, base, f"Hidas palvelin {number}")
                    started = time.perf_counter()
                    answer = session.post(f"{base}/fi/tapahtumat/uusi/", data=data,
                                          allow_redirects=False, timeout=10)  # fmt: skip
                    took.append(time.perf_counter() - started)
                    assert answer.status_code == 303
            assert max(took) < 1.0, f"the form waited for the mail server: {took}"
            ids = {int(i) for i, p in proposals_on_disk(instance_dir).items()
                   if p["title"].startswith("Hidas palvelin")}  # fmt: skip
            deadline = time.monotonic() + 40
            mentioned: list[int] = []
            while time.monotonic() < deadline and sorted(set(mentioned)) != sorted(ids):
                time.sleep(0.2)
                mentioned = [int(n) for r in list(mailbox.received)
                             for n in re.findall(r"^Ehdotus (\d+):", r.body, re.M)]  # fmt: skip
            assert sorted(mentioned) == sorted(ids), "every proposal told once, none twice"
            assert len(mailbox.received) < len(ids), "proposals in quick succession are gathered"


def test_with_the_mail_server_down_the_form_is_as_quick(folders):
    data_dir, instance_dir = folders
    env = mail_env(free_port())
    with (
        gunicorn(data_dir, instance_dir, workers=2, env=env) as base,
        requests.Session() as session,
    ):
        for number in range(3):
            data = fields(session, base, f"Alhaalla {number}")
            started = time.perf_counter()
            answer = session.post(f"{base}/fi/tapahtumat/uusi/", data=data,
                                  allow_redirects=False, timeout=10)  # fmt: skip
            assert answer.status_code == 303
            assert time.perf_counter() - started < 1.0
    waiting = list((instance_dir / "outbox").glob("m*.json"))
    assert waiting, "the notification waits in the outbox for the next try"


@pytest.mark.browser
def test_a_person_in_a_browser_passes_the_spam_rules_that_stop_a_script(folders):
    data_dir, instance_dir = folders
    with smtp_server() as (mailbox, port):
        env = mail_env(port, KEHTO_MIN_FILL_SECONDS="3")
        with gunicorn(data_dir, instance_dir, workers=2, env=env) as base:
            with requests.Session() as session:  # a script: posts the moment it has the form
                data = fields(session, base, "Skriptin ehdotus")
                answer = session.post(f"{base}/fi/tapahtumat/uusi/", data=data, timeout=10)
                assert answer.status_code == 200 and "Kiitos ehdotuksestasi" in answer.text
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    page = browser.new_page()
                    page.goto(f"{base}/fi/tapahtumat/uusi/")
                    loaded = time.monotonic()
                    fill_valid_proposal(page, "Ihmisen ehdotus")
                    time.sleep(max(0.0, 3.5 - (time.monotonic() - loaded)))  # a person's pace
                    with page.expect_navigation():
                        page.locator("form.event-form button[type=submit]").click()
                    assert "Kiitos ehdotuksestasi" in page.content()
                finally:
                    browser.close()
            titles = [p["title"] for p in proposals_on_disk(instance_dir).values()]
            assert "Ihmisen ehdotus" in titles and "Skriptin ehdotus" not in titles
            (mail,) = mailbox.wait(1)
            assert "Ihmisen ehdotus" in mail.subject
