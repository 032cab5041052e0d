"""The only writers of the data: a proposed event, the review of it, the purge of proposers' data.

Each is one change through the store: locked, checked, saved once.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from . import base
from . import current_store
from .fields import MOMENT
from .fields import Invalid
from .models import Event
from .models import ends_at
from .store import Table

log = logging.getLogger(__name__)

PERSONAL = ("submitter_name", "submitter_email", "submitted")


class NotPending(LookupError):
    """The event does not exist, or it is no longer waiting for review."""

    def __init__(self, event_id: int, status: str | None) -> None:
        super().__init__(event_id, status)
        self.event_id = event_id
        self.status = status


def propose(document: dict[str, Any]) -> int:
    """Add a proposed (or, without moderation, published) event to events.json; its id."""

    def insert(table: Table) -> int:
        return table.insert(document)

    event_id = current_store()["events"].write(insert)
    log.info("event %s proposed (%s)", event_id, document["status"])
    return event_id


def pending() -> list[Event]:
    """Proposals waiting for review, oldest proposal first."""
    events = [e for e in current_store()["events"].get() if e.status == "pending"]
    return sorted(events, key=lambda e: (e.submitted or e.starts_at, e.id))


def decide(event_id: int, status: str) -> dict[str, Any]:
    """Publish or reject a pending proposal (under the file's lock); return it."""

    def change(table: Table) -> dict[str, Any]:
        doc = table.get(doc_id=event_id)
        if doc is None or doc.get("status") != "pending":
            raise NotPending(event_id, None if doc is None else str(doc.get("status")))
        table.update({"status": status}, doc_ids=[event_id])
        return dict(doc, status=status)

    return current_store()["events"].write(change)


@dataclass(frozen=True)
class Purged:
    ids: list[int]
    cutoff: datetime


def purge(retention_days: int, at: datetime | None = None) -> Purged:
    """Remove proposers' personal data from events that ended over `retention_days` ago."""
    cutoff = (at or base.now()) - timedelta(days=retention_days)

    def change(table: Table) -> list[int]:
        ids = [
            doc.doc_id
            for doc in table.all()
            if any(key in doc for key in PERSONAL) and _ended_before(doc, cutoff)
        ]
        if ids:
            table.update(_forget_proposer, doc_ids=ids)
        return sorted(ids)

    return Purged(current_store()["events"].write(change), cutoff)


def _forget_proposer(doc: MutableMapping[str, Any]) -> None:
    for key in PERSONAL:
        doc.pop(key, None)


def _ended_before(doc: dict[str, Any], cutoff: datetime) -> bool:
    try:
        start = MOMENT(doc["start"])
        end = MOMENT(doc["end"]) if "end" in doc else None
    except (KeyError, Invalid):
        return False
    return ends_at(start, end) < cutoff
