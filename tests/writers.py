"""Writer processes for the store's concurrency and crash tests.

    python -m tests.writers insert FOLDER TAG COUNT   # COUNT inserts, then exit
    python -m tests.writers loop FOLDER TAG           # insert until killed

Each completed insert prints its document id and tag, flushed, so a test knows
exactly which writes returned before the process died.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kehto_app.content.kinds import EVENTS
from kehto_app.content.store import Collection
from kehto_app.content.validation import Validator
from tests.helpers import event


def numbered(tag: str, n: int) -> dict:
    """The `n`th proposal a writer tagged `tag` inserts, titled "{tag}-{n}"."""
    return event(
        title=f"{tag}-{n}", location="Lahti", description="x" * 200, organiser=tag, status="hidden"
    )


def main(argv: list[str]) -> None:
    mode, folder, tag = argv[0], Path(argv[1]), argv[2]
    events = Collection(folder / "events.json", Validator(EVENTS), history_keep=3)
    count = int(argv[3]) if mode == "insert" else sys.maxsize
    if mode == "loop":
        print("ready", flush=True)
    for n in range(count):
        doc_id = events.write(lambda table, n=n: table.insert(numbered(tag, n)))
        print(doc_id, f"{tag}-{n}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
