"""The cost of proposing an event: the store's write alone, and the form's POST over HTTP."""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

import requests

from kehto_app.content.kinds import EVENTS
from kehto_app.content.store import Collection
from kehto_app.content.store import dump
from kehto_app.content.validation import Validator

from . import data

WRITES = 20


def proposal(number: int) -> dict:
    doc = data.event(number, date.today() + timedelta(days=30), data.random.Random(number))
    person = {"submitter_name": "Maija Meikäläinen", "submitter_email": "maija@example.org"}
    return doc | person | {"status": "pending", "submitted": "2026-11-01T10:00:00+02:00"}


def replace_events(folder: Path, count: int) -> None:
    """events.json with `count` events, swapped in atomically (the site is reading it)."""
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(dump(data.events(count)))
    os.replace(tmp, folder / "events.json")


def store_writes(folder: Path, count: int) -> list[float]:
    """Milliseconds per insert through Collection.write, in one process."""
    replace_events(folder, count)
    events = Collection(folder / "events.json", Validator(EVENTS))
    took = []
    for number in range(WRITES):
        doc = proposal(count + number)
        started = time.perf_counter()
        events.write(lambda table, doc=doc: table.insert(doc))
        took.append((time.perf_counter() - started) * 1000)
    return took


def http_posts(base: str, folder: Path, count: int) -> list[float]:
    """Milliseconds per form POST (CSRF token and session from a GET of the form first)."""
    replace_events(folder, count)
    took = []
    with requests.Session() as session:
        form = session.get(f"{base}/fi/events/new/", timeout=60).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        start = (date.today() + timedelta(days=40)).isoformat()
        fields = {
            "csrf_token": token, "title": "Vertailutilaisuus", "start_date": start,
            "start_time": "09:30", "location": "Lahti", "description": "Mittaus.",
            "organiser": "KEHTO-foorumi", "submitter_name": "Maija Meikäläinen",
            "submitter_email": "maija@example.org", "consent": "y", "website": "",
        }  # fmt: skip
        for _ in range(WRITES):
            started = time.perf_counter()
            answer = session.post(
                f"{base}/fi/events/new/", data=fields, allow_redirects=False, timeout=60
            )
            took.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 303:
                raise RuntimeError(f"the proposal was answered {answer.status_code}")
    return took


def percentiles(took: list[float]) -> tuple[float, float]:
    ordered = sorted(took)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99
