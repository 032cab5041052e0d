"""The reload after a proposal: the proposing worker's next read, and another worker's.

Another worker is another process: it holds its own collection, and sees the proposal
only through the file on disk.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from kehto_app.content.kinds import EVENTS
from kehto_app.content.store import Collection
from kehto_app.content.validation import Validator

from .proposals import WRITES
from .proposals import proposal
from .proposals import replace_events


def open_events(folder: Path) -> Collection:
    return Collection(folder / "events.json", Validator(EVENTS))


def timed_read(events: Collection) -> float:
    started = time.perf_counter()
    events.get()
    return (time.perf_counter() - started) * 1000


def reload_after_proposals(folder: Path, count: int) -> tuple[float, float]:
    """Median milliseconds of the next read after a proposal: (proposing worker, another)."""
    replace_events(folder, count)
    other = subprocess.Popen(
        [sys.executable, "-m", "bench.reload", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdin is not None and other.stdout is not None
        if other.stdout.readline().strip() != "ready":
            raise RuntimeError("the other worker did not start")
        events = open_events(folder)
        events.get()
        own, theirs = [], []
        for number in range(WRITES):
            doc = proposal(count + number)
            events.write(lambda table, doc=doc: table.insert(doc))
            own.append(timed_read(events))
            other.stdin.write("read\n")
            other.stdin.flush()
            theirs.append(float(other.stdout.readline()))
        other.stdin.close()
        other.wait(timeout=60)
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
    return statistics.median(own), statistics.median(theirs)


def other_worker(folder: Path) -> None:
    """Read events.json once per line on stdin; print how long each read took."""
    events = open_events(folder)
    events.get()
    print("ready", flush=True)
    for _ in sys.stdin:
        print(f"{timed_read(events):.2f}", flush=True)


if __name__ == "__main__":
    other_worker(Path(sys.argv[1]))
