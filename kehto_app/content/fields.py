"""Field rules: what a valid value is, a precise message when it is not, and its JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .base import HELSINKI
from .base import LANGUAGES
from .base import Translatable

STATUSES = ("published", "pending", "rejected")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?")
EMAIL = re.compile(r"[^@\s()]+(?:@|\(a\))[^@\s()]+\.[^@\s()]+")


class Invalid(ValueError):
    """A value breaks its field's rule; the message says how, for a person."""


@dataclass(frozen=True)
class Rule:
    """A field's check (value in, converted value out, or `Invalid`) and its JSON Schema."""

    check: Callable[[Any], Any]
    schema: Mapping[str, Any]

    def __call__(self, value: Any) -> Any:
        return self.check(value)


def required(rule: Rule, meaning: str) -> Any:
    """A model attribute that the data file must have."""
    return field(metadata={"rule": rule, "meaning": meaning})


def optional(rule: Rule, meaning: str) -> Any:
    """A model attribute that the data file may leave out (it is None then)."""
    return field(default=None, metadata={"rule": rule, "meaning": meaning})


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be text in double quotes, not {kind_of(value)}")
    if not value.strip():
        raise Invalid("is empty")
    return value


def _translatable(value: Any) -> Translatable:
    if isinstance(value, str):
        _text(value)
        return dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise Invalid(f'must be text or {{"fi": ..., "sv": ..., "en": ...}}, not {kind_of(value)}')
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise Invalid(f'unknown language "{unknown[0]}" (use fi, sv, en)')
    if "fi" not in value:
        raise Invalid("the Finnish text (fi) is missing")
    for lang, item in value.items():
        try:
            _text(item)
        except Invalid as exc:
            raise Invalid(f"{lang} {exc}") from None
    return dict(value)


def _slug(value: Any) -> str:
    _text(value)
    if not SLUG.fullmatch(value):
        raise Invalid(f'"{value}" is not a slug (use a-z, 0-9 and -, e.g. "uutiset-2026")')
    return value


def _day(value: Any) -> date:
    if isinstance(value, str) and DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(f"{show(value)} is not a date (use YYYY-MM-DD)")


def _moment(value: Any) -> date | datetime:
    """An all-day date or a local Helsinki date-time."""
    if isinstance(value, str) and (DATE.fullmatch(value) or DATETIME.fullmatch(value)):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=HELSINKI) if "T" in value else parsed.date()
    raise Invalid(f"{show(value)} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")


def _timestamp(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(_text(value))
    except (Invalid, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(f"{show(value)} is not a date-time with offset (e.g. 2026-11-28T10:15+02:00)")
    return parsed


def _url(value: Any) -> str:
    _text(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise Invalid(f'"{value}" is not a web address (it must start with https:// or http://)')
    return value


def _email(value: Any) -> str:
    if not EMAIL.fullmatch(_text(value)):
        raise Invalid(f'"{value}" is not an email address')
    return value


def _status(value: Any) -> str:
    if value not in STATUSES:
        raise Invalid(f"{show(value)} is not a status (use published, pending or rejected)")
    return value


_TEXT = {"type": "string", "pattern": r"\S"}

TEXT = Rule(_text, _TEXT)
TRANSLATABLE = Rule(
    _translatable,
    {
        "anyOf": [
            _TEXT,
            {
                "type": "object",
                "properties": {lang: _TEXT for lang in LANGUAGES},
                "required": ["fi"],
                "additionalProperties": False,
            },
        ]
    },
)
SLUG_RULE = Rule(_slug, {"type": "string", "pattern": f"^{SLUG.pattern}$"})
DAY = Rule(_day, {"type": "string", "pattern": f"^{DATE.pattern}$", "format": "date"})
MOMENT = Rule(
    _moment, {"type": "string", "pattern": rf"^{DATE.pattern}(T\d{{2}}:\d{{2}}(:\d{{2}})?)?$"}
)
TIMESTAMP = Rule(_timestamp, {"type": "string", "format": "date-time"})
URL = Rule(_url, {"type": "string", "pattern": r"^https?://[^\s]+$", "format": "uri"})
EMAIL_RULE = Rule(_email, {"type": "string", "pattern": f"^{EMAIL.pattern}$"})
STATUS = Rule(_status, {"enum": list(STATUSES)})


def kind_of(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list",
             dict: "an object", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else kind_of(value)
