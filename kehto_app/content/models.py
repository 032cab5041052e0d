"""The site's content as the views see it: validated, typed, read-only.

Each attribute but `id` carries its field's rule and meaning, so the data file's fields,
their checks, the JSON Schema and the model can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from .base import HELSINKI
from .base import Translatable
from .fields import ATTENDANCE
from .fields import DAY
from .fields import EMAIL_RULE
from .fields import EVENT_STATUS
from .fields import LANGUAGE
from .fields import MARKDOWN
from .fields import MENU
from .fields import MOMENT
from .fields import PHONE_RULE
from .fields import PROPOSAL_STATE
from .fields import SLUG_RULE
from .fields import SLUGS
from .fields import STATUS
from .fields import TEXT
from .fields import TIMESTAMP
from .fields import TRANSLATABLE
from .fields import URL
from .fields import optional
from .fields import required


@dataclass(frozen=True)
class Page:
    id: int
    slug: str = required(SLUG_RULE, "the page's address (in Finnish); unique in the file")
    title: Translatable = required(TRANSLATABLE, "the page title, its main heading (h1)")
    body: Translatable = required(MARKDOWN, "the page text, in CommonMark Markdown")
    note: str | None = optional(TEXT, "a note to the maintainer, never shown on the site")
    menu: int | None = optional(
        MENU, "its place in the main menu (Etusivu is 10, Yhteystiedot 50); left out: not in it"
    )
    updated: date | None = optional(
        DAY, 'the day of the last real change, shown as "Päivitetty" (else: when the text changed)'
    )
    slugs: dict[str, str] | None = optional(
        SLUGS,
        'its address in Swedish and English, e.g. {"sv": "kontakt", "en": "contact"}; '
        "left out: the slug in every language",
    )

    def address(self, lang: str) -> str:
        """The page's slug in `lang`."""
        return (self.slugs or {}).get(lang, self.slug)


Day = date
"""A calendar day (for a model whose field is itself called `date`)."""


@dataclass(frozen=True)
class News:
    id: int
    title: Translatable = required(TRANSLATABLE, "the headline")
    date: Day = required(DAY, "the day it was published (YYYY-MM-DD); newest first in the lists")
    summary: Translatable = required(
        TRANSLATABLE, "one or two sentences of plain text, for the lists and the feed"
    )
    body: Translatable = required(MARKDOWN, "the text, in CommonMark Markdown; headings from ##")
    updated: Day | None = optional(DAY, 'the day of the last real change, shown as "Päivitetty"')


@dataclass(frozen=True)
class Contact:
    id: int
    name: str = required(TEXT, "the person's name")
    title: Translatable = required(TRANSLATABLE, "the person's job title")
    organisation: Translatable = required(TRANSLATABLE, "the person's employer, e.g. Kuntaliitto")
    email: str = required(EMAIL_RULE, 'the email address, with "(a)" or "@"')
    phone: str | None = optional(
        PHONE_RULE, 'a phone number as people read it, e.g. "040 572 2120" or "+358 40 572 2120"'
    )

    @property
    def phone_uri(self) -> str | None:
        if not self.phone:
            return None
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if self.phone.strip().startswith("+"):
            return f"tel:+{digits}"
        return f"tel:+358{digits.removeprefix('0')}"


@dataclass(frozen=True, kw_only=True)
class EventDetails:
    """What an event is; shared by a published event and a proposal of one."""

    id: int
    title: Translatable = required(TRANSLATABLE, "the event's name")
    start: date | datetime = required(
        MOMENT, "YYYY-MM-DD (all day) or YYYY-MM-DDTHH:MM, Helsinki time (or with an offset)"
    )
    location: Translatable | None = optional(
        TRANSLATABLE, "the venue; may be left out for an online event"
    )
    description: Translatable = required(
        TRANSLATABLE, "what the event is, plain text; a blank line between paragraphs"
    )
    organiser: Translatable = required(TRANSLATABLE, "who organises it")
    end: date | datetime | None = optional(MOMENT, "the same two forms; not before start")
    link: str | None = optional(URL, "a web address for more information (https:// or http://)")
    event_status: str | None = optional(
        EVENT_STATUS,
        "scheduled (the default), cancelled, postponed (no new time yet) or rescheduled "
        "(start is the new time; previous_start the old one)",
    )
    previous_start: date | datetime | None = optional(
        MOMENT, "for a rescheduled event: the start it had before, in the same forms as start"
    )
    attendance: str | None = optional(
        ATTENDANCE, "in-person (the default), online or hybrid (both)"
    )
    meeting_link: str | None = optional(
        URL, "the address to join an online or hybrid event (required for them)"
    )
    registration_link: str | None = optional(URL, "where to register (https:// or http://)")
    registration_deadline: date | datetime | None = optional(
        MOMENT, "the last day (YYYY-MM-DD) or moment (YYYY-MM-DDTHH:MM) to register"
    )
    lang: str | None = optional(
        LANGUAGE,
        "the language (fi, sv or en) of its texts that are one for every language; "
        "a proposal's is the one its proposer used, and an approval keeps it",
    )

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def starts_at(self) -> datetime:
        return as_datetime(self.start)

    @property
    def ends_at(self) -> datetime:
        """When the event is over: its end, or the end of its (last) day."""
        return ends_at(self.start, self.end)

    @property
    def happening(self) -> str:
        """Its event status: scheduled, cancelled, postponed or rescheduled."""
        return self.event_status or "scheduled"

    @property
    def mode(self) -> str:
        """in-person, online or hybrid."""
        return self.attendance or "in-person"

    @property
    def online(self) -> bool:
        """Whether people can take part online (an online or a hybrid event)."""
        return self.mode in ("online", "hybrid")

    @property
    def registration_closes(self) -> datetime | None:
        """When registration closes: the deadline, or the end of its day."""
        deadline = self.registration_deadline
        if deadline is None or isinstance(deadline, datetime):
            return deadline
        return as_datetime(deadline + timedelta(days=1))

    def over(self, at: datetime) -> bool:
        return self.ends_at <= at

    def joinable(self, at: datetime) -> bool:
        """The meeting link is shown: an online event still to come and not called off."""
        live = self.happening not in ("cancelled", "postponed")
        return self.online and bool(self.meeting_link) and live and not self.over(at)

    def registration_open(self, at: datetime) -> bool:
        closes = self.registration_closes
        return closes is None or at < closes


@dataclass(frozen=True, kw_only=True)
class Event(EventDetails):
    """An event in events.json: the maintainer's file, with no one's personal data."""

    status: str = optional(STATUS, "published (the default: shown) or hidden")

    @property
    def published(self) -> bool:
        return self.status in (None, "published")


@dataclass(frozen=True, kw_only=True)
class Proposal(EventDetails):
    """An event proposed through the form, in the site's own proposals file."""

    state: str = required(PROPOSAL_STATE, "pending (waits for review), approved or rejected")
    submitted: datetime | None = optional(
        TIMESTAMP, "when the proposal was sent, with offset (personal data, purged with the rest)"
    )
    submitter_name: str | None = optional(TEXT, "the proposer's name (personal data)")
    submitter_email: str | None = optional(EMAIL_RULE, "the proposer's email (personal data)")
    decided: datetime | None = optional(TIMESTAMP, "when it was approved or rejected")
    reason: str | None = optional(TEXT, "why it was rejected, if a reason was given")


@dataclass(frozen=True)
class Job:
    id: int
    title: Translatable = required(TRANSLATABLE, "the position")
    employer: Translatable = required(TRANSLATABLE, "who is hiring")
    location: Translatable = required(TRANSLATABLE, "where the job is")
    deadline: date = required(DAY, "the last day to apply (YYYY-MM-DD); not listed after it")
    link: str = required(URL, "the job advert (https:// or http://)")

    def open_on(self, day: date) -> bool:
        return self.deadline >= day


@dataclass(frozen=True)
class SiteTexts:
    """What every page says of the site itself: site.json's one document."""

    id: int
    name: Translatable = required(
        TRANSLATABLE, "the site's name: the header, the browser tab, link previews, the news feed"
    )
    tagline: Translatable = required(TRANSLATABLE, "the line beside the name in the header")
    footer: Translatable = required(
        TRANSLATABLE,
        "the text at the foot of every page; also the description of a page without one",
    )


def ends_at(start: date | datetime, end: date | datetime | None) -> datetime:
    """When an event is over: its end, an hour after a start time, or the end of its day."""
    last = end or start
    if isinstance(last, datetime):
        return last if end else last + timedelta(hours=1)
    return as_datetime(last + timedelta(days=1))


def as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=HELSINKI)
