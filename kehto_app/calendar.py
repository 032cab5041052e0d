"""Events as iCalendar (RFC 5545), for one-click adding and for subscribing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import icalendar
from flask import url_for
from flask_babel import gettext as _

from .i18n import pick
from .models import Event

REFRESH = timedelta(hours=6)
"""How often a subscribed calendar should look for changes."""


def calendar(events: Iterable[Event], name: str, stamp: datetime) -> bytes:
    """A calendar of `events` in the page's language; times in UTC, all-day events as dates."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//KEHTO-foorumi//kehto-site//FI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-timezone", "Europe/Helsinki")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH).to_ical().decode())
    for event in events:
        cal.add_component(_vevent(event, stamp))
    return cal.to_ical()


def uid(event: Event) -> str:
    """The same for an event in every download, in every language."""
    return f"kehto-foorumi-event-{event.id}"


def _vevent(event: Event, stamp: datetime) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", uid(event))
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("summary", pick(event.title)[0])
    if event.all_day:
        vevent.add("dtstart", event.start)
        last = event.end or event.start
        last_day = last.date() if isinstance(last, datetime) else last
        vevent.add("dtend", last_day + timedelta(days=1))
    else:
        vevent.add("dtstart", event.starts_at.astimezone(UTC))
        vevent.add("dtend", event.ends_at.astimezone(UTC))
    vevent.add("location", pick(event.location)[0])
    parts = [pick(event.description)[0], f"{_('Järjestäjä')}: {pick(event.organiser)[0]}"]
    if event.link:
        parts.append(event.link)
    vevent.add("description", "\n\n".join(parts))
    vevent.add("url", url_for("events.detail", event_id=event.id, _external=True))
    return vevent
