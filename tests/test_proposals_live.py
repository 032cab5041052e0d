"""Proposals against a real gunicorn with several worker processes on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.helpers import proposals_on_disk
from tests.live import gunicorn
from tests.test_proposals import csrf_token
from tests.test_proposals import valid_form

pytestmark = pytest.mark.slow

FORM = "/fi/tapahtumat/uusi/"


def propose(base: str, title: str, session: requests.Session | None = None) -> int:
    """What a browser without JavaScript does: load the form, send it; the answer's status."""
    session = session or requests.Session()
    page = session.get(base + FORM, timeout=30)
    assert page.status_code == 200
    data = valid_form(title=title, csrf_token=csrf_token(page.text))
    answer = session.post(base + FORM, data=data, allow_redirects=False, timeout=60)
    return answer.status_code


def pending_titles(instance_dir: Path) -> list[str]:
    return [e["title"] for e in proposals_on_disk(instance_dir).values() if e["state"] == "pending"]


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate ids: {keys}"
    return dict(pairs)


def test_the_rate_limit_holds_across_all_workers(data_dir, instance_dir):
    env = {"KEHTO_RATE_LIMIT": "[5, 600]"}
    with gunicorn(data_dir, instance_dir, workers=4, env=env) as base:
        answers = [propose(base, f"Rajoitettu {n}") for n in range(12)]
        refused = requests.post(base + "/sv/evenemang/ny/", data={}, timeout=30)
        assert refused.status_code == 400  # no CSRF token: refused before counting
        session = requests.Session()
        session.get(base + "/sv/evenemang/ny/", timeout=30)
        last = session.post(
            base + "/sv/evenemang/ny/",
            data=valid_form(csrf_token=csrf_token(session.get(base + "/sv/evenemang/ny/").text)),
            allow_redirects=False,
            timeout=30,
        )
        token = csrf_token(session.get(base + "/sv/evenemang/ny/", timeout=30).text)
        big = valid_form(csrf_token=token, description="a" * 1024 * 1024)
        too_big = session.post(base + "/sv/evenemang/ny/", data=big, timeout=30)
    assert Counter(answers) == {303: 5, 429: 7}
    assert answers[:5] == [303] * 5
    assert last.status_code == 429
    assert too_big.status_code == 413 and 'lang="sv"' in too_big.text
    assert 'lang="sv"' in last.text and "Liian monta lähetystä" not in last.text
    assert sorted(t for t in pending_titles(instance_dir) if t.startswith("Rajoitettu")) == [
        f"Rajoitettu {n}" for n in range(5)
    ]
    stored = (instance_dir / "ratelimit.sqlite3").read_bytes()
    assert b"127.0.0.1" not in stored


def test_200_concurrent_proposals_through_4_workers_are_all_kept(data_dir, instance_dir):
    env = {"KEHTO_RATE_LIMIT": "[1000, 600]"}
    before = pending_titles(instance_dir)
    answers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def proposer(thread: int) -> None:
        session = requests.Session()
        try:
            for n in range(10):
                status = propose(base, f"Rinnakkain {thread}-{n}", session)
                with lock:
                    answers.append(status)
        except BaseException as exc:  # reported below, in the test's thread
            with lock:
                errors.append(exc)

    with gunicorn(data_dir, instance_dir, workers=4, env=env) as base:
        threads = [threading.Thread(target=proposer, args=(t,)) for t in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(thread.is_alive() for thread in threads)
        health = requests.get(base + "/healthz", timeout=30)

    assert not errors, errors[:3]
    assert len(answers) == 200
    assert set(answers) <= {303, 503}
    raw = (instance_dir / "proposals.json").read_text(encoding="utf-8")
    json.loads(raw, object_pairs_hook=no_duplicate_keys)
    titles = [t for t in pending_titles(instance_dir) if t not in before]
    assert len(titles) == answers.count(303)
    assert len(set(titles)) == len(titles)
    assert answers.count(303) >= 100
    assert health.status_code == 200
