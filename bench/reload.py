"""The reload after a proposal: the proposing worker's next read, and another worker's.

Another worker is another process: it holds its own collections, and sees the proposal
only through the files on disk. A read is what a page does: events.json (unchanged by a
proposal) and the proposals file.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from kehto_app.content.store import Collection

from .proposals import WRITES
from .proposals import open_store
from .proposals import proposal
from .proposals import propose
from .proposals import replace_events


def timed_read(store: tuple[Collection, Collection]) -> float:
    started = time.perf_counter()
    for collection in store:
        collection.get()
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
        store = open_store(folder)
        timed_read(store)
        own, theirs = [], []
        for number in range(WRITES):
            propose(*store, proposal(count + number))
            own.append(timed_read(store))
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
    """Read the files once per line on stdin; print how long each read took."""
    store = open_store(folder)
    timed_read(store)
    print("ready", flush=True)
    for _ in sys.stdin:
        print(f"{timed_read(store):.2f}", flush=True)


if __name__ == "__main__":
    other_worker(Path(sys.argv[1]))
