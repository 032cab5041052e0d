"""What the views ask of the data: pages, contacts, events and jobs, as of now."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Generic
from typing import TypeVar

from werkzeug.exceptions import NotFound

from . import base
from . import current_store
from .base import HELSINKI
from .models import Contact
from .models import Event
from .models import Job
from .models import Page

T = TypeVar("T")


def _by_slug(docs: list[Page]) -> dict[str, Page]:
    return {p.slug: p for p in docs}


def pages() -> dict[str, Page]:
    return current_store()["pages"].derive(_by_slug)


def page(slug: str) -> Page:
    found = pages().get(slug)
    if found is None:
        raise NotFound()
    return found


def contacts() -> list[Contact]:
    return current_store()["contacts"].get()


def _published(events: list[Event]) -> tuple[list[Event], list[float]]:
    ordered = sorted((e for e in events if e.published), key=lambda e: (e.ends_at, e.id))
    return ordered, [e.ends_at.timestamp() for e in ordered]


def _by_id(events: list[Event]) -> dict[int, Event]:
    return {e.id: e for e in events}


def published_events() -> list[Event]:
    return current_store()["events"].derive(_published)[0]


def event_ends() -> list[float]:
    """When each published event ends (timestamps, in order): the clock's effect on pages."""
    return current_store()["events"].derive(_published)[1]


def _split_memo(events: list[Event]) -> dict[tuple[str, int], list[Event]]:
    return {}


def _split(kind: str) -> list[Event]:
    """Upcoming or past events, sorted once per data version and per event that ends."""
    events = current_store()["events"]
    ordered, ends = events.derive(_published)
    first = bisect.bisect_right(ends, base.now().timestamp())
    memo = events.derive(_split_memo)
    found = memo.get((kind, first))
    if found is None:
        if kind == "upcoming":
            found = sorted(ordered[first:], key=lambda e: (e.starts_at, e.id))
        else:
            found = ordered[:first][::-1]
        if len(memo) >= 4:
            memo.clear()
        memo[(kind, first)] = found
    return found


def upcoming_events() -> list[Event]:
    """Published events not yet over, soonest first."""
    return _split("upcoming")


def past_events() -> list[Event]:
    """Published events that are over, newest first."""
    return _split("past")


def next_change() -> datetime:
    """When the clock next changes a page: the next published event ends, or midnight."""
    at = base.now()
    midnight = datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=HELSINKI)
    ends = event_ends()
    first = bisect.bisect_right(ends, at.timestamp())
    if first < len(ends):
        return min(midnight, datetime.fromtimestamp(ends[first], HELSINKI))
    return midnight


def event(event_id: int) -> Event:
    found = current_store()["events"].derive(_by_id).get(event_id)
    if found is None or not found.published:
        raise NotFound()
    return found


def events_modified() -> datetime:
    return current_store()["events"].modified


def open_jobs() -> list[Job]:
    today = base.now().date()
    return sorted(
        (j for j in current_store()["jobs"].get() if j.open_on(today)), key=lambda j: j.deadline
    )


@dataclass(frozen=True)
class Pagination(Generic[T]):
    items: list[T]
    page: int
    pages: int

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def paginate(items: list[T], page: int, per_page: int) -> Pagination[T]:
    pages = max(1, -(-len(items) // per_page))
    if not 1 <= page <= pages:
        raise NotFound()
    start = (page - 1) * per_page
    return Pagination(items[start : start + per_page], page, pages)
