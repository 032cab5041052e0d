"""What search engines and link previews read: schema.org Event JSON-LD, descriptions, locales.

The JSON-LD goes in a `<script type="application/ld+json">` data block, which the browser
never runs, so the CSP (no inline script) needs no exception for it.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Blueprint
from flask import url_for

from ..content.base import HELSINKI
from ..content.base import LANGUAGES
from ..content.base import Translatable
from ..content.models import Event
from ..i18n import current
from ..i18n import markdown
from ..i18n import pick

meta = Blueprint("meta", __name__)

SCHEMA = "https://schema.org/"
EVENT_STATUSES = {
    "scheduled": "EventScheduled",
    "cancelled": "EventCancelled",
    "postponed": "EventPostponed",
    "rescheduled": "EventRescheduled",
}
ATTENDANCE_MODES = {
    "in-person": "OfflineEventAttendanceMode",
    "online": "OnlineEventAttendanceMode",
    "hybrid": "MixedEventAttendanceMode",
}
OG_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
SUMMARY = 160
"""The longest meta description: what search engines show of it."""


def event_data(event: Event, at: datetime) -> dict[str, Any]:
    """The event as schema.org Event, as Google's event structured data asks for it."""
    page = url_for("events.detail", event_id=event.id, _external=True)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": pick(event.title)[0],
        "startDate": moment(event.start),
        "endDate": moment(_last(event)),
        "eventStatus": SCHEMA + EVENT_STATUSES[event.happening],
        "eventAttendanceMode": SCHEMA + ATTENDANCE_MODES[event.mode],
        "location": _locations(event, page, at),
        "description": pick(event.description)[0],
        "organizer": {"@type": "Organization", "name": pick(event.organiser)[0]},
        "url": page,
        "inLanguage": current(),
    }
    if event.happening == "rescheduled" and event.previous_start is not None:
        data["previousStartDate"] = moment(event.previous_start)
    live = event.happening != "cancelled" and not event.over(at)
    if event.registration_link and live and event.registration_open(at):
        offer: dict[str, Any] = {"@type": "Offer", "url": event.registration_link}
        if event.registration_closes is not None:
            offer["validThrough"] = moment(event.registration_closes)
        data["offers"] = offer
    return data


def _last(event: Event) -> date | datetime:
    if event.all_day:
        last = event.end or event.start
        return last.date() if isinstance(last, datetime) else last
    return event.ends_at


def _locations(event: Event, page: str, at: datetime) -> dict[str, Any] | list[dict[str, Any]]:
    """A Place, a VirtualLocation, or both; the join link only while it is shown on the page."""
    found = []
    if event.mode != "online" and event.location is not None:
        place = pick(event.location)[0]
        found.append({"@type": "Place", "name": place, "address": place})
    if event.online:
        link = event.meeting_link if event.joinable(at) and event.meeting_link else page
        found.append({"@type": "VirtualLocation", "url": link})
    return found[0] if len(found) == 1 else found


def moment(value: date | datetime) -> str:
    """ISO 8601: a date, or a time with its Helsinki offset (2099-06-14T09:30:00+03:00)."""
    if isinstance(value, datetime):
        return value.astimezone(HELSINKI).isoformat(timespec="seconds")
    return value.isoformat()


@meta.app_template_filter("summary")
def summary(value: Translatable | None) -> str:
    """A text (Markdown or plain) in the page's language, as one line of at most 160 characters."""
    if not value:
        return ""
    return _summary(pick(value)[0])


@lru_cache(maxsize=512)
def _summary(text: str) -> str:
    plain = markdown(dict.fromkeys(LANGUAGES, text)).striptags()
    plain = re.sub(r"\s+", " ", plain).strip()
    if len(plain) <= SUMMARY:
        return plain
    cut = plain[: SUMMARY - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:.") + "\u2026"


@meta.app_template_global()
def og_locales() -> tuple[str, list[str]]:
    """The page's Open Graph locale, and its alternates."""
    lang = current()
    return OG_LOCALES[lang], [OG_LOCALES[code] for code in LANGUAGES if code != lang]
