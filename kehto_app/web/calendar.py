"""Events as iCalendar (RFC 5545), for one-click adding and for subscribing."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import icalendar
from flask import request
from flask import url_for
from flask_babel import gettext as _

from ..content import base
from ..content import queries
from ..content.models import Event
from ..content.revisions import Revision
from ..i18n import current
from ..i18n import pick

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
    head = cal.to_ical()
    dtstamp = b"DTSTAMP:" + icalendar.vDatetime(stamp.astimezone(UTC)).to_ical() + b"\r\n"
    revisions = queries.revisions()
    at = base.now()
    known = _serialized.get(_place(), {})
    fresh: dict[int, tuple[Event, Revision | None, bool, bytes]] = {}
    chunks = []
    for event in events:
        revision, joinable = revisions.get(event.id), event.joinable(at)
        cached = known.get(id(event))
        if cached is not None and cached[0] is event and cached[1:3] == (revision, joinable):
            body = cached[3]
        else:
            body = _vevent(event, revision, joinable).to_ical()
        fresh[id(event)] = (event, revision, joinable, body)
        chunks.append(body.replace(BEGIN_EVENT, BEGIN_EVENT + dtstamp, 1))
    _remember(fresh)
    return head.removesuffix(END_CALENDAR) + b"".join(chunks) + END_CALENDAR


BEGIN_EVENT = b"BEGIN:VEVENT\r\n"
END_CALENDAR = b"END:VCALENDAR\r\n"
PLACES = 6
Serialized = dict[int, tuple[Event, "Revision | None", bool, bytes]]
_serialized: OrderedDict[tuple[str, str], Serialized] = OrderedDict()
"""Each event's folded VEVENT (without its DTSTAMP) per language and site address, as of
the last calendar made for them, by the event model's identity (the store keeps the model
of an unchanged document), with its revision and whether its meeting link is shown:
icalendar folds lines slowly (0.7 ms an event), and a feed is remade whenever
events.json changes."""


def _place() -> tuple[str, str]:
    return current(), request.host_url


def _remember(serialized: Serialized) -> None:
    place = _place()
    _serialized[place] = serialized
    _serialized.move_to_end(place)
    while len(_serialized) > PLACES:
        _serialized.popitem(last=False)


def uid(event: Event) -> str:
    """The same for an event in every download, in every language."""
    return f"kehto-foorumi-event-{event.id}"


STATUSES = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}
"""RFC 5545 STATUS by event status; CONFIRMED otherwise."""


def _vevent(event: Event, revision: Revision | None, joinable: bool) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", uid(event))
    if revision is not None:
        vevent.add("sequence", revision.sequence)
        vevent.add("last-modified", revision.modified.astimezone(UTC))
    vevent.add("status", STATUSES.get(event.happening, "CONFIRMED"))
    summary = pick(event.title)[0]
    label = status_label(event.happening)
    vevent.add("summary", f"{label}: {summary}" if label else summary)
    if event.all_day:
        vevent.add("dtstart", event.start)
        last = event.end or event.start
        last_day = last.date() if isinstance(last, datetime) else last
        vevent.add("dtend", last_day + timedelta(days=1))
    else:
        vevent.add("dtstart", event.starts_at.astimezone(UTC))
        vevent.add("dtend", event.ends_at.astimezone(UTC))
    if event.location is not None:
        vevent.add("location", pick(event.location)[0])
    elif joinable and event.meeting_link:
        vevent.add("location", event.meeting_link)
    parts = [pick(event.description)[0], f"{_('Järjestäjä')}: {pick(event.organiser)[0]}"]
    if joinable and event.meeting_link:
        parts.append(f"{_('Osallistumislinkki')}: {event.meeting_link}")
        vevent.add(
            "conference",
            event.meeting_link,
            parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": _("Osallistumislinkki")},
        )
    if event.registration_link and event.happening != "cancelled":
        parts.append(f"{_('Ilmoittautuminen')}: {event.registration_link}")
    if event.link:
        parts.append(event.link)
    vevent.add("description", "\n\n".join(parts))
    vevent.add("url", url_for("events.detail", event_id=event.id, _external=True))
    return vevent


def status_label(happening: str) -> str | None:
    """The event status as a visitor reads it; none for a scheduled event."""
    labels = {
        "cancelled": _("Peruttu"),
        "postponed": _("Siirretty (uusi ajankohta avoinna)"),
        "rescheduled": _("Uusi ajankohta"),
    }
    return labels.get(happening)
