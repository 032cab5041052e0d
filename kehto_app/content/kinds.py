"""The kinds of data, each declared once: its file, model, fields, checks and sitemap entries.

Everything else is derived from these declarations: the store's files, validation, the
JSON Schemas in `data/schema/`, and the pages listed in the sitemap. Adding a kind is one
`Kind` here, one model in `models.py`, one query, one view and one template.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import base
from .fields import Rule
from .models import Contact
from .models import Event
from .models import EventDetails
from .models import Job
from .models import News
from .models import Page
from .models import Proposal
from .models import SiteTexts
from .validation import Problem

Check = Callable[[str, list[Any], frozenset[str]], list[Problem]]
"""Cross-document checks: (file, valid documents, slugs the site's own pages use)."""
Entries = Callable[[list[Any]], Iterable[tuple[str, dict[str, Any]]]]
"""The (endpoint, URL values) of each document's own page, for the sitemap."""


@dataclass(frozen=True)
class Field:
    """One field of a data file, as its model attribute declares it."""

    name: str
    required: bool
    rule: Rule
    meaning: str


@dataclass(frozen=True)
class Kind:
    """One kind of data: `data/<name>.json`, read into `model`s."""

    name: str
    model: type
    meaning: str
    check: Check | None = None
    sitemap: Entries | None = None
    single: bool = False
    """The file holds exactly one document (the site's own texts), not a list of them."""

    @property
    def file(self) -> str:
        return f"{self.name}.json"

    @cached_property
    def fields(self) -> dict[str, Field]:
        """The model's attributes but `id`, in declaration order."""
        return {
            f.name: Field(
                f.name,
                f.default is dataclasses.MISSING,
                f.metadata["rule"],
                f.metadata["meaning"],
            )
            for f in dataclasses.fields(self.model)
            if f.name != "id"
        }


REQUIRED_PAGES = ("index", "saavutettavuusseloste", "tietosuojaseloste")


def check_pages(file: str, pages: list[Page], reserved: frozenset[str]) -> list[Problem]:
    """Each address (the slug, and the Swedish and English ones) belongs to one page and
    none is the site's own; the pages the site links from every page exist."""
    problems = []
    seen: dict[str, int] = {}
    for page in sorted(pages, key=lambda p: p.id):
        named = [("slug", page.slug)]
        named += [(f"slugs.{lang}", slug) for lang, slug in (page.slugs or {}).items()]
        for field, slug in named:
            owner = seen.get(slug, page.id)
            if slug in reserved:
                message = f'"{slug}" is reserved for the site\'s own pages'
                problems.append(Problem(file, str(page.id), field, message))
            elif owner != page.id:
                message = f'"{slug}" is already used by document {owner}'
                problems.append(Problem(file, str(page.id), field, message))
            seen.setdefault(slug, page.id)
    finnish = {page.slug for page in pages}
    for required in REQUIRED_PAGES:
        if required not in finnish:
            problems.append(Problem(file, None, None, f'the page "{required}" is missing'))
    return problems


def check_events(
    file: str, events: list[Event] | list[Proposal], reserved: frozenset[str]
) -> list[Problem]:
    problems = []
    for event in events:
        problems += [
            Problem(file, str(event.id), name, message) for name, message in _clashes(event)
        ]
    return problems


def _clashes(event: EventDetails) -> Iterable[tuple[str, str]]:
    """The fields of one event that do not fit together: (field, what is wrong)."""
    if event.end is not None and event.ends_at < event.starts_at:
        yield "end", "is before the start"
    if event.happening == "rescheduled" and event.previous_start is None:
        yield "previous_start", "is missing: a rescheduled event needs the start it had before"
    if event.online and not event.meeting_link:
        yield (
            "meeting_link",
            f"is missing: an online or hybrid event needs the address to join it ({event.mode})",
        )
    if event.location is None and event.mode != "online":
        yield "location", "is missing (only an online event may leave it out)"
    closes = event.registration_closes
    if closes is not None and closes > event.ends_at:
        yield "registration_deadline", "is after the event has ended"


def page_entries(pages: list[Page]) -> Iterable[tuple[str, dict[str, Any]]]:
    return (("site.page", {"slug": p.slug}) for p in pages if p.slug != "index")


def news_entries(news: list[News]) -> Iterable[tuple[str, dict[str, Any]]]:
    return (("news.item", {"news_id": n.id}) for n in news)


def event_entries(events: list[Event]) -> Iterable[tuple[str, dict[str, Any]]]:
    """Each published event's page, and the past events' page of each year that has any."""
    at = base.now()
    published = [e for e in events if e.published]
    yield from (("events.detail", {"event_id": e.id}) for e in published)
    years = sorted({e.starts_at.year for e in published if e.over(at)}, reverse=True)
    yield from (("events.past_year", {"year": year}) for year in years)


PAGES = Kind(
    "pages",
    Page,
    "content pages: the front page text, the accessibility statement, the privacy notice",
    check=check_pages,
    sitemap=page_entries,
)
CONTACTS = Kind("contacts", Contact, 'the people in the "Lisätietoja" block and contacts page')
EVENTS = Kind(
    "events",
    Event,
    "the published events (proposals wait in the site's own proposals file)",
    check=check_events,
    sitemap=event_entries,
)
JOBS = Kind("jobs", Job, 'open positions ("Avoimet työpaikat")')
NEWS = Kind("news", News, 'the forum\'s news ("Ajankohtaista")', sitemap=news_entries)
SITE = Kind("site", SiteTexts, "the site's name, tagline and footer text", single=True)

KINDS: tuple[Kind, ...] = (PAGES, CONTACTS, EVENTS, JOBS, NEWS, SITE)

PROPOSALS = Kind(
    "proposals",
    Proposal,
    "events proposed through the form, with the proposer's contact details until the purge",
    check=check_events,
)
"""The site's own file, in the instance folder: never in data/, never edited by hand."""
SHARED_IDS = ("events", "proposals")
"""The kinds whose documents share one series of ids: a proposal keeps its id when published."""
DATED = ("pages", "news")
"""The kinds whose pages say when they were updated ("Päivitetty")."""
