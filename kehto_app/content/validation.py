"""Checking a data file: a precise message for every way it can be wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

import orjson

from . import syntax
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
    warning: bool = False
    """Advice that does not make the file invalid: it is served, and the problem reported."""
    loss: bool = False
    """A warning of data that may have been lost: served, but `kehto check` fails on it."""

    def __str__(self) -> str:
        parts = ["warning: " + self.file if self.warning else self.file]
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
        self._known: dict[tuple[str, bytes], tuple[Any, list[Problem]]] = {}

    def __call__(self, raw: Any) -> tuple[list[Any], list[Problem]]:
        """The file's documents as models, by id, and every problem found."""
        kind = self.kind
        table, problems = _table(kind.file, raw)
        kept: dict[tuple[str, bytes], tuple[Any, list[Problem]]] = {}
        documents = []
        for key, doc in table.items():
            fingerprint = (key, orjson.dumps(doc))
            known = self._known.get(fingerprint)
            if known is None:
                values, found = _document(kind, key, doc)
                if values is None:
                    problems.extend(found)
                    continue
                known = (kind.model(id=int(key), **values), found)
            kept[fingerprint] = known
            documents.append(known[0])
            problems.extend(known[1])
        self._known = kept
        if kind.single:
            problems.extend(_one_document(kind, raw))
        if kind.check is not None:
            problems.extend(kind.check(kind.file, documents, self.reserved))
        documents.sort(key=lambda d: d.id)
        return documents, problems


def _one_document(kind: Kind, raw: Any) -> list[Problem]:
    """A file of one document (site.json): none, or more than one, is a problem."""
    table = raw.get("_default", {}) if isinstance(raw, dict) else None
    if not isinstance(table, dict) or len(table) == 1:
        return []
    if not table:
        fields = ", ".join(f'"{name}": ...' for name in kind.fields)
        message = f'has no document: it must hold exactly one, "1": {{{fields}}}'
        return [Problem(kind.file, None, None, message)]
    ids = sorted(table, key=lambda key: (len(key), key))
    listed = ", ".join(ids[:-1]) + f" and {ids[-1]}"
    message = (
        f"has {len(ids)} documents (ids {listed}): it must hold exactly one, "
        "so keep one and delete the others"
    )
    return [Problem(kind.file, None, None, message)]


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
        if not DOCUMENT_ID.fullmatch(key):
            message = "a document id must be a whole number from 1 up, written with 0-9"
            problems.append(Problem(file, key, None, message))
        elif not isinstance(doc, dict):
            problems.append(Problem(file, key, None, "must be an object {...}"))
        else:
            valid[key] = doc
    return valid, problems


def _document(
    kind: Kind, key: str, doc: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The document's field values (None if any is invalid), and its problems and warnings."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
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
            continue
        warnings.extend(
            Problem(kind.file, key, name, advice, warning=True)
            for advice in spec.rule.warnings(values[name])
        )
    for name in doc.keys() - fields.keys():
        known = ", ".join(fields)
        problems.append(Problem(kind.file, key, name, f"is not a known field (known: {known})"))
    return (None if problems else values), problems + warnings


def parse_json(file: str, data: bytes) -> tuple[Any, list[Problem]]:
    """Parse a data file's bytes; on failure say where and what, for a person.

    orjson reads every valid file. Only a file it refuses is read again, carefully, to
    name the mistake and the line and column to look at (`syntax.mistake`).
    """
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
    except orjson.JSONDecodeError as exc:
        refused = exc
    try:
        found = syntax.mistake(source)
    except Exception:  # the careful reading is a guide, never a reason to fail
        found = None
    if found is None:
        line, column = syntax.position(source, refused.pos)
        found = syntax.Mistake(line, column, f"is not valid JSON ({refused.msg})")
    return None, [Problem(file, None, None, str(found))]


DOCUMENT_ID = re.compile(r"[1-9][0-9]{0,17}")
"""A document's id: what the site can serve at /events/<id>/ (ASCII digits, no leading 0)."""
DOCUMENT_KEY = re.compile(rb'"(\d+)"\s*:\s*\{')


def duplicate_ids(file: str, data: bytes, raw: Any) -> list[Problem]:
    """A document id written twice: JSON keeps the last one, and the first one vanishes.

    A fast count of `"<digits>": {` finds none in a normal file; only when there are more
    of them than documents are the lines looked up.
    """
    table = raw.get("_default") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        return []
    found = DOCUMENT_KEY.findall(data)
    if len(found) <= len(table):
        return []
    lines: dict[str, list[int]] = {}
    for match in DOCUMENT_KEY.finditer(data):
        key = match.group(1).decode()
        lines.setdefault(key, []).append(data.count(b"\n", 0, match.start()) + 1)
    problems = []
    for key, where in lines.items():
        if len(where) > 1 and key in table:
            at = ", ".join(map(str, where[:-1])) + f" and {where[-1]}"
            message = (
                f"the id {key} is written twice (lines {at}); only the last one would be "
                "read, so give the other document a new id"
            )
            problems.append(Problem(file, key, None, message))
    return problems
