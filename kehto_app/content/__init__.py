"""The data: kinds, models, field rules, validation, the store, queries and the only writers.

Data flows one way: file -> store (validated, cached by file identity) -> query -> view.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click
from flask import Flask
from flask import current_app

from .kinds import KINDS
from .kinds import Kind
from .store import DataStore
from .validation import Validator

EXTENSION = "kehto_store"
KINDS_EXTENSION = "kehto_kinds"


class InvalidData(SystemExit):
    """The data files are invalid at start-up: the site refuses to start."""


def init_app(app: Flask, kinds: Iterable[Kind] = KINDS) -> None:
    """Open the data folder, one file per kind; refuse to start on a file with problems.

    Call after the blueprints are registered: a page may not take a slug that one of the
    site's own pages uses.
    """
    reserved = reserved_slugs(app)
    kinds = tuple(kinds)
    loaders = {kind.name: Validator(kind, reserved) for kind in kinds}
    store = DataStore(Path(app.config["DATA_DIR"]), loaders, app.config["HISTORY_KEEP"])
    problems = store.problems()
    # The maintainer's commands (run inside click) must start on broken files to report them.
    if problems and click.get_current_context(silent=True) is None:
        lines = "\n".join(str(p) for p in problems)
        raise InvalidData(f"The data files have problems; fix them and start again:\n{lines}")
    app.extensions[EXTENSION] = store
    app.extensions[KINDS_EXTENSION] = tuple(kinds)


def reserved_slugs(app: Flask) -> frozenset[str]:
    """The first path segment of every fixed page under a language (events, contacts, ...)."""
    found = {"static"}
    for rule in app.url_map.iter_rules():
        parts = rule.rule.split("/")
        if len(parts) > 2 and parts[1].startswith("<lang") and "<" not in parts[2]:
            found.add(parts[2])
    return frozenset(found - {""})


def current_store() -> DataStore:
    return store_of(current_app)


def store_of(app: Flask) -> DataStore:
    return app.extensions[EXTENSION]


def current_kinds() -> tuple[Kind, ...]:
    return current_app.extensions[KINDS_EXTENSION]
