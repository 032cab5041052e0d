"""What a valid data file is, and a precise message for every way it can be wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from . import models
from .models import HELSINKI
from .models import LANGUAGES

RESERVED_SLUGS = frozenset({"events", "contacts", "static"})
REQUIRED_PAGES = ("index", "saavutettavuusseloste", "tietosuojaseloste")
STATUSES = ("published", "pending", "rejected")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?")
EMAIL = re.compile(r"[^@\s()]+(?:@|\(a\))[^@\s()]+\.[^@\s()]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file, as `file: document id: field: what is wrong`."""

    file: str
    document: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.field is not None:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class Invalid(ValueError):
    pass


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be text in double quotes, not {_kind(value)}")
    if not value.strip():
        raise Invalid("is empty")
    return value


def translatable(value: Any) -> models.Translatable:
    if isinstance(value, str):
        text(value)
        return dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        raise Invalid(f'must be text or {{"fi": ..., "sv": ..., "en": ...}}, not {_kind(value)}')
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise Invalid(f'unknown language "{unknown[0]}" (use fi, sv, en)')
    if "fi" not in value:
        raise Invalid("the Finnish text (fi) is missing")
    for lang, item in value.items():
        try:
            text(item)
        except Invalid as exc:
            raise Invalid(f"{lang} {exc}") from None
    return dict(value)


def slug(value: Any) -> str:
    text(value)
    if not SLUG.fullmatch(value):
        raise Invalid(f'"{value}" is not a slug (use a-z, 0-9 and -, e.g. "uutiset-2026")')
    if value in RESERVED_SLUGS:
        raise Invalid(f'"{value}" is reserved for the site\'s own pages')
    return value


def day(value: Any) -> date:
    if isinstance(value, str) and DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(f"{_show(value)} is not a date (use YYYY-MM-DD)")


def moment(value: Any) -> date | datetime:
    """An all-day date or a local Helsinki date-time."""
    if isinstance(value, str) and (DATE.fullmatch(value) or DATETIME.fullmatch(value)):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=HELSINKI) if "T" in value else parsed.date()
    raise Invalid(f"{_show(value)} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")


def timestamp(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(text(value))
    except (Invalid, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(
            f"{_show(value)} is not a date-time with offset (e.g. 2026-11-28T10:15+02:00)"
        )
    return parsed


def url(value: Any) -> str:
    text(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise Invalid(f'"{value}" is not a web address (it must start with https:// or http://)')
    return value


def email(value: Any) -> str:
    if not EMAIL.fullmatch(text(value)):
        raise Invalid(f'"{value}" is not an email address')
    return value


def status(value: Any) -> str:
    if value not in STATUSES:
        raise Invalid(f"{_show(value)} is not a status (use published, pending or rejected)")
    return value


Field = tuple[bool, Callable[[Any], Any]]
KINDS: dict[str, tuple[type, dict[str, Field]]] = {
    "pages.json": (
        models.Page,
        {"slug": (True, slug), "title": (True, translatable), "body": (True, translatable),
         "note": (False, text)},
    ),
    "contacts.json": (
        models.Contact,
        {"name": (True, text), "title": (True, translatable),
         "organisation": (True, translatable), "email": (True, email), "phone": (False, text)},
    ),
    "events.json": (
        models.Event,
        {"title": (True, translatable), "start": (True, moment), "end": (False, moment),
         "location": (True, translatable), "description": (True, translatable),
         "organiser": (True, translatable), "status": (True, status), "link": (False, url),
         "submitter_name": (False, text), "submitter_email": (False, email),
         "submitted": (False, timestamp)},
    ),
    "jobs.json": (
        models.Job,
        {"title": (True, translatable), "employer": (True, translatable),
         "location": (True, translatable), "deadline": (True, day), "link": (True, url)},
    ),
}  # fmt: skip


def load_documents(file: str, raw: dict[str, Any]) -> tuple[list[Any], list[Problem]]:
    """Validate a TinyDB file of one kind; return its documents as models, by id.

    A document unchanged since the last load of this file (same id, same JSON) keeps its
    model: after a proposal, 10,000 events are not all checked again (0.5 s).
    """
    model, fields = KINDS[file]
    table, problems = _table(file, raw)
    known = _known.get(file, {})
    kept: dict[tuple[str, bytes], Any] = {}
    documents = []
    for key, doc in table.items():
        fingerprint = (key, orjson.dumps(doc))
        document = known.get(fingerprint)
        if document is None:
            found = _document(file, key, doc, fields)
            if isinstance(found, list):
                problems.extend(found)
                continue
            document = model(id=int(key), **found)
        kept[fingerprint] = document
        documents.append(document)
    _known[file] = kept
    problems.extend(CHECKS.get(file, _no_check)(file, documents))
    documents.sort(key=lambda d: d.id)
    return documents, problems


_known: dict[str, dict[tuple[str, bytes], Any]] = {}
"""The valid models of each file's last load, by document id and JSON."""


def _table(file: str, raw: Any) -> tuple[dict[str, Any], list[Problem]]:
    if not isinstance(raw, dict):
        return {}, [Problem(file, None, None, 'must be an object: {"_default": {...}}')]
    problems = [
        Problem(file, None, None, f'unknown table "{name}" (only "_default" is read)')
        for name in raw
        if name != "_default"
    ]
    table = raw.get("_default", {})
    if not isinstance(table, dict):
        return {}, [*problems, Problem(file, None, "_default", "must be an object of documents")]
    valid = {}
    for key, doc in table.items():
        if not key.isdigit() or int(key) < 1:
            problems.append(Problem(file, key, None, "a document id must be a whole number"))
        elif not isinstance(doc, dict):
            problems.append(Problem(file, key, None, "must be an object {...}"))
        else:
            valid[key] = doc
    return valid, problems


def _document(file: str, key: str, doc: dict, fields: dict[str, Field]) -> dict | list[Problem]:
    problems = []
    values = {}
    for name, (required, convert) in fields.items():
        if name not in doc:
            if required:
                problems.append(Problem(file, key, name, "is missing"))
            continue
        try:
            values[name] = convert(doc[name])
        except Invalid as exc:
            problems.append(Problem(file, key, name, str(exc)))
    for name in doc.keys() - fields.keys():
        known = ", ".join(fields)
        problems.append(Problem(file, key, name, f"is not a known field (known: {known})"))
    return problems or values


def _check_pages(file: str, pages: list[models.Page]) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for page in sorted(pages, key=lambda p: p.id):
        if page.slug in seen:
            message = f'"{page.slug}" is already used by document {seen[page.slug]}'
            problems.append(Problem(file, str(page.id), "slug", message))
        seen.setdefault(page.slug, page.id)
    for required in REQUIRED_PAGES:
        if required not in seen:
            problems.append(Problem(file, None, None, f'the page "{required}" is missing'))
    return problems


def _check_events(file: str, events: list[models.Event]) -> list[Problem]:
    problems = []
    for event in events:
        if event.end is not None and event.ends_at < event.starts_at:
            problems.append(Problem(file, str(event.id), "end", "is before the start"))
    return problems


def _no_check(file: str, documents: list[Any]) -> list[Problem]:
    return []


CHECKS = {"pages.json": _check_pages, "events.json": _check_events}


def parse_json(file: str, data: bytes) -> tuple[Any, list[Problem]]:
    """Parse a data file's bytes; on failure say where and what, for a person."""
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"line {line}: is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return None, [Problem(file, None, None, message)]
    if not source.strip():
        return None, [
            Problem(file, None, None, 'the file is empty (an empty file is {"_default": {}})')
        ]
    try:
        return orjson.loads(source), []
    except orjson.JSONDecodeError:
        pass
    try:
        json.loads(source)
    except json.JSONDecodeError as exc:
        message = f"line {exc.lineno}, column {exc.colno}: {_explain(exc)}"
        return None, [Problem(file, None, None, message)]
    return None, [Problem(file, None, None, "is not valid JSON")]


def _explain(exc: json.JSONDecodeError) -> str:
    before = exc.doc[: exc.pos].rstrip()[-1:]
    after = exc.doc[exc.pos : exc.pos + 1]
    if before == "," and (exc.msg.startswith("Expecting property name") or after in "]}"):
        return "a comma before a closing bracket is not allowed in JSON (trailing comma)"
    hints = {
        "Expecting ',' delimiter": "a comma is missing between two values",
        "Expecting ':' delimiter": "a colon (:) is missing after a field name",
        "Expecting property name enclosed in double quotes": (
            "a field name must be in double quotes"
        ),
        "Expecting value": "a value is missing or not valid JSON (text needs double quotes)",
        "Unterminated string starting at": "a text is not closed with a double quote",
        "Invalid control character at": "a line break inside a text (write it as \\n)",
        "Extra data": "there is more after the end of the data (an extra bracket?)",
    }
    return hints.get(exc.msg, exc.msg)


def _kind(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list",
             dict: "an object", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else _kind(value)
