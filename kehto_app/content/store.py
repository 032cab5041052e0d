"""The data files: validated reads cached by file identity, locked atomic writes.

This is the only module that imports tinydb (`Table` is re-exported for the writers' type
hints). Every write takes an exclusive lock on
a separate lock file, re-reads the file, applies the change through a fresh TinyDB
(so no process keeps a stale next id or query cache), writes a temp file in the same
folder, fsyncs it, keeps the previous version in `.history/`, `os.replace`s it and
fsyncs the folder. A crash at any moment leaves the old or the new file whole.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Generic
from typing import TypeVar

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from .validation import Problem
from .validation import parse_json

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Loader = Callable[[dict[str, Any]], tuple[T, list[Problem]]]
"""Validates a file's parsed content: its models (the last ones kept), and the problems."""

TABLE = "_default"


class StoreError(Exception):
    """A data file could not be written; the previous version is intact."""


class _EditedMeanwhile(Exception):
    """The file changed on disk between reading it and replacing it."""


ATTEMPTS = 3


@dataclass(frozen=True)
class FileState:
    """What identifies one version of a file on disk."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileState | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(st.st_mtime_ns, st.st_size, st.st_ino)


def read_raw(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read and parse one data file; return its content or the problems."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(path.name, None, None, "the file is missing")]
    except OSError as exc:
        return None, [Problem(path.name, None, None, f"cannot be read ({exc.strerror})")]
    return parse_json(path.name, data)


class Collection(Generic[T]):
    """One data file: the last valid content, reloaded when the file changes."""

    def __init__(
        self,
        path: Path,
        load: Loader[T],
        *,
        history_keep: int = 50,
        lock_timeout: float = 10.0,
    ) -> None:
        self.path = path
        self.name = path.name
        self._load = load
        self._history_keep = history_keep
        self._lock_timeout = lock_timeout
        self._mutex = threading.Lock()
        self._state: FileState | None = None
        self._served: FileState | None = None
        self._base: FileState | None = None
        self._value: T | None = None
        self._version = 0
        self._derived: dict[Callable[[T], Any], tuple[int, Any]] = {}
        self.problems: list[Problem] = []
        # What this process last saved, while the file on disk is still that version.
        self._written: tuple[FileState, dict[str, Any]] | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.parent / ".locks" / f"{self.name}.lock"

    @property
    def history_dir(self) -> Path:
        return self.path.parent / ".history"

    @property
    def version(self) -> int:
        """A number that grows each time a new valid version is loaded."""
        self.refresh()
        return self._version

    @property
    def modified(self) -> datetime:
        """When the file now served was last changed on disk."""
        self.refresh()
        return datetime.fromtimestamp((self._served or FileState(0, 0, 0)).mtime_ns / 1e9, UTC)

    def get(self) -> T:
        """The last valid content (re-read only when the file has changed)."""
        self.refresh()
        if self._value is None:
            raise StoreError(f"{self.name}: no valid version has been loaded")
        return self._value

    def derive(self, compute: Callable[[T], R]) -> R:
        """`compute(content)`, computed once per valid version of the file."""
        value = self.get()
        cached = self._derived.get(compute)
        if cached is not None and cached[0] == self._version:
            return cached[1]
        result = compute(value)
        self._derived[compute] = (self._version, result)
        return result

    def refresh(self) -> None:
        state = FileState.of(self.path)
        if state == self._state and state is not None:
            return
        with self._mutex:
            state = FileState.of(self.path)
            if state == self._state and state is not None:
                return
            self._reload(state)

    def _reload(self, state: FileState | None) -> None:
        raw, problems = read_raw(self.path)
        value = None
        if raw is not None:
            value, problems = self._load(raw)
        if problems:
            if problems != self.problems:
                for problem in problems:
                    log.error("%s", problem)
                if self._value is not None:
                    log.error("%s: serving the last valid version", self.name)
        else:
            if self.problems:
                log.warning("%s: valid again", self.name)
            self._value = value
            self._served = state
            self._version += 1
        self.problems = problems
        self._state = state

    def write(self, change: Callable[[Table], R]) -> R:
        """Apply `change` to the table under the file's lock; save it once, atomically.

        A change that would add a problem to the file is refused (`StoreError`), so the
        site never writes a file it could not serve. Editors take no lock: if the
        maintainer saves the file while a change is being prepared, the change is applied
        again to their version (their save is also kept in `.history/`), so their edit is
        never overwritten.
        """
        with self._locked():
            for _ in range(ATTEMPTS):
                self.refresh()
                before = set(self.problems)
                self._base = FileState.of(self.path)
                raw = self._take_written()
                if raw is None:
                    raw, problems = read_raw(self.path)
                if raw is None:
                    raise StoreError("; ".join(str(p) for p in problems))
                staged = _Staged(raw)
                db = _TinyDB(storage=_StagedStorage, staged=staged)
                try:
                    result = change(db.table(TABLE))
                except BaseException:
                    self._written = None
                    raise
                finally:
                    db.close()
                if staged.data is None:
                    return result
                try:
                    self._commit(staged.data, before)
                except _EditedMeanwhile:
                    log.warning(
                        "%s: edited while a change was being saved; applying it again", self.name
                    )
                    continue
                return result
        raise StoreError(f"{self.name}: kept changing on disk while a change was being saved")

    def _commit(self, data: dict[str, Any], before: set[Problem]) -> None:
        """Validate the changed content, save it, and serve it at once if it is valid."""
        value, problems = self._load(data)
        added = [p for p in problems if p not in before]
        if added:
            self._written = None
            raise StoreError(f"{self.name}: the change was refused: " + "; ".join(map(str, added)))
        self.save(data)
        written = self._written
        if not problems and written is not None:
            with self._mutex:
                self._value = value
                self._served = self._state = written[0]
                self._version += 1
                self.problems = []

    def _take_written(self) -> dict[str, Any] | None:
        """The content this process saved last, if the file is still exactly that version.

        Under the lock, the file's identity (inode, size, mtime) tells whether anyone
        (another worker, the CLI, the maintainer's editor) has written it since; if not,
        re-parsing it would give the same content back, so the parse is skipped.
        """
        written, self._written = self._written, None
        if written is None or FileState.of(self.path) != written[0]:
            return None
        return written[1]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.lock_path.parent.mkdir(exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self._lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(f"{self.name}: timed out waiting for the lock") from None
                    time.sleep(0.005)
            yield
        finally:
            os.close(fd)

    def save(self, data: dict[str, Any]) -> None:
        """Replace the file with `data`; the caller holds the lock."""
        payload = dump(data)
        folder = self.path.parent
        tmp = ""
        kept: Path | None = None
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
                st = os.fstat(out.fileno())
            os.chmod(tmp, 0o644)
            if FileState.of(self.path) != self._base:
                raise _EditedMeanwhile()
            kept = self._keep_history()
            os.replace(tmp, self.path)
            self._written = (FileState(st.st_mtime_ns, st.st_size, st.st_ino), data)
        except _EditedMeanwhile:
            _unlink(tmp)
            self._written = None
            raise
        except OSError as exc:
            if tmp:
                _unlink(tmp)
            if kept is not None:
                _unlink(kept)
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            if exc.errno == errno.ENOSPC:
                reason = "the disk is full"
            raise StoreError(f"{self.name}: could not be saved ({reason})") from exc
        _fsync_dir(folder)
        self._prune_history()

    def _keep_history(self) -> Path | None:
        if self._history_keep <= 0 or not self.path.exists():
            return None
        self.history_dir.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.history_dir / f"{self.name}.{stamp}.json"
        os.link(self.path, target)
        return target

    def _prune_history(self) -> None:
        if self._history_keep <= 0:
            return
        prefix = f"{self.name}."
        with os.scandir(self.history_dir) as entries:
            versions = sorted(e.name for e in entries if e.name.startswith(prefix))
        for old in versions[: -self._history_keep]:
            _unlink(self.history_dir / old)


class _Table(Table):
    """TinyDB's table whose insert adds one document without re-keying every other one.

    TinyDB's own insert goes through `_update_table`, which copies the whole table twice
    (keys to int and back) per call: a third of a write's time at 10,000 events.
    """

    def insert(self, document: Mapping[str, Any]) -> int:
        if not isinstance(document, Mapping) or isinstance(document, self.document_class):
            return super().insert(document)
        doc_id = self._get_next_id()
        tables = self._storage.read() or {}
        table = tables.setdefault(self.name, {})
        if str(doc_id) in table:
            raise ValueError(f"Document with ID {doc_id} already exists")
        table[str(doc_id)] = dict(document)
        self._storage.write(tables)
        self.clear_cache()
        return doc_id


class _TinyDB(TinyDB):
    table_class = _Table


@dataclass
class _Staged:
    """The content a change starts from; `data` is what it wrote, if anything."""

    initial: dict[str, Any]
    data: dict[str, Any] | None = None


class _StagedStorage(Storage):
    """A TinyDB storage in memory: every operation of one change, saved once after it."""

    def __init__(self, staged: _Staged) -> None:
        self._staged = staged

    def read(self) -> dict[str, Any] | None:
        staged = self._staged
        return staged.initial if staged.data is None else staged.data

    def write(self, data: dict[str, Any]) -> None:
        self._staged.data = data


def dump(data: dict[str, Any]) -> bytes:
    """The maintainer's format: UTF-8, two-space indent, real characters."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def _unlink(path: str | Path) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DataStore:
    """All of the site's data files, in one folder: one collection per kind."""

    def __init__(self, folder: Path, loaders: Mapping[str, Loader[Any]], history_keep: int = 50):
        self.folder = folder
        self.collections = {
            name: Collection(folder / f"{name}.json", load, history_keep=history_keep)
            for name, load in loaders.items()
        }

    def __getitem__(self, kind: str) -> Collection[Any]:
        return self.collections[kind]

    def problems(self) -> list[Problem]:
        """Every problem in every file, as it is on disk now."""
        for collection in self.collections.values():
            collection.refresh()
        return [p for c in self.collections.values() for p in c.problems]

    def version(self) -> tuple[int, ...]:
        """Changes whenever any file's valid content changes."""
        return tuple(c.version for c in self.collections.values())
