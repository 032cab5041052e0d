"""Plain links to subscribe to the feed, or to add one event, in the calendars people use.

Nothing is fetched from those services: each is a link that the visitor may follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from urllib.parse import quote
from urllib.parse import urlencode

from flask import url_for
from flask_babel import gettext as _

from ..content.models import Event
from ..i18n import current
from ..i18n import pick

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.office.com/calendar/0"
OUTLOOK_COM = "https://outlook.live.com/calendar/0"
DETAILS = 600
"""The most of an event's description that a Google or Outlook link carries."""


@dataclass(frozen=True)
class FeedLinks:
    ics: str
    webcal: str
    google: str
    outlook: str
    outlook_com: str


def feed_links() -> FeedLinks:
    """The feed in the page's language: its address, webcal://, Google and Outlook."""
    ics = url_for("feeds.feed", lang=current(), _external=True)
    webcal = "webcal://" + ics.split("://", 1)[1]
    name = quote(_("KEHTO-foorumin tapahtumat"), safe="")
    return FeedLinks(
        ics=ics,
        webcal=webcal,
        google=f"{GOOGLE}?cid={quote(webcal, safe='')}",
        outlook=f"{OUTLOOK}/addfromweb?url={quote(ics, safe='')}&name={name}",
        outlook_com=f"{OUTLOOK_COM}/addfromweb?url={quote(ics, safe='')}&name={name}",
    )


@dataclass(frozen=True)
class AddLinks:
    ics: str
    google: str
    outlook: str


def add_links(event: Event) -> AddLinks:
    """One event into a calendar: the .ics file, a Google and an Outlook link."""
    page = url_for("events.detail", event_id=event.id, _external=True)
    text = pick(event.title)[0]
    details = pick(event.description)[0]
    if len(details) > DETAILS:
        details = details[: DETAILS - 1].rstrip() + "\u2026"
    details = f"{details}\n\n{page}"
    place = pick(event.location)[0] if event.location else page
    if event.all_day:
        first, last = event.starts_at.date(), event.ends_at.date()  # the day after, exclusive
        dates = f"{first:%Y%m%d}/{last:%Y%m%d}"
        start, end, all_day = first.isoformat(), last.isoformat(), "true"
    else:
        begins, ends = _utc(event.starts_at), _utc(event.ends_at)
        dates = f"{begins:%Y%m%dT%H%M%SZ}/{ends:%Y%m%dT%H%M%SZ}"
        start, end, all_day = f"{begins:%Y-%m-%dT%H:%M:%SZ}", f"{ends:%Y-%m-%dT%H:%M:%SZ}", "false"
    google = {"action": "TEMPLATE", "text": text, "dates": dates, "details": details,
              "location": place}  # fmt: skip
    outlook = {"path": "/calendar/action/compose", "rru": "addevent", "subject": text,
               "startdt": start, "enddt": end, "allday": all_day, "body": details,
               "location": place}  # fmt: skip
    return AddLinks(
        ics=url_for("events.detail_ics", event_id=event.id),
        google=f"{GOOGLE}?{urlencode(google, quote_via=quote)}",
        outlook=f"{OUTLOOK}/deeplink/compose?{urlencode(outlook, quote_via=quote)}",
    )


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)
