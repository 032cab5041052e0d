"""What all content shares: the languages, the time zone, and the clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"

Translatable = dict[str, str]
"""Text by language; "fi" is always there, "sv" and "en" may be missing."""


def now() -> datetime:
    """The time in Helsinki; the one clock every page, query and writer reads."""
    return datetime.now(HELSINKI)
