"""What the views ask of the data: pages, contacts, events and jobs, as of now."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Generic
from typing import TypeVar

from werkzeug.exceptions import NotFound

from . import base
from . import current_revisions
from . import current_store
from .base import HELSINKI
from .models import Contact
from .models import Event
from .models import Job
from .models import News
from .models import Page
from .models import SiteTexts
from .revisions import Revision

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


def _by_address(docs: list[Page]) -> dict[str, Page]:
    """Each page by any of its addresses (its slug, and its Swedish and English ones)."""
    found: dict[str, Page] = {}
    for p in sorted(docs, key=lambda p: p.id):
        for slug in (p.slug, *(p.slugs or {}).values()):
            found.setdefault(slug, p)
    return found


def page_at(slug: str) -> Page:
    """The page that any of its addresses names, in any language; else a 404."""
    found = current_store()["pages"].derive(_by_address).get(slug)
    if found is None:
        raise NotFound()
    return found


def address(slug: str, lang: str) -> str:
    """The address in `lang` of the page that `slug` names (unchanged if none does)."""
    found = current_store()["pages"].derive(_by_address).get(slug)
    return found.address(lang) if found is not None else slug


def _in_menu(docs: list[Page]) -> list[Page]:
    return sorted((p for p in docs if p.menu is not None), key=lambda p: (p.menu, p.id))


def menu_pages() -> list[Page]:
    """The content pages in the main menu, in their order."""
    return current_store()["pages"].derive(_in_menu)


def updated(kind: str, document: Page | News) -> date | None:
    """When a page or news item last changed: its `updated`, or when its text was first
    seen (None for a text that is older than the site's record)."""
    if document.updated is not None:
        return document.updated
    seen = current_store()[kind].first_seen(document.id)
    return seen.astimezone(HELSINKI).date() if seen is not None else None


def contacts() -> list[Contact]:
    return current_store()["contacts"].get()


def _published(events: list[Event]) -> tuple[list[Event], list[float]]:
    ordered = sorted((e for e in events if e.published), key=lambda e: (e.ends_at, e.id))
    return ordered, [e.ends_at.timestamp() for e in ordered]


def _by_id(events: list[Event]) -> dict[int, Event]:
    return {e.id: e for e in events}


def published_events() -> list[Event]:
    return current_store()["events"].derive(_published)[0]


def _moments(events: list[Event]) -> list[float]:
    ordered, ends = _published(events)
    closes = (e.registration_closes for e in ordered)
    return sorted([*ends, *(c.timestamp() for c in closes if c is not None)])


def event_ends() -> list[float]:
    """When each published event ends (timestamps, in order)."""
    return current_store()["events"].derive(_published)[1]


def clock_changes() -> list[float]:
    """When the clock changes what pages show (timestamps, in order): an event ends (its
    meeting link goes, it moves to the past), or its registration closes."""
    return current_store()["events"].derive(_moments)


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


def past_years() -> list[int]:
    """The years that have past events, newest first (by the year each event started)."""
    return sorted({e.starts_at.year for e in past_events()}, reverse=True)


def past_events_of(year: int) -> list[Event]:
    """The past events that started in `year`, newest first; a 404 for a year without any."""
    found = [e for e in past_events() if e.starts_at.year == year]
    if not found:
        raise NotFound()
    return found


def next_change() -> datetime:
    """When the clock next changes a page: an event ends, a registration closes, or midnight."""
    at = base.now()
    midnight = datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=HELSINKI)
    ends = clock_changes()
    first = bisect.bisect_right(ends, at.timestamp())
    if first < len(ends):
        return min(midnight, datetime.fromtimestamp(ends[first], HELSINKI))
    return midnight


def _revision_memo(events: list[Event]) -> dict[object, dict[int, Revision]]:
    return {}


def revisions() -> dict[int, Revision]:
    """Each event's SEQUENCE and LAST-MODIFIED, the same in every worker and after a restart.

    Worked out once per version of events.json, and again only if another process has
    recorded a change since (it saw an edit first).
    """
    events = current_store()["events"]
    ledger = current_revisions()
    memo = events.derive(_revision_memo)
    state = ledger.state()
    found = memo.get(state)
    if found is None:
        found = ledger.of(events.get(), events.modified)
        memo.clear()
        memo[ledger.state()] = found
    return found


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


def _newest_first(news: list[News]) -> tuple[list[News], dict[int, News]]:
    ordered = sorted(news, key=lambda n: (n.date, n.id), reverse=True)
    return ordered, {n.id: n for n in ordered}


def news() -> list[News]:
    """Every news item, newest first."""
    return current_store()["news"].derive(_newest_first)[0]


def news_item(news_id: int) -> News:
    found = current_store()["news"].derive(_newest_first)[1].get(news_id)
    if found is None:
        raise NotFound()
    return found


def news_modified() -> datetime:
    return current_store()["news"].modified


def site_texts() -> SiteTexts:
    """The site's name, tagline and footer text: site.json's one document."""
    return current_store()["site"].get()[0]


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
