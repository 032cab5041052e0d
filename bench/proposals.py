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
from kehto_app.content.kinds import PROPOSALS
from kehto_app.content.store import EMPTY
from kehto_app.content.store import Collection
from kehto_app.content.store import Document
from kehto_app.content.store import IdLedger
from kehto_app.content.store import Table
from kehto_app.content.store import dump
from kehto_app.content.validation import Validator

from . import data

WRITES = 20


def proposal(number: int) -> dict:
    doc = data.event(number, date.today() + timedelta(days=30), data.random.Random(number))
    doc.pop("status", None)
    person = {"submitter_name": "Maija Meikäläinen", "submitter_email": "maija@example.org"}
    return doc | person | {"state": "pending", "submitted": "2026-11-01T10:00:00+02:00"}


def open_store(folder: Path) -> tuple[Collection, Collection]:
    """events.json in `folder` and the proposals file in `folder/instance`, ids shared."""
    instance = folder / "instance"
    instance.mkdir(exist_ok=True)
    ids = IdLedger(instance / "ids.json")
    events = Collection(folder / "events.json", Validator(EVENTS), ids=ids)
    proposals = Collection(instance / "proposals.json", Validator(PROPOSALS), ids=ids, mode=0o600)
    if not proposals.path.exists():
        proposals.create(EMPTY, mode=0o600)
    return events, proposals


def propose(events: Collection, proposals: Collection, doc: dict) -> None:
    """What the form's writer does: a new id above all ever given, one save of the proposals."""
    in_use = {e.id for e in events.get()}

    def insert(table: Table) -> int:
        new = proposals.next_id(in_use | {d.doc_id for d in table.all()})
        return table.insert(Document(doc, doc_id=new))

    proposals.write(insert)


def replace_events(folder: Path, count: int) -> None:
    """events.json with `count` events, swapped in atomically (the site is reading it)."""
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(dump(data.events(count)))
    os.replace(tmp, folder / "events.json")


def store_writes(folder: Path, count: int) -> list[float]:
    """Milliseconds per insert through Collection.write, in one process."""
    replace_events(folder, count)
    events, proposals = open_store(folder)
    took = []
    for number in range(WRITES):
        doc = proposal(count + number)
        started = time.perf_counter()
        propose(events, proposals, doc)
        took.append((time.perf_counter() - started) * 1000)
    return took


def http_posts(base: str, folder: Path, count: int) -> list[float]:
    """Milliseconds per form POST (CSRF token and session from a GET of the form first)."""
    replace_events(folder, count)
    with Poster(base) as poster:
        return [poster.post() for _ in range(WRITES)]


class Poster:
    """A person's session with the form: its CSRF token from a GET of the form, then POSTs."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/fi/tapahtumat/uusi/"
        self.session = requests.Session()
        form = self.session.get(self.url, timeout=60).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        start = (date.today() + timedelta(days=40)).isoformat()
        self.fields = {
            "csrf_token": token, "title": "Vertailutilaisuus", "start_date": start,
            "start_time": "09:30", "location": "Lahti", "description": "Mittaus.",
            "organiser": "KEHTO-foorumi", "submitter_name": "Maija Meikäläinen",
            "submitter_email": "maija@example.org", "consent": "y", "website": "",
        }  # fmt: skip

    def post(self) -> float:
        """One proposal; the milliseconds until its answer."""
        started = time.perf_counter()
        answer = self.session.post(self.url, data=self.fields, allow_redirects=False, timeout=60)
        took = (time.perf_counter() - started) * 1000
        if answer.status_code != 303:
            raise RuntimeError(f"the proposal was answered {answer.status_code}")
        return took

    def __enter__(self) -> Poster:
        return self

    def __exit__(self, *_: object) -> None:
        self.session.close()


def percentiles(took: list[float]) -> tuple[float, float]:
    ordered = sorted(took)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99
