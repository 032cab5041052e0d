"""Field rules: what a valid value is, a precise message when it is not, and its JSON Schema."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from markdown_it import MarkdownIt

from . import links
from .base import HELSINKI
from .base import LANGUAGES
from .base import Translatable

STATUSES = ("published", "hidden")
EVENT_STATUSES = ("scheduled", "cancelled", "postponed", "rescheduled")
ATTENDANCES = ("in-person", "online", "hybrid")
PROPOSAL_STATES = ("pending", "approved", "rejected")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?")
EMAIL = re.compile(r"[^@\s()]+(?:@|\(a\))[^@\s()]+\.[^@\s()]+")
# The same patterns with only the digits 0-9: Python's \d also matches "٢" or "２", and
# datetime.fromisoformat accepts any character between a date and its time.
ASCII_DATE = re.compile(DATE.pattern, re.ASCII)
ASCII_DATETIME = re.compile(DATETIME.pattern, re.ASCII)
OFFSET = r"(?:Z|[+-]\d{2}:\d{2})"
ASCII_OFFSET_DATETIME = re.compile(DATETIME.pattern + OFFSET, re.ASCII)
ASCII_TIMESTAMP = re.compile(
    rf"{DATE.pattern}T\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d{{1,6}})?)?(?:Z|[+-]\d{{2}}:\d{{2}})",
    re.ASCII,
)
YEARS = range(1900, 3000)
"""The years a date may have: the views add days and hours to it, and convert it to UTC."""
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters but tab and line breaks, and lone surrogates: no view can show them
(HTML and iCalendar forbid them, and a lone surrogate cannot even be written as UTF-8)."""
PHONE = re.compile(r"\+?[0-9][0-9 \u00a0-]*[0-9]", re.ASCII)
PHONE_EXAMPLES = 'e.g. "040 572 2120" or "+358 40 572 2120"'
SHOWN = 80
"""The longest text a message quotes whole."""


class Invalid(ValueError):
    """A value breaks its field's rule; the message says how, for a person."""


@dataclass(frozen=True)
class Rule:
    """A field's check (value in, converted value out, or `Invalid`) and its JSON Schema."""

    check: Callable[[Any], Any]
    schema: Mapping[str, Any]
    warn: Callable[[Any], list[str]] | None = None
    """Advice on a valid value (raw HTML in Markdown, ...): reported, never refused."""

    def __call__(self, value: Any) -> Any:
        return self.check(value)

    def warnings(self, value: Any) -> list[str]:
        return self.warn(value) if self.warn is not None else []


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


def _shown_text(value: Any) -> str:
    """Text that every view can show: not empty, and no control character in it."""
    _text(value)
    bad = CONTROL.search(value)
    if bad is not None:
        char, where = bad.group(), bad.start() + 1
        what = (
            "a lone surrogate (half of a character)" if char >= "\ud800" else "a control character"
        )
        raise Invalid(
            f"has {what}, U+{ord(char):04X}, at character {where}, which cannot be shown: "
            "delete it (a line break is written \\n, a tab \\t)"
        )
    return value


def _translatable(value: Any) -> Translatable:
    if isinstance(value, str):
        _shown_text(value)
        return dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise Invalid(f'must be text or {{"fi": ..., "sv": ..., "en": ...}}, not {kind_of(value)}')
    unknown = sorted(str(lang) for lang in value if lang not in LANGUAGES)
    if unknown:
        raise Invalid(f"unknown language {show(unknown[0])} (use fi, sv, en)")
    if "fi" not in value:
        raise Invalid("the Finnish text (fi) is missing")
    for lang, item in value.items():
        try:
            _shown_text(item)
        except Invalid as exc:
            raise Invalid(f"{lang} {exc}") from None
    return dict(value)


def _slug(value: Any) -> str:
    _text(value)
    if not SLUG.fullmatch(value):
        raise Invalid(f'{show(value)} is not a slug (use a-z, 0-9 and -, e.g. "uutiset-2026")')
    return value


def _in_range(value: str, parsed: date) -> None:
    if parsed.year not in YEARS:
        first, last = YEARS[0], YEARS[-1]
        raise Invalid(f"{show(value)} is too far in time (use a year from {first} to {last})")


def _day(value: Any) -> date:
    if isinstance(value, str) and ASCII_DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            _in_range(value, parsed)
            return parsed
    raise Invalid(f"{show(value)} is not a date (use YYYY-MM-DD)")


def _moment(value: Any) -> date | datetime:
    """An all-day date, or a date-time in Helsinki time or with a UTC offset (converted)."""
    if isinstance(value, str) and (
        ASCII_DATE.fullmatch(value)
        or ASCII_DATETIME.fullmatch(value)
        or ASCII_OFFSET_DATETIME.fullmatch(value)
    ):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            _in_range(value, parsed)
            if "T" not in value:
                return parsed.date()
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=HELSINKI)
            return parsed.astimezone(HELSINKI)
    raise Invalid(f"{show(value)} is not a date ({_moment_hint(value)})")


def _moment_hint(value: Any) -> str:
    """The forms that work, and what to change in a text that nearly is one."""
    forms = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
    if not isinstance(value, str):
        return forms
    finnish = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value, re.ASCII)
    if finnish:
        day_, month, year = finnish.groups()
        return f"{forms}: {year}-{int(month):02}-{int(day_):02}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}.*", value, re.ASCII):
        return f"{forms}: a T between the date and the time, not a space"
    if re.fullmatch(r".*T\d{2}:\d{2}(?::\d{2})? ?[+-]\d{2}:?\d{2}", value, re.ASCII):
        return f"{forms}, or an offset written +02:00 right after the time"
    return forms


def _timestamp(value: Any) -> datetime:
    parsed = None
    if isinstance(value, str) and ASCII_TIMESTAMP.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(
            f"{show(value)} is not a date-time with offset (e.g. 2026-11-28T10:15:00+02:00)"
        )
    _in_range(value, parsed)
    return parsed


def _url(value: Any) -> str:
    """A link that says where it goes (see `links`); the message names the part at fault."""
    _text(value)
    found = links.problem(value)
    if found is not None:
        problem, part = found
        shown = part and problem is not links.Problem.NOT_WEB
        detail = f" ({links.escaped(part)})" if shown else ""
        raise Invalid(f'"{links.escaped(value)}" {problem.value}{detail}')
    return value


def _email(value: Any) -> str:
    if not EMAIL.fullmatch(_shown_text(value)):
        raise Invalid(f"{show(value)} is not an email address")
    return value


def _phone(value: Any) -> str:
    """A number as people read it, from which `Contact.phone_uri` makes a valid tel: link."""
    number = _shown_text(value).strip()
    if not PHONE.fullmatch(number):
        raise Invalid(
            f"{show(value)} is not a phone number (write digits and spaces, and + before "
            f"an international number: {PHONE_EXAMPLES})"
        )
    digits = re.sub("[^0-9]", "", number)
    if number.startswith("00"):
        raise Invalid(
            f'{show(value)}: write an international number with + instead of 00 ("+358 ...")'
        )
    if not number.startswith(("0", "+")):
        raise Invalid(
            f"{show(value)}: a Finnish number starts with 0 (the area code), an international "
            f"one with + ({PHONE_EXAMPLES})"
        )
    low, high = (7, 15) if number.startswith("+") else (6, 13)
    if not low <= len(digits) <= high:
        size = "short" if len(digits) < low else "long"
        raise Invalid(f"{show(value)} is too {size} for a phone number ({PHONE_EXAMPLES})")
    return value


_MARKDOWN = MarkdownIt("commonmark")
"""Raw HTML on, unlike the site's renderer: to find the HTML that the site shows as text."""


def _markdown_advice(value: Translatable) -> list[str]:
    """Raw HTML (the site shows it as text) and level-1 headings (the title is the only h1)."""
    by_text: dict[str, list[str]] = {}
    for lang, text in value.items():
        by_text.setdefault(text, []).append(lang)
    advice = []
    for text, langs in by_text.items():
        subject = "" if len(langs) == len(LANGUAGES) else ", ".join(langs) + " "
        html, heading = _markdown_findings(text)
        if html is not None:
            advice.append(
                f"{subject}has raw HTML ({html}), which the site shows as text, not as HTML: "
                "use Markdown instead"
            )
        if heading is not None:
            advice.append(
                f"{subject}has a level-1 heading ({heading}): the page title is the page's only "
                "level-1 heading, so start headings at ##"
            )
    return advice


def _markdown_findings(text: str) -> tuple[str | None, str | None]:
    """The first raw HTML and the first level-1 heading in a Markdown text, as shown."""
    html = heading = None
    tokens = _MARKDOWN.parse(text)
    for index, token in enumerate(tokens):
        line = token.map[0] + 1 if token.map else 1
        if token.type == "html_block" and html is None:
            html = f"{show(token.content.strip().splitlines()[0])} on line {line}"
        elif token.type == "inline" and html is None:
            inline = next((c for c in token.children or [] if c.type == "html_inline"), None)
            if inline is not None:
                html = f"{show(inline.content)} on line {line}"
        elif token.type == "heading_open" and token.tag == "h1" and heading is None:
            title = tokens[index + 1].content if index + 1 < len(tokens) else ""
            heading = f"{show(title)} on line {line}"
    return html, heading


def _status(value: Any) -> str:
    if value not in STATUSES:
        if value in ("pending", "rejected"):
            raise Invalid(
                f"{show(value)}: proposals are kept in the site's own proposals file now; "
                "`kehto events migrate` moves them there"
            )
        raise Invalid(f"{show(value)} is not a status (use published or hidden)")
    return value


def _proposal_state(value: Any) -> str:
    if value not in PROPOSAL_STATES:
        raise Invalid(f"{show(value)} is not a state (use pending, approved or rejected)")
    return value


def _event_status(value: Any) -> str:
    if value not in EVENT_STATUSES:
        raise Invalid(
            f"{show(value)} is not an event status (use scheduled, cancelled, postponed or "
            "rescheduled)"
        )
    return value


def _attendance(value: Any) -> str:
    if value not in ATTENDANCES:
        raise Invalid(f"{show(value)} is not an attendance mode (use in-person, online or hybrid)")
    return value


def _language(value: Any) -> str:
    if value not in LANGUAGES:
        raise Invalid(f"{show(value)} is not a language (use fi, sv or en)")
    return value


_TEXT = {"type": "string", "pattern": r"\S"}

_TRANSLATABLE = {
    "anyOf": [
        _TEXT,
        {
            "type": "object",
            "properties": {lang: _TEXT for lang in LANGUAGES},
            "required": ["fi"],
            "additionalProperties": False,
        },
    ]
}

TEXT = Rule(_shown_text, _TEXT)
TRANSLATABLE = Rule(_translatable, _TRANSLATABLE)
MARKDOWN = Rule(_translatable, _TRANSLATABLE, warn=_markdown_advice)
"""A translatable CommonMark text: warns about raw HTML and level-1 headings."""
PHONE_RULE = Rule(_phone, _TEXT)
SLUG_RULE = Rule(_slug, {"type": "string", "pattern": f"^{SLUG.pattern}$"})
DAY = Rule(_day, {"type": "string", "pattern": f"^{DATE.pattern}$", "format": "date"})
MOMENT = Rule(
    _moment,
    {
        "type": "string",
        "pattern": rf"^{DATE.pattern}(T\d{{2}}:\d{{2}}(:\d{{2}})?{OFFSET}?)?$",
    },
)
TIMESTAMP = Rule(_timestamp, {"type": "string", "format": "date-time"})
URL = Rule(_url, {"type": "string", "pattern": r"^https?://[^\s]+$", "format": "uri"})
EMAIL_RULE = Rule(_email, {"type": "string", "pattern": f"^{EMAIL.pattern}$"})
STATUS = Rule(_status, {"enum": list(STATUSES)})
PROPOSAL_STATE = Rule(_proposal_state, {"enum": list(PROPOSAL_STATES)})
LANGUAGE = Rule(_language, {"enum": list(LANGUAGES)})
EVENT_STATUS = Rule(_event_status, {"enum": list(EVENT_STATUSES)})
ATTENDANCE = Rule(_attendance, {"enum": list(ATTENDANCES)})


def _menu(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 999:
        raise Invalid(f"{show(value)} is not a place in the menu (a whole number from 1 to 999)")
    return value


MENU = Rule(_menu, {"type": "integer", "minimum": 1, "maximum": 999})

OTHER_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != "fi")


def _slugs(value: Any) -> dict[str, str]:
    """A page's address in Swedish and English (the Finnish one is its `slug`)."""
    if not isinstance(value, dict):
        raise Invalid(f'must be {{"sv": ..., "en": ...}}, not {kind_of(value)}')
    if "fi" in value:
        raise Invalid('has "fi": the Finnish address is the page\'s slug (use sv, en)')
    unknown = sorted(str(lang) for lang in value if lang not in OTHER_LANGUAGES)
    if unknown:
        raise Invalid(f"unknown language {show(unknown[0])} (use sv, en)")
    for lang, slug in value.items():
        try:
            _slug(slug)
        except Invalid as exc:
            raise Invalid(f"{lang}: {exc}") from None
    return dict(value)


SLUGS = Rule(
    _slugs,
    {
        "type": "object",
        "properties": {lang: SLUG_RULE.schema for lang in OTHER_LANGUAGES},
        "additionalProperties": False,
    },
)


def kind_of(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list",
             str: "text", dict: "an object", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def show(value: Any) -> str:
    """A value as a message quotes it: a long text shortened, control characters escaped."""
    if not isinstance(value, str):
        return kind_of(value)
    text = value if len(value) <= SHOWN else value[: SHOWN - 1] + "\u2026"
    if CONTROL.search(text) or "\n" in text or "\r" in text:
        return json.dumps(text)
    return f'"{text}"'
