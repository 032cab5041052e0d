"""The data: kinds, models, field rules, validation, the store, queries and the only writers.

Data flows one way: file -> store (validated, cached by file identity) -> query -> view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask import current_app

from .base import LANGUAGES
from .kinds import DATED
from .kinds import KINDS
from .kinds import PROPOSALS
from .kinds import SHARED_IDS
from .kinds import Kind
from .revisions import Revisions
from .store import EMPTY
from .store import Collection
from .store import DataStore
from .store import FirstSeen
from .store import IdLedger
from .store import make_folder
from .validation import Validator

log = logging.getLogger(__name__)

EXTENSION = "kehto_store"
REVISIONS_EXTENSION = "kehto_revisions"
KINDS_EXTENSION = "kehto_kinds"
SITE_KINDS = (PROPOSALS,)


class InvalidData(SystemExit):
    """The data files are invalid at start-up: the site refuses to start."""


def init_app(app: Flask, kinds: Iterable[Kind] = KINDS) -> None:
    """Open the maintainer's data folder and the site's own files; refuse to start only on
    a file that has never been valid (an invalid file that was valid before is served from
    its last valid version, and `/healthz` reports it).

    Call after the blueprints are registered: a page may not take a slug that one of the
    site's own pages uses.
    """
    reserved = reserved_slugs(app)
    kinds = tuple(kinds)
    data = Path(app.config["DATA_DIR"])
    instance = Path(app.instance_path)
    ids = IdLedger(instance / "ids.json")
    seen = FirstSeen(instance / "seen.json")
    keep = app.config["HISTORY_KEEP"]

    def collection(kind: Kind, folder: Path, mode: int) -> Collection[Any]:
        return Collection(
            folder / kind.file,
            Validator(kind, reserved),
            history_keep=keep,
            mode=mode,
            ids=ids if kind.name in SHARED_IDS else None,
            seen=seen if kind.name in DATED else None,
        )

    collections = {kind.name: collection(kind, data, 0o644) for kind in kinds}
    for kind in SITE_KINDS:
        make_folder(instance, like=instance.parent)
        path = instance / kind.file
        if not path.exists():
            Collection(path, Validator(kind)).create(EMPTY, mode=0o600)
        collections[kind.name] = collection(kind, instance, 0o600)
    store = DataStore(collections, private=(kind.name for kind in SITE_KINDS))
    # The maintainer's commands (run inside click) start on broken files to report them
    # once, themselves: their first read is not logged as well.
    command = click.get_current_context(silent=True) is not None
    with quiet(log) if command else nullcontext():
        store.problems()
    broken = store.never_valid()
    if broken and not command:
        lines = "\n".join(str(p) for p in store.problems() if p.file in broken)
        raise InvalidData(f"The data files have problems; fix them and start again:\n{lines}")
    app.extensions[EXTENSION] = store
    app.extensions[KINDS_EXTENSION] = tuple(kinds)
    app.extensions[REVISIONS_EXTENSION] = Revisions(instance / "revisions.json")


@contextmanager
def quiet(logger: logging.Logger) -> Iterator[None]:
    """No log lines from `logger` and below while the block runs."""
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def reserved_slugs(app: Flask) -> frozenset[str]:
    """The first path segment of every fixed page under a language, in any language's words
    (tapahtumat, evenemang, events, ...)."""
    found = {"static"}
    for rule in app.url_map.iter_rules():
        parts = rule.rule.split("/")
        under_language = parts[1].startswith("<lang") or parts[1] in LANGUAGES
        if len(parts) > 2 and under_language and "<" not in parts[2]:
            found.add(parts[2])
    return frozenset(found - {""})


def current_store() -> DataStore:
    return store_of(current_app)


def store_of(app: Flask) -> DataStore:
    return app.extensions[EXTENSION]


def current_revisions() -> Revisions:
    """Each event's SEQUENCE and LAST-MODIFIED, kept in the instance folder."""
    return current_app.extensions[REVISIONS_EXTENSION]


def current_kinds() -> tuple[Kind, ...]:
    return current_app.extensions[KINDS_EXTENSION]
