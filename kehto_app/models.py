"""The site's content as the views see it: validated, typed, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"

Translatable = dict[str, str]
"""Text by language; "fi" is always there, "sv" and "en" may be missing."""


def now() -> datetime:
    return datetime.now(HELSINKI)


@dataclass(frozen=True)
class Page:
    id: int
    slug: str
    title: Translatable
    body: Translatable
    note: str | None = None


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    title: Translatable
    organisation: Translatable
    email: str
    phone: str | None = None

    @property
    def phone_uri(self) -> str | None:
        if not self.phone:
            return None
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if self.phone.strip().startswith("+"):
            return f"tel:+{digits}"
        return f"tel:+358{digits.removeprefix('0')}"


@dataclass(frozen=True)
class Event:
    id: int
    title: Translatable
    start: date | datetime
    location: Translatable
    description: Translatable
    organiser: Translatable
    status: str
    end: date | datetime | None = None
    link: str | None = None
    submitter_name: str | None = None
    submitter_email: str | None = None
    submitted: datetime | None = None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def starts_at(self) -> datetime:
        return _as_datetime(self.start)

    @property
    def ends_at(self) -> datetime:
        """When the event is over: its end, or the end of its (last) day."""
        last = self.end or self.start
        if isinstance(last, datetime):
            return last if self.end else last + timedelta(hours=1)
        return _as_datetime(last + timedelta(days=1))

    @property
    def published(self) -> bool:
        return self.status == "published"


@dataclass(frozen=True)
class Job:
    id: int
    title: Translatable
    employer: Translatable
    location: Translatable
    deadline: date
    link: str

    def open_on(self, day: date) -> bool:
        return self.deadline >= day


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=HELSINKI)
