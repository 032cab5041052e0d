"""Checking a data file: a precise message for every way it can be wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

import orjson

from .fields import Invalid

if TYPE_CHECKING:
    from .kinds import Kind


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


class Validator:
    """Checks one kind's file, keeping the models of its last check.

    A document unchanged since then (same id, same JSON) keeps its model: after a
    proposal, 10,000 events are not all checked again. Each collection has its own.
    """

    def __init__(self, kind: Kind, reserved: frozenset[str] = frozenset()) -> None:
        self.kind = kind
        self.reserved = reserved
        self._known: dict[tuple[str, bytes], Any] = {}

    def __call__(self, raw: Any) -> tuple[list[Any], list[Problem]]:
        """The file's documents as models, by id, and every problem found."""
        kind = self.kind
        table, problems = _table(kind.file, raw)
        kept: dict[tuple[str, bytes], Any] = {}
        documents = []
        for key, doc in table.items():
            fingerprint = (key, orjson.dumps(doc))
            document = self._known.get(fingerprint)
            if document is None:
                found = _document(kind, key, doc)
                if isinstance(found, list):
                    problems.extend(found)
                    continue
                document = kind.model(id=int(key), **found)
            kept[fingerprint] = document
            documents.append(document)
        self._known = kept
        if kind.check is not None:
            problems.extend(kind.check(kind.file, documents, self.reserved))
        documents.sort(key=lambda d: d.id)
        return documents, problems


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


def _document(kind: Kind, key: str, doc: dict[str, Any]) -> dict[str, Any] | list[Problem]:
    problems = []
    values = {}
    fields = kind.fields
    for name, spec in fields.items():
        if name not in doc:
            if spec.required:
                problems.append(Problem(kind.file, key, name, "is missing"))
            continue
        try:
            values[name] = spec.rule(doc[name])
        except Invalid as exc:
            problems.append(Problem(kind.file, key, name, str(exc)))
    for name in doc.keys() - fields.keys():
        known = ", ".join(fields)
        problems.append(Problem(kind.file, key, name, f"is not a known field (known: {known})"))
    return problems or values


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
