"""The maintainer's review of proposed events, and the removal of proposers' data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from tinydb.table import Table

from . import content
from .models import Event
from .models import now
from .schema import Invalid
from .schema import moment

PERSONAL = ("submitter_name", "submitter_email", "submitted")


class NotPending(LookupError):
    """The event does not exist, or it is no longer waiting for review."""

    def __init__(self, event_id: int, status: str | None) -> None:
        super().__init__(event_id, status)
        self.event_id = event_id
        self.status = status


def pending() -> list[Event]:
    """Proposals waiting for review, oldest proposal first."""
    events = [e for e in content.store()["events"].get() if e.status == "pending"]
    return sorted(events, key=lambda e: (e.submitted or e.starts_at, e.id))


def decide(event_id: int, status: str) -> dict[str, Any]:
    """Publish or reject a pending proposal (under the file's lock); return it."""

    def change(table: Table) -> dict[str, Any]:
        doc = table.get(doc_id=event_id)
        if doc is None or doc.get("status") != "pending":
            raise NotPending(event_id, None if doc is None else str(doc.get("status")))
        table.update({"status": status}, doc_ids=[event_id])
        return dict(doc, status=status)

    return content.store()["events"].write(change)


@dataclass(frozen=True)
class Purged:
    ids: list[int]
    cutoff: datetime


def purge(retention_days: int, at: datetime | None = None) -> Purged:
    """Remove proposers' personal data from events that ended over `retention_days` ago."""
    cutoff = (at or now()) - timedelta(days=retention_days)

    def change(table: Table) -> list[int]:
        ids = [
            doc.doc_id
            for doc in table.all()
            if any(key in doc for key in PERSONAL) and _ended_before(doc, cutoff)
        ]
        if ids:
            table.update(_forget_proposer, doc_ids=ids)
        return sorted(ids)

    return Purged(content.store()["events"].write(change), cutoff)


def _forget_proposer(doc: dict[str, Any]) -> None:
    for key in PERSONAL:
        doc.pop(key, None)


def _ended_before(doc: dict[str, Any], cutoff: datetime) -> bool:
    try:
        start = moment(doc["start"])
        end = moment(doc["end"]) if "end" in doc else None
    except (KeyError, Invalid):
        return False
    event = Event(0, {}, start, {}, {}, {}, "", end=end)
    return event.ends_at < cutoff
