"""Each event's revision (SEQUENCE, LAST-MODIFIED), kept in the site's instance folder.

Calendars update a subscribed event only when its SEQUENCE grows. The number is kept in
`revisions.json` beside the proposals, never in the maintainer's files: per event id, a
fingerprint of its content, its sequence and when that content was first seen. Every
worker, the CLI and a restarted server read and update it under one lock, so they agree;
a hand edit is a new fingerprint like any other change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from .models import Event
from .store import FileState
from .store import StateFile


@dataclass(frozen=True, slots=True)
class Revision:
    sequence: int
    modified: datetime


class Revisions:
    """`revisions.json`: {id: [fingerprint, sequence, last modified (ISO, UTC)]}."""

    def __init__(self, path: Path, lock_timeout: float = 10.0) -> None:
        self.path = path
        self._file = StateFile(path, _well_formed_only, lock_timeout)
        self._fingerprints: dict[int, tuple[Event, str]] = {}

    def of(self, events: list[Event], seen: datetime) -> dict[int, Revision]:
        """Every event's revision; a changed or new one is recorded (as changed at `seen`)."""
        prints = self._fingerprint(events)
        table = self._file.read()
        if any(_stale(table.get(str(i)), fp) for i, fp in prints.items()):
            with self._file.locked() as table:
                stamp = seen.astimezone(UTC).isoformat(timespec="seconds")
                changed = False
                for event_id, fp in prints.items():
                    entry = table.get(str(event_id))
                    if _stale(entry, fp):
                        sequence = 0 if entry is None else int(entry[1]) + 1
                        table[str(event_id)] = [fp, sequence, stamp]
                        changed = True
                if changed:
                    self._file.write(table)
        return {
            event_id: Revision(int(entry[1]), datetime.fromisoformat(entry[2]))
            for event_id in prints
            if (entry := table.get(str(event_id))) is not None
        }

    def state(self) -> FileState | None:
        """The file's identity: another process changed it when this changes."""
        return FileState.of(self.path)

    def _fingerprint(self, events: list[Event]) -> dict[int, str]:
        """Each event's content fingerprint; an unchanged model (the same object) is not
        hashed again, so a feed of 10,000 events hashes only what changed."""
        known = self._fingerprints
        fresh: dict[int, tuple[Event, str]] = {}
        for event in events:
            found = known.get(id(event))
            if found is None or found[0] is not event:
                found = (event, _content_print(event))
            fresh[id(event)] = found
        self._fingerprints = fresh
        return {event.id: fp for event, fp in fresh.values()}


def _well_formed_only(table: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in table.items() if _well_formed(v)}


def _content_print(event: Event) -> str:
    """What the event says, hashed: the same content gives the same print in every process."""
    return hashlib.blake2b(repr(event).encode(), digest_size=8).hexdigest()


def _stale(entry: list[Any] | None, fingerprint: str) -> bool:
    return entry is None or entry[0] != fingerprint


def _well_formed(entry: Any) -> bool:
    if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[1], int)):
        return False
    try:
        datetime.fromisoformat(entry[2])
    except (TypeError, ValueError):
        return False
    return isinstance(entry[0], str)
