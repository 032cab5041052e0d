"""The only writers: a proposal, the review of it, the purge of proposers' data, a restore.

The maintainer's files in data/ are written only by the maintainer's commands (approve,
reject, restore, purge) or, without moderation, by the approval the site makes itself.
Proposals go to the site's own file in the instance folder, so a stale editor save of
events.json can never drop one, and data/ never holds anyone's email address. Each write
is one change through the store: locked, checked, saved once.

`proposal_received` and `proposal_decided` are sent (the app is the sender) once a change
is saved, so the mail can tell the moderators and the proposer: the data knows of no mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import click
import orjson
from blinker import Namespace
from flask import Flask
from flask import current_app

from . import base
from . import current_store
from .fields import MOMENT
from .fields import Invalid
from .models import Proposal
from .models import ends_at
from .store import TABLE
from .store import Collection
from .store import Document
from .store import StoreError
from .store import Table
from .store import read_raw

log = logging.getLogger(__name__)

signals = Namespace()
proposal_received = signals.signal("proposal-received")
"""A proposal was saved; receivers get `proposal_id` and `document`."""
proposal_decided = signals.signal("proposal-decided")
"""A proposal was approved or rejected; receivers get `proposal_id` and `document`."""

PERSONAL = ("submitter_name", "submitter_email", "submitted")
"""What the purge removes: the proposer's contact details, and when they proposed."""
PROPOSAL_ONLY = ("state", "submitted", "decided", "reason", *PERSONAL)
"""What a published event does not carry over from its proposal."""
DECIDABLE = {"approved": ("pending", "rejected"), "rejected": ("pending",)}
"""From which states a proposal can be approved or rejected."""


class NotPending(LookupError):
    """The proposal does not exist, or it can't be decided that way any more."""

    def __init__(self, proposal_id: int, state: str | None) -> None:
        super().__init__(proposal_id, state)
        self.proposal_id = proposal_id
        self.state = state


def author() -> str:
    """Who writes: a maintainer's command, or the site."""
    return "command" if click.get_current_context(silent=True) is not None else "site"


def propose(document: dict[str, Any]) -> int:
    """Keep a proposed event in the proposals file; without moderation, publish it. Its id."""
    store = current_store()
    proposals = store["proposals"]
    in_use = {e.id for e in store["events"].get()}

    def insert(table: Table) -> int:
        new = proposals.next_id(in_use | {doc.doc_id for doc in table.all()})
        return table.insert(Document(document, doc_id=new))

    proposal_id = proposals.write(insert)
    log.info("proposal %s received", proposal_id)
    proposal_received.send(_app(), proposal_id=proposal_id, document=document)
    return proposal_id


def _app() -> Flask:
    """The app itself (the signals' sender), not the proxy to it."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def proposals() -> list[Proposal]:
    """Every proposal in the proposals file, in the file's order."""
    return list(current_store()["proposals"].get())


def pending() -> list[Proposal]:
    """Proposals waiting for review, oldest proposal first."""
    waiting = (p for p in proposals() if p.state == "pending")
    return sorted(waiting, key=lambda p: (p.submitted or p.starts_at, p.id))


def proposal(proposal_id: int) -> Proposal | None:
    return next((p for p in current_store()["proposals"].get() if p.id == proposal_id), None)


def decide(
    proposal_id: int, state: str, reason: str | None = None, *, only_from: str | None = None
) -> dict[str, Any]:
    """Approve (publish in events.json, with the same id) or reject a proposal; return it.

    Approving copies the event without the proposer's personal data. A rejected proposal
    can still be approved, unless `only_from` names the one state it must still be in (a
    review link is bound to the state it was made for).
    """
    store = current_store()
    events: Collection[Any] = store["events"]
    who = author()

    def change(table: Table) -> dict[str, Any]:
        doc = table.get(doc_id=proposal_id)
        allowed = DECIDABLE[state] if only_from is None else {only_from} & set(DECIDABLE[state])
        if doc is None or doc.get("state") not in allowed:
            raise NotPending(proposal_id, None if doc is None else str(doc.get("state")))
        if state == "approved":
            publish(proposal_id, dict(doc), events, who)
        decided = {"state": state, "decided": base.now().isoformat(timespec="seconds")}
        if reason:
            decided["reason"] = reason
        table.update(decided, doc_ids=[proposal_id])
        return dict(doc, **decided)

    document = store["proposals"].write(change, author=who)
    log.info("proposal %s %s", proposal_id, state)
    proposal_decided.send(_app(), proposal_id=proposal_id, document=document)
    return document


def publish(event_id: int, proposal: dict[str, Any], events: Collection[Any], who: str) -> None:
    """Add the proposed event to events.json under its proposal's id."""
    public = {k: v for k, v in proposal.items() if k not in PROPOSAL_ONLY}

    def insert(table: Table) -> None:
        existing = table.get(doc_id=event_id)
        if existing is not None:
            if {k: v for k, v in existing.items() if k != "status"} == public:
                return  # published before (a decision whose second save failed)
            raise StoreError(
                f"events.json already has a different event {event_id}; nothing changed"
            )
        table.insert(Document(public, doc_id=event_id))

    events.write(insert, author=who)


@dataclass(frozen=True)
class Purged:
    ids: list[int]
    cutoff: datetime
    copies: int


def purge(retention_days: int, at: datetime | None = None) -> Purged:
    """Remove proposers' personal data from proposals whose event ended over
    `retention_days` ago, and from every copy of the files the site keeps."""
    cutoff = (at or base.now()) - timedelta(days=retention_days)
    store = current_store()
    proposals: Collection[Any] = store["proposals"]
    forgotten: set[str] = set()

    def change(table: Table) -> list[int]:
        ids = [
            doc.doc_id
            for doc in table.all()
            if any(key in doc for key in PERSONAL) and _ended_before(doc, cutoff)
        ]
        for doc in table.all():
            if doc.doc_id in ids:
                forgotten.update(str(doc[key]) for key in PERSONAL if key in doc)
        if ids:
            table.update(_forget_proposer, doc_ids=ids)
        return sorted(ids)

    ids = proposals.write(change, author=author())
    copies = proposals.scrub(lambda data: _scrubbed(data, forgotten, ids))
    return Purged(ids, cutoff, copies + _scrub_maintainers_copies())


def _scrub_maintainers_copies() -> int:
    """No copy of the maintainer's files keeps a proposer's data (from an earlier version)."""
    store = current_store()
    copies = 0
    for name, collection in store.collections.items():
        if name != "proposals":
            copies += collection.scrub(lambda data: _scrubbed(data, set(), None))
    return copies


@dataclass(frozen=True)
class Migrated:
    moved: list[int]
    stripped: list[int]


def migrate() -> Migrated:
    """Move proposals and proposers' data out of an events.json of an earlier version.

    Pending and rejected events move to the proposals file (same id); a published event
    keeps its place but loses the proposer's data, which stays with an approved proposal
    until the purge. The proposals are saved first, so a failure loses nothing, and a
    second run finds nothing more to do.
    """
    store = current_store()
    events: Collection[Any] = store["events"]
    proposals: Collection[Any] = store["proposals"]
    raw, problems = read_raw(events.path)
    if raw is None:
        raise StoreError("; ".join(map(str, problems)))
    table = raw.get(TABLE) if isinstance(raw, dict) else None
    found = {
        int(key): doc
        for key, doc in (table.items() if isinstance(table, dict) else [])
        if key.isdigit() and isinstance(doc, dict) and _earlier(doc)
    }
    if not found:
        return Migrated([], [])
    who = author()

    def keep(table: Table) -> None:
        for doc_id, doc in found.items():
            if table.get(doc_id=doc_id) is None:
                table.insert(Document(_as_proposal(doc), doc_id=doc_id))

    proposals.write(keep, author=who)
    moved = [i for i, doc in found.items() if doc.get("status") in ("pending", "rejected")]

    def strip(table: Table) -> None:
        table.remove(doc_ids=[i for i in moved if table.get(doc_id=i) is not None])
        for doc_id in found.keys() - set(moved):
            if table.get(doc_id=doc_id) is not None:
                table.update(_forget_legacy, doc_ids=[doc_id])

    events.write(strip, author=who)
    _scrub_maintainers_copies()
    return Migrated(sorted(moved), sorted(found.keys() - set(moved)))


PERSONAL_FIELDS = dict.fromkeys(PERSONAL)


def _earlier(doc: dict[str, Any]) -> bool:
    return doc.get("status") in ("pending", "rejected") or any(k in doc for k in PERSONAL_FIELDS)


def _as_proposal(doc: dict[str, Any]) -> dict[str, Any]:
    status = doc.get("status", "published")
    state = {"pending": "pending", "rejected": "rejected"}.get(status, "approved")
    proposal = {k: v for k, v in doc.items() if k != "status"}
    proposal["state"] = state
    return proposal


def _forget_legacy(doc: MutableMapping[str, Any]) -> None:
    for key in PERSONAL_FIELDS:
        doc.pop(key, None)


def _forget_proposer(doc: MutableMapping[str, Any]) -> None:
    for key in PERSONAL:
        doc.pop(key, None)


def _scrubbed(data: bytes, forgotten: set[str], ids: Iterable[int] | None) -> bytes | None:
    """A copy without the proposers' data: `ids`' (or, for ids None, everyone's).

    A copy that can't be parsed but holds a forgotten value is deleted (None).
    """
    try:
        raw = orjson.loads(data)
        table = raw[TABLE]
        assert isinstance(table, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        text = data.decode("utf-8", "replace")
        return None if any(value in text for value in forgotten) else data
    wanted = None if ids is None else {str(i) for i in ids}
    changed = False
    for key, doc in table.items():
        if isinstance(doc, dict) and (wanted is None or key in wanted):
            for field in PERSONAL:
                if field in doc:
                    del doc[field]
                    changed = True
    if not changed:
        return data
    return orjson.dumps(raw, option=orjson.OPT_INDENT_2) + b"\n"


def _ended_before(doc: dict[str, Any], cutoff: datetime) -> bool:
    try:
        start = MOMENT(doc["start"])
        end = MOMENT(doc["end"]) if "end" in doc else None
    except (KeyError, Invalid):
        return False
    return ends_at(start, end) < cutoff


class NoSuchEvent(LookupError):
    """events.json has no event with that id."""


@dataclass(frozen=True)
class Rescheduled:
    """What a status change wrote: the event as it is now, and what it was before."""

    event_id: int
    before: dict[str, Any]
    after: dict[str, Any]


def set_event_status(
    event_id: int, status: str, start: str | None = None, end: str | None = None
) -> Rescheduled:
    """Mark an event in events.json cancelled or postponed, or move it to a new time.

    Rescheduling keeps the start it had until now as `previous_start` and, without a new
    end, keeps the event's length. The change is checked like a hand edit: a bad date, or
    an end before the start, is refused with the usual message.
    """
    if start is not None:
        _parse_moment("start", start)
    if end is not None:
        _parse_moment("end", end)

    def change(table: Table) -> Rescheduled:
        doc = table.get(doc_id=event_id)
        if doc is None:
            raise NoSuchEvent(event_id)
        before = dict(doc)
        after = dict(doc, event_status=status)
        if status == "rescheduled" and start is not None:
            after["previous_start"] = doc["start"]
            after["start"] = start
            new_end = end if end is not None else _same_length(doc, start)
            if new_end is None:
                after.pop("end", None)
            else:
                after["end"] = new_end
        if status == "scheduled":
            after.pop("event_status", None)
        if after != before:

            def replace(stored: MutableMapping[str, Any]) -> None:
                stored.clear()
                stored.update(after)

            table.update(replace, doc_ids=[event_id])
        return Rescheduled(event_id, before, after)

    return current_store()["events"].write(change, author=author())


def _parse_moment(name: str, value: str) -> date | datetime:
    try:
        parsed: date | datetime = MOMENT(value)
    except Invalid as exc:
        raise StoreError(f"{name}: {exc}") from None
    return parsed


def _same_length(doc: dict[str, Any], start: str) -> str | None:
    """The end that keeps the event as long as it was, in the new start's form."""
    if "end" not in doc:
        return None
    old_start, old_end, new_start = MOMENT(doc["start"]), MOMENT(doc["end"]), MOMENT(start)
    if isinstance(old_start, datetime) != isinstance(new_start, datetime):
        return None
    if isinstance(old_end, datetime) != isinstance(old_start, datetime):
        return None
    moved = new_start + (old_end - old_start)
    if isinstance(moved, datetime):
        return moved.strftime("%Y-%m-%dT%H:%M")
    return moved.isoformat()
