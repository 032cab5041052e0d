"""What many tests share: an event document, reading a data file, editing one as a person would.

A plain module, not a conftest, so that tests/writers.py can import it when it runs as
`python -m tests.writers` in a process of its own.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from kehto_app.i18n import localized_path

Table = dict[str, dict]
"""A data file's documents by id: its "_default" table."""

Change = Callable[[Table], object] | tuple[str, str]
"""How `edit_data` changes a file: a function on its table, or (old text, new text)."""


def in_lang(lang: str, path: str) -> str:
    """A site path as written in the routes (`/events/new/`) in `lang`'s own words
    (`/fi/tapahtumat/uusi/`): for tests that visit a page in every language. Each address
    itself is asserted word for word in tests/test_addresses.py."""
    return f"/{lang}{localized_path(path, lang)}"


def event(**fields: object) -> dict:
    """A valid, published event document as events.json holds it; `fields` replace or add to it.

    Every required field of the Event model is there, in its plain (one-language) form.
    """
    return {
        "title": "Tapahtuma",
        "start": "2099-01-01",
        "location": "Espoo",
        "description": "Kuvaus.",
        "organiser": "Espoo",
        "status": "published",
        **fields,
    }


def on_disk(path: Path) -> Table:
    """The documents of one data file as they are on disk now."""
    return json.loads(path.read_text(encoding="utf-8"))["_default"]


def events_on_disk(data_dir: Path) -> Table:
    """The documents of events.json in `data_dir` as they are on disk now."""
    return on_disk(data_dir / "events.json")


def edit_data(data_dir: Path, name: str, change: Change) -> None:
    """Change the data file `name` as its maintainer would in an editor, and move its mtime on.

    `change` is either a function that changes the file's table (the documents by id) in
    place, or an `(old, new)` pair: the text `old`, which must be in the file, is replaced
    once by `new`; that may leave the file broken, as a person's typo would.

    The whole file is written again in place (the same inode, as most editors save), in the
    maintainer's format. Its mtime then moves two seconds past both its last one and the
    present, so the change is seen however coarse the file system's or HTTP's clock is.
    """
    path = data_dir / name
    before = path.stat().st_mtime_ns
    text = path.read_text(encoding="utf-8")
    if isinstance(change, tuple):
        old, new = change
        assert old in text, f"{name} has no {old!r}"
        text = text.replace(old, new, 1)
    else:
        data = json.loads(text)
        change(data["_default"])
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    later = max(before, time.time_ns()) + 2_000_000_000
    os.utime(path, ns=(later, later))


def proposals_on_disk(instance_dir: Path) -> Table:
    """The documents of the site's proposals file in `instance_dir` as they are on disk now."""
    return on_disk(instance_dir / "proposals.json")
