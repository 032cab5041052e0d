"""A JSON Schema per data file, made from its kind, for the maintainer's editor.

The editor underlines a wrong field name or type and completes field names; `kehto check`
stays the full judge (cross-document rules, dates that exist, reserved slugs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from .kinds import Kind

DRAFT = "http://json-schema.org/draft-07/schema#"
FOLDER = "schema"
"""Where the schemas live, inside the data folder."""


def schema_of(kind: Kind) -> dict[str, Any]:
    """The schema of `<kind>.json`: a TinyDB file whose documents have the kind's fields."""
    document = {
        "type": "object",
        "properties": {
            name: {**field.rule.schema, "description": field.meaning}
            for name, field in kind.fields.items()
        },
        "required": [name for name, field in kind.fields.items() if field.required],
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT,
        "title": kind.file,
        "description": f"{kind.file}: {kind.meaning}",
        "type": "object",
        "properties": {
            "_default": {
                "type": "object",
                "description": ("exactly one document" if kind.single else "the documents")
                + ", by id (a whole number written as text)",
                "patternProperties": {"^[1-9][0-9]*$": document},
                "additionalProperties": False,
                **({"minProperties": 1, "maxProperties": 1} if kind.single else {}),
            }
        },
        "required": ["_default"],
        "additionalProperties": False,
    }


def schema_file(kind: Kind) -> str:
    return f"{FOLDER}/{kind.name}.schema.json"


def render(kind: Kind) -> bytes:
    return orjson.dumps(schema_of(kind), option=orjson.OPT_INDENT_2) + b"\n"


def editor_settings(kinds: tuple[Kind, ...], data_folder: str = "data") -> dict[str, Any]:
    """VS Code's `json.schemas`: each data file mapped to its schema."""
    return {
        "json.schemas": [
            {
                "fileMatch": [f"/{data_folder}/{kind.file}"],
                "url": f"./{data_folder}/{schema_file(kind)}",
            }
            for kind in kinds
        ]
    }


def write_schemas(folder: Path, kinds: tuple[Kind, ...]) -> list[Path]:
    """Write every kind's schema into `folder/schema/`; return the files that changed."""
    (folder / FOLDER).mkdir(exist_ok=True)
    changed = []
    for kind in kinds:
        path = folder / schema_file(kind)
        payload = render(kind)
        if not path.exists() or path.read_bytes() != payload:
            path.write_bytes(payload)
            changed.append(path)
    return changed


def write_editor_settings(root: Path, kinds: tuple[Kind, ...]) -> Path | None:
    """Map the schemas in `root/.vscode/settings.json`, keeping its other settings."""
    path = root / ".vscode" / "settings.json"
    settings = orjson.loads(path.read_bytes()) if path.exists() else {}
    settings.update(editor_settings(kinds))
    payload = orjson.dumps(settings, option=orjson.OPT_INDENT_2) + b"\n"
    if path.exists() and path.read_bytes() == payload:
        return None
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(payload)
    return path
