"""The maintainer's data is never lost: locked atomic writes, crashes, full disks."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kehto_app.content import store as store_module
from kehto_app.content.kinds import EVENTS
from kehto_app.content.store import Collection
from kehto_app.content.store import StoreError
from kehto_app.content.validation import Validator
from tests.helpers import events_on_disk
from tests.helpers import on_disk
from tests.writers import numbered

ROOT = Path(__file__).resolve().parent.parent


def events_of(folder: Path, **kwargs) -> Collection:
    return Collection(folder / "events.json", Validator(EVENTS), **kwargs)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def writer(mode: str, folder: Path, tag: str, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.writers", mode, str(folder), tag, *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_a_write_keeps_the_maintainers_format(data_dir):
    events = events_of(data_dir)
    highest = max(map(int, events_on_disk(data_dir)))
    doc_id = events.write(lambda t: t.insert(numbered("Äänekoski", 1)))
    text = (data_dir / "events.json").read_text(encoding="utf-8")
    assert doc_id == highest + 1
    assert '"title": "Äänekoski-1"' in text and "\\u00c4" not in text
    assert '\n  "_default": {\n    "1": {\n      "title": {' in text
    assert text.endswith("}\n")
    assert [e.id for e in events.get()] == [1, 2, 3, 70, 71, 72, 73, highest + 1]


@pytest.mark.slow
def test_eight_processes_writing_fifty_times_lose_nothing(data_dir):
    before = len(events_on_disk(data_dir))
    procs = [writer("insert", data_dir, f"w{n}", "50") for n in range(8)]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 8
    documents = events_on_disk(data_dir)
    written = {doc["title"] for doc in documents.values() if isinstance(doc["title"], str)}
    for n in range(8):
        assert {f"w{n}-{i}" for i in range(50)} <= written
    assert len(documents) == before + 400
    reported = [line.split()[0] for out in outputs for line in out.splitlines()]
    assert len(reported) == len(set(reported)) == 400, "every returned id is unique"
    assert leftovers(data_dir) == []


@pytest.mark.slow
def test_kill_9_at_random_moments_never_breaks_the_file(data_dir):
    rng = random.Random(20261128)
    returned: set[str] = set()
    for round_ in range(8):
        procs = [writer("loop", data_dir, f"r{round_}p{n}") for n in range(3)]
        assert [proc.stdout.readline().strip() for proc in procs] == ["ready"] * 3
        time.sleep(rng.uniform(0.01, 0.3))
        for proc in procs:
            os.kill(proc.pid, signal.SIGKILL)
        for proc in procs:
            out, _ = proc.communicate(timeout=10)
            returned |= {line.split()[1] for line in out.splitlines() if " " in line}
        documents = events_on_disk(data_dir)
        titles = {doc["title"] for doc in documents.values() if isinstance(doc["title"], str)}
        assert returned <= titles, f"round {round_}: a write that returned was lost"
        _, problems = Validator(EVENTS)(json.loads((data_dir / "events.json").read_text()))
        assert problems == []
    assert len(returned) > 8
    # A killed writer may leave its temp file; it is never the data file and is ignored.
    assert all(name.startswith(".events.json.") for name in leftovers(data_dir))


def test_ids_stay_unique_when_another_process_wrote_in_between(data_dir):
    mine = events_of(data_dir)
    highest = max(map(int, events_on_disk(data_dir)))
    first = mine.write(lambda t: t.insert(numbered("a", 1)))
    subprocess.run(
        [sys.executable, "-m", "tests.writers", "insert", str(data_dir), "other", "2"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    second = mine.write(lambda t: t.insert(numbered("a", 2)))
    assert (first, second) == (highest + 1, highest + 4)


def test_a_full_disk_leaves_the_old_file_and_no_temp_file(data_dir, monkeypatch):
    before = (data_dir / "events.json").read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module.os, "fsync", no_space)
    with pytest.raises(StoreError, match="events.json: could not be saved \\(the disk is full\\)"):
        events_of(data_dir).write(lambda t: t.insert(numbered("full", 1)))
    assert (data_dir / "events.json").read_bytes() == before
    assert leftovers(data_dir) == []
    assert (
        list((data_dir / ".history").glob("*")) == [] if (data_dir / ".history").exists() else True
    )


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A real 64 KiB file system (needs root and mount); skipped where it can't be made."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk(tiny_tmpfs, data_dir):
    shutil.copy(data_dir / "events.json", tiny_tmpfs / "events.json")
    events = Collection(tiny_tmpfs / "events.json", Validator(EVENTS), history_keep=0)
    with pytest.raises(StoreError, match="could not be saved"):
        for n in range(1000):
            events.write(lambda t, n=n: t.insert(numbered("big" * 50, n)))
    written = events_on_disk(tiny_tmpfs)
    assert len(written) > 3, "the writes before the disk filled are all there"
    assert leftovers(tiny_tmpfs) == []


def test_a_read_only_folder_leaves_the_old_file(data_dir, monkeypatch):
    before = (data_dir / "events.json").read_bytes()
    if os.geteuid() != 0:
        data_dir.chmod(0o555)
    else:  # root ignores permissions: refuse the temp file as a read-only mount would

        def read_only(*args, **kwargs):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))

        monkeypatch.setattr(store_module.tempfile, "mkstemp", read_only)
    try:
        with pytest.raises(StoreError, match="events.json: could not be saved"):
            events_of(data_dir).write(lambda t: t.insert(numbered("ro", 1)))
    finally:
        data_dir.chmod(0o755)
    assert (data_dir / "events.json").read_bytes() == before
    assert leftovers(data_dir) == []


def test_a_lock_held_too_long_times_out_cleanly(data_dir):
    import fcntl

    events = events_of(data_dir, lock_timeout=0.2)
    before = len(events_on_disk(data_dir))
    events.lock_path.parent.mkdir(exist_ok=True)
    with open(events.lock_path, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="timed out waiting for the lock"):
            events.write(lambda t: t.insert(numbered("late", 1)))
    assert len(events_on_disk(data_dir)) == before


def test_a_write_never_overwrites_a_file_the_maintainer_broke(data_dir):
    (data_dir / "events.json").write_text('{"_default": {"1": {"title": "kesken"', encoding="utf-8")
    with pytest.raises(StoreError, match="line 1"):
        events_of(data_dir).write(lambda t: t.insert(numbered("x", 1)))
    assert (data_dir / "events.json").read_text() == '{"_default": {"1": {"title": "kesken"'


def test_history_keeps_the_previous_versions(data_dir):
    events = events_of(data_dir, history_keep=3)
    count = len(events_on_disk(data_dir))
    original = (data_dir / "events.json").read_bytes()
    for n in range(5):
        events.write(lambda t, n=n: t.insert(numbered("h", n)))
    kept = sorted((data_dir / ".history").glob("events.json.*.json"))
    assert len(kept) == 3
    assert kept[-1].read_bytes() == (data_dir / "events.json").read_bytes(), (
        "the newest kept version is the one just written"
    )
    assert [len(on_disk(k)) for k in kept] == [count + 3, count + 4, count + 5]
    assert any(k.read_bytes() == original for k in kept) is False
    first = events_of(data_dir, history_keep=50)
    first.write(lambda t: t.remove(doc_ids=[1]))
    assert len(on_disk(sorted((data_dir / ".history").glob("*.json"))[-1])) == count + 4


def test_reads_are_cached_until_the_file_changes(data_dir, monkeypatch):
    events = events_of(data_dir)
    parses = []
    real = store_module.parse_json
    monkeypatch.setattr(store_module, "parse_json", lambda *a: parses.append(1) or real(*a))
    for _ in range(5):
        events.get()
    assert len(parses) == 1
    path = data_dir / "events.json"
    path.write_text(path.read_text().replace("Jyväskylä", "Jyväskylä!"), encoding="utf-8")
    assert events.get()[0].location["fi"] == "Jyväskylä!"
    assert len(parses) == 2


def test_a_renamed_save_is_seen(data_dir):
    events = events_of(data_dir)
    assert events.get()[0].location["fi"] == "Jyväskylä"
    path = data_dir / "events.json"
    swap = data_dir / "events.json.swp"
    swap.write_text(path.read_text().replace("Jyväskylä", "Kuopio"), encoding="utf-8")
    os.utime(swap, ns=(os.stat(path).st_mtime_ns,) * 2)
    os.replace(swap, path)
    assert events.get()[0].location["fi"] == "Kuopio", "a new inode is a new version"


def test_a_bom_is_accepted_and_latin_1_is_a_clear_error(data_dir):
    path = data_dir / "events.json"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    events = events_of(data_dir)
    assert events.get()[0].location["fi"] == "Jyväskylä" and events.problems == []
    path.write_bytes(text.encode("latin-1"))
    events.refresh()
    assert [str(p) for p in events.problems] == [
        "events.json: line 6: is not UTF-8 text (byte 0xf6); save it as UTF-8"
    ]
    assert events.get()[0].location["fi"] == "Jyväskylä", "the last valid version stays"


def test_a_reload_checks_only_the_documents_that_changed(data_dir):
    events = events_of(data_dir)
    before = {e.id: e for e in events.get()}
    path = data_dir / "events.json"
    path.write_text(path.read_text().replace('"Tampere"', '"Turku"', 1), encoding="utf-8")
    after = {e.id: e for e in events.get()}
    assert after[1] is before[1] and after[2] is before[2], "unchanged documents keep their model"
    assert after[3] is not before[3] and after[3].location["fi"] == "Turku"
    path.write_text(path.read_text().replace('"status": "published"', '"status": "julkaistu"', 1))
    events.refresh()
    assert [str(p) for p in events.problems] == [
        'events.json: document 1: status: "julkaistu" is not a status (use published or hidden)'
    ]


def test_a_save_by_the_maintainer_during_a_write_is_not_overwritten(data_dir):
    events = events_of(data_dir)
    path = data_dir / "events.json"
    runs = []

    def insert_while_the_maintainer_saves(table):
        runs.append(1)
        if len(runs) == 1:  # the editor's rename-save lands while the change is prepared
            swap = data_dir / ".events.json.swp"
            swap.write_text(path.read_text().replace('"Tampere"', '"Pori"'), encoding="utf-8")
            os.replace(swap, path)
        return table.insert(numbered("kesken", 1))

    doc_id = events.write(insert_while_the_maintainer_saves)
    saved = on_disk(path)
    assert len(runs) == 2, "the change was applied again to the maintainer's version"
    assert saved["3"]["location"] == "Pori", "the maintainer's edit is kept"
    assert saved[str(doc_id)]["title"] == "kesken-1", "and so is the write"
    assert leftovers(data_dir) == []


def test_a_file_that_keeps_changing_gives_up_cleanly(data_dir):
    path = data_dir / "events.json"
    before = len(on_disk(path))

    def always_edited(table):
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
        return table.insert(numbered("x", 1))

    with pytest.raises(StoreError, match="kept changing on disk"):
        events_of(data_dir).write(always_edited)
    assert len(on_disk(path)) == before
    assert leftovers(data_dir) == []
