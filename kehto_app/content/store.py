"""The data files: validated reads cached by file identity, locked atomic writes, history.

This is the only module that imports tinydb (`Table` and `Document` are re-exported for the
writers). Every write takes an exclusive lock on a separate lock file, re-reads the file,
applies the change through a fresh TinyDB (so no process keeps a stale next id or query
cache), writes a temp file in the same folder, fsyncs it, keeps the new version in
`.history/`, `os.replace`s it and fsyncs the folder. A crash at any moment leaves the old or
the new file whole.

Every version that a process sees (a hand edit noticed on a read, or a write of its own) is
copied into `.history/` once, valid or not, and the last valid one into `.valid/`: a file
that turns invalid is served from there, after a reload or a restart too.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
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
from tinydb.table import Document
from tinydb.table import Table

from . import base
from .validation import Problem
from .validation import duplicate_ids
from .validation import parse_json

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Loader = Callable[[dict[str, Any]], tuple[T, list[Problem]]]
"""Validates a file's parsed content: its models (the last ones kept), and the problems."""

TABLE = "_default"
EMPTY: dict[str, Any] = {TABLE: {}}
AUTHORS = ("hand", "site", "command")
"""Who made a version: a hand edit (noticed on a read), the site, or a maintainer's command."""

__all__ = ["Document", "Table"]


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


def read_bytes(path: Path) -> tuple[bytes | None, list[Problem]]:
    """One data file's bytes, or why they cannot be read."""
    try:
        return path.read_bytes(), []
    except FileNotFoundError:
        return None, [Problem(path.name, None, None, "the file is missing")]
    except OSError as exc:
        return None, [Problem(path.name, None, None, f"cannot be read ({exc.strerror})")]


def read_raw(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Read and parse one data file; return its content or the problems."""
    data, problems = read_bytes(path)
    if data is None:
        return None, problems
    return parse_json(path.name, data)


def fingerprint(data: bytes) -> str:
    """A version's id: the start of its content's SHA-256, the same in every process."""
    return hashlib.sha256(data).hexdigest()[:8]


@dataclass(frozen=True)
class Version:
    """One copy in `.history/`: `<file>.<UTC time>.<id>.<author>.<valid|invalid>.<count>.json`."""

    path: Path
    id: str
    at: datetime
    author: str
    valid: bool
    documents: int | None

    NAME = re.compile(
        r"(?P<at>\d{8}T\d{12}Z)\.(?P<id>[0-9a-f]{8})\.(?P<author>[a-z]+)"
        r"\.(?P<state>valid|invalid)\.(?P<count>\d+|x)\.json"
    )

    @classmethod
    def parse(cls, path: Path, file: str) -> Version | None:
        found = cls.NAME.fullmatch(path.name.removeprefix(f"{file}."))
        if not path.name.startswith(f"{file}.") or found is None:
            return None
        at = datetime.strptime(found["at"], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        count = None if found["count"] == "x" else int(found["count"])
        return cls(path, found["id"], at, found["author"], found["state"] == "valid", count)


def history(folder: Path, file: str) -> list[Version]:
    """The versions of `file` kept in `folder`, newest first."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.startswith(f"{file}.")]
    except FileNotFoundError:
        return []
    found = (Version.parse(folder / name, file) for name in names)
    return sorted((v for v in found if v is not None), key=lambda v: v.path.name, reverse=True)


class Collection(Generic[T]):
    """One data file: the last valid content, reloaded when the file changes."""

    def __init__(
        self,
        path: Path,
        load: Loader[T],
        *,
        history_keep: int = 50,
        lock_timeout: float = 10.0,
        mode: int = 0o644,
        ids: IdLedger | None = None,
        seen: FirstSeen | None = None,
    ) -> None:
        self.path = path
        self.name = path.name
        self._load = load
        self._history_keep = history_keep
        self._lock_timeout = lock_timeout
        self._mode = mode
        self._ids = ids
        self._seen = seen
        self._mutex = threading.Lock()
        self._state: FileState | None = None
        self._served: FileState | None = None
        self._base: FileState | None = None
        self._value: T | None = None
        self._version = 0
        self._derived: dict[Callable[[T], Any], tuple[int, Any]] = {}
        self._kept_valid: str | None = None
        self._newest: Version | None = None
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        # What this process last saved, while the file on disk is still that version.
        self._written: tuple[FileState, dict[str, Any]] | None = None

    @property
    def lock_path(self) -> Path:
        return self.path.parent / ".locks" / f"{self.name}.lock"

    @property
    def history_dir(self) -> Path:
        return self.path.parent / ".history"

    @property
    def valid_path(self) -> Path:
        """The last valid version, served while the file itself is invalid."""
        return self.path.parent / ".valid" / self.name

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

    @property
    def loaded(self) -> bool:
        """A valid version of the file has been loaded (now or before)."""
        self.refresh()
        return self._value is not None

    @property
    def serving_last_valid(self) -> bool:
        """The file is invalid, and its last valid version is what the site shows."""
        self.refresh()
        return bool(self.problems) and self._value is not None

    def get(self) -> T:
        """The last valid content (re-read only when the file has changed)."""
        self.refresh()
        if self._value is None:
            missing = f"{self.name}: no valid version has been loaded"
            raise StoreError("; ".join(map(str, self.problems)) or missing)
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

    def history(self) -> list[Version]:
        """The kept versions of this file, newest first."""
        self.refresh()
        return history(self.history_dir, self.name)

    def _reload(self, state: FileState | None) -> None:
        data, problems = read_bytes(self.path)
        value = None
        if data is not None:
            value, problems = self._check(data)
        errors = [p for p in problems if not p.warning]
        warnings = [p for p in problems if p.warning]
        if data is not None:
            try:
                self._record(data, "hand", not errors, _count(value))
            except (OSError, StoreError) as exc:
                log.warning("%s: could not keep this version in the history (%s)", self.name, exc)
        if errors:
            if errors != self.problems:
                for problem in errors:
                    log.error("%s", problem)
                if self._value is None:
                    self._serve_last_valid()
                if self._value is not None:
                    log.error("%s: serving the last valid version", self.name)
        else:
            if self.problems:
                log.warning("%s: valid again", self.name)
            if warnings != self.warnings:
                for problem in warnings:
                    log.warning("%s", problem)
            assert data is not None and value is not None
            self._accept(value, data, state)
        self.problems = errors
        self.warnings = warnings
        self._state = state

    def _check(self, data: bytes) -> tuple[T | None, list[Problem]]:
        """Every problem and warning of one version of the file (given as its bytes)."""
        raw, problems = parse_json(self.name, data)
        if raw is None:
            return None, problems
        return self._check_content(raw, data)

    def _check_content(
        self, raw: dict[str, Any], data: bytes | None
    ) -> tuple[T | None, list[Problem]]:
        """The problems of parsed content; `data`, its bytes, when a person may have written it."""
        value, problems = self._load(raw)
        if data is not None:
            problems += duplicate_ids(self.name, data, raw)
        if not any(not p.warning for p in problems):
            problems += self._lost(value, data)
            if self._ids is not None:
                problems += self._ids.check(self.name, _identities(value))
        return value, problems

    def _accept(self, value: T, data: bytes, state: FileState | None) -> None:
        """Serve a valid version, and keep it as the last valid one."""
        self._value = value
        self._served = state
        self._version += 1
        try:
            if self._ids is not None:
                self._ids.record(self.name, _identities(value))
            if self._seen is not None:
                self._seen.record(self.name, _texts(value), base.now())
        except (OSError, StoreError) as exc:
            log.warning("%s: could not remember its ids and dates (%s)", self.name, exc)
        self._keep_valid(data)

    def _lost(self, value: T, data: bytes | None) -> list[Problem]:
        """A warning when more than half of the documents are gone since the last valid version."""
        before = _ids_of(self._value) if self._value is not None else self._valid_ids(data)
        lost = sorted(before - _ids_of(value))
        if not before or len(lost) * 2 <= len(before):
            return []
        ids = ", ".join(map(str, lost[:20])) + (", ..." if len(lost) > 20 else "")
        message = (
            f"{len(lost)} of the {len(before)} documents are gone since the previous version "
            f"(ids {ids}); if that was a mistake, `kehto history {self.name}` lists the "
            f"versions and `kehto restore {self.name} VERSION` puts one back"
        )
        return [Problem(self.name, None, None, message, warning=True, loss=True)]

    def _valid_ids(self, data: bytes | None) -> set[int]:
        """The ids of the last valid version on disk (at start-up); none to compare when it
        is the very version being checked, as after most restarts, so it is not parsed."""
        try:
            kept = self.valid_path.read_bytes()
            if kept == data:
                return set()
            raw = orjson.loads(kept)
            return {int(key) for key in raw[TABLE]}
        except (OSError, ValueError, KeyError, TypeError):
            return set()

    def _serve_last_valid(self) -> None:
        """At start-up with an invalid file: serve the last valid version kept beside it."""
        try:
            data = self.valid_path.read_bytes()
        except OSError:
            return
        raw, problems = parse_json(self.name, data)
        if raw is None:
            return
        value, problems = self._load(raw)
        if not any(not p.warning for p in problems):
            self._value = value
            self._served = FileState.of(self.valid_path)
            self._version += 1
            self._kept_valid = fingerprint(data)

    def write(self, change: Callable[[Table], R], *, author: str = "site") -> R:
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
                    self._commit(staged.data, before, author)
                except _EditedMeanwhile:
                    log.warning(
                        "%s: edited while a change was being saved; applying it again", self.name
                    )
                    continue
                return result
        raise StoreError(f"{self.name}: kept changing on disk while a change was being saved")

    def first_seen(self, doc_id: int) -> datetime | None:
        """When the document's current title and body were first seen (if it is kept)."""
        self.refresh()
        return self._seen.get(self.name, doc_id) if self._seen is not None else None

    def next_id(self, in_use: set[int]) -> int:
        """An id for a new document: never one given or seen before, when ids are shared."""
        if self._ids is None:
            return max(in_use, default=0) + 1
        return self._ids.next_id(in_use)

    def create(self, data: dict[str, Any], *, mode: int) -> None:
        """Make the file with `data` if it does not exist (as one complete file, never half)."""
        folder = self.path.parent
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(dump(data))
                out.flush()
                os.fsync(out.fileno())
            keep_owner(Path(tmp), like=None, folder=folder, mode=mode)
            with suppress(FileExistsError):
                os.link(tmp, self.path)
        finally:
            _unlink(tmp)
        fsync_dir(folder)

    def restore(self, data: bytes, *, author: str = "command") -> None:
        """Put an earlier version back, byte for byte, under the lock; refused if invalid."""
        raw, problems = parse_json(self.name, data)
        if raw is None:
            raise StoreError("; ".join(map(str, problems)))
        with self._locked():
            self.refresh()
            self._base = FileState.of(self.path)
            self._commit(raw, set(), author, data)

    def _commit(
        self, data: dict[str, Any], before: set[Problem], author: str, payload: bytes | None = None
    ) -> None:
        """Validate the changed content, save it, and serve it at once if it is valid."""
        value, problems = self._check_content(data, payload)
        payload = dump(data) if payload is None else payload
        errors = [p for p in problems if not p.warning]
        added = [p for p in errors if p not in before]
        if added:
            self._written = None
            raise StoreError(f"{self.name}: the change was refused: " + "; ".join(map(str, added)))
        self.save(data, author=author, payload=payload, valid=not errors)
        written = self._written
        if not errors and written is not None and value is not None:
            with self._mutex:
                self._accept(value, payload, written[0])
                self._state = written[0]
                self.problems = []
                self.warnings = [p for p in problems if p.warning]

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
        with _flock(self.lock_path, self._lock_timeout, self.name):
            yield

    def save(
        self,
        data: dict[str, Any],
        *,
        author: str = "site",
        payload: bytes | None = None,
        valid: bool = True,
    ) -> None:
        """Replace the file with `data` (as `payload` if given); the caller holds the lock."""
        payload = dump(data) if payload is None else payload
        folder = self.path.parent
        tmp = ""
        kept: Path | None = None
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            keep_owner(Path(tmp), like=self.path, folder=folder, mode=self._mode)
            st = os.stat(tmp)
            if FileState.of(self.path) != self._base:
                raise _EditedMeanwhile()
            kept = self._record(payload, author, valid, len(data.get(TABLE) or {}))
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
        fsync_dir(folder)

    def _record(self, data: bytes, author: str, valid: bool, count: int | None) -> Path | None:
        """Copy a version into `.history/` unless it is the newest there; the copy's path."""
        if self._history_keep <= 0:
            return None
        version_id = fingerprint(data)
        newest = self._newest
        if newest is not None and newest.id == version_id and newest.path.exists():
            return None
        folder = self.history_dir
        make_folder(folder, like=self.path.parent)
        with _flock(self.lock_path.with_suffix(".history.lock"), self._lock_timeout, self.name):
            kept = history(folder, self.name)
            if kept and kept[0].id == version_id:
                self._newest = kept[0]
                return None
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            state = "valid" if valid else "invalid"
            documents = "x" if count is None else str(count)
            target = folder / f"{self.name}.{stamp}.{version_id}.{author}.{state}.{documents}.json"
            write_whole(target, data, like=self.path, mode=self._mode)
            self._newest = Version.parse(target, self.name)
            for old in kept[max(self._history_keep - 1, 0) :]:
                _unlink(old.path)
        return target

    def _keep_valid(self, data: bytes) -> None:
        """Keep a valid version as `.valid/<file>`, once per version."""
        version_id = fingerprint(data)
        if self._kept_valid == version_id:
            return
        target = self.valid_path
        make_folder(target.parent, like=self.path.parent)
        newest = self._newest
        try:
            if newest is not None and newest.id == version_id:
                if target.exists() and os.stat(target).st_ino == os.stat(newest.path).st_ino:
                    self._kept_valid = version_id
                    return
                tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
                _unlink(tmp)
                os.link(newest.path, tmp)
                os.replace(tmp, target)
            else:
                write_whole(target, data, like=self.path, mode=self._mode)
        except OSError as exc:
            log.warning("%s: could not keep the last valid version (%s)", self.name, exc)
            return
        self._kept_valid = version_id

    def _copies(self) -> list[Path]:
        """Every copy of the file kept beside it (earlier versions' history names too)."""
        copies = [self.valid_path] if self.valid_path.exists() else []
        if self.history_dir.is_dir():
            prefix = f"{self.name}."
            with os.scandir(self.history_dir) as entries:
                copies += [Path(e.path) for e in entries if e.name.startswith(prefix)]
        return copies

    def scrub(self, clean: Callable[[bytes], bytes | None]) -> int:
        """Rewrite every copy this collection keeps (history, last valid) through `clean`.

        `clean` returns the new bytes, the same bytes to keep a copy, or None to delete it.
        Returns how many copies changed. The caller holds no lock; this takes the file's.
        """
        changed = 0
        with self._locked():
            copies = self._copies()
            for copy in copies:
                data = copy.read_bytes()
                cleaned = clean(data)
                if cleaned == data:
                    continue
                changed += 1
                if cleaned is None:
                    _unlink(copy)
                else:
                    write_whole(copy, cleaned, like=self.path, mode=self._mode)
            self._newest = None
            self._kept_valid = None
        return changed


def _count(value: Any) -> int | None:
    return len(value) if isinstance(value, list) else None


def _ids_of(value: Any) -> set[int]:
    return {doc.id for doc in value} if isinstance(value, list) else set()


def _identities(value: Any) -> dict[int, str]:
    """What makes a document the same one after an edit: its title in Finnish."""
    found = {}
    for doc in value if isinstance(value, list) else []:
        title = getattr(doc, "title", "")
        text = title.get("fi", "") if isinstance(title, dict) else str(title)
        found[doc.id] = hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()[:8]
    return found


@contextmanager
def _flock(path: Path, timeout: float, name: str) -> Iterator[None]:
    make_folder(path.parent, like=path.parent.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        keep_owner(path, like=None, folder=path.parent, mode=None)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(f"{name}: timed out waiting for the lock") from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)


def make_folder(folder: Path, *, like: Path) -> None:
    """Create `folder` (owned as `like` is, when run as root) if it is missing."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    keep_owner(folder, like=None, folder=like, mode=None)


def keep_owner(path: Path, *, like: Path | None, folder: Path, mode: int | None) -> None:
    """Give a new file the owner and mode of the file it replaces (`like`), or its folder's owner.

    Run as root (a maintainer's command with sudo), this keeps the data the service's
    user's, so the site can still write it. A private `mode` (no access for others, as for
    the files with personal data) is kept whatever the old file's was.
    """
    try:
        st = os.stat(like) if like is not None else None
    except FileNotFoundError:
        st = None
    if mode is not None:
        private = not mode & 0o077
        os.chmod(path, (st.st_mode & 0o777) if st is not None and not private else mode)
    if os.geteuid() == 0:
        owner = st if st is not None else os.stat(folder)
        os.chown(path, owner.st_uid, owner.st_gid)


def write_whole(target: Path, data: bytes, *, like: Path, mode: int, durable: bool = True) -> None:
    """Write `target` whole: a temp file in its folder, fsynced (unless not `durable`), then
    renamed over it (`fsync_dir` keeps the rename through a power cut)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        keep_owner(Path(tmp), like=like, folder=like.parent, mode=mode)
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise


class StateFile:
    """A small JSON object of the site's own in the instance folder (ids, dates, revisions).

    Read again only when another process has replaced it (its identity changed), changed
    under its own lock, and written whole, 0600. `clean` tidies what was read, once per
    version of the file.
    """

    def __init__(
        self,
        path: Path,
        clean: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        lock_timeout: float = 10.0,
    ) -> None:
        self.path = path
        self._clean = clean
        self._lock_timeout = lock_timeout
        self._cache: tuple[FileState | None, dict[str, Any]] | None = None

    def read(self) -> dict[str, Any]:
        state = FileState.of(self.path)
        if self._cache is not None and state is not None and self._cache[0] == state:
            return self._cache[1]
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, ValueError):
            data = {}
        data = data if isinstance(data, dict) else {}
        if self._clean is not None:
            data = self._clean(data)
        self._cache = (state, data)
        return data

    @contextmanager
    def locked(self) -> Iterator[dict[str, Any]]:
        """The content as it is now, under the file's lock (every write replaces the file,
        so what `read` kept is still current if the identity is the same)."""
        lock = self.path.with_name(f".{self.path.name}.lock")
        with _flock(lock, self._lock_timeout, self.path.name):
            yield self.read()

    def write(self, data: dict[str, Any]) -> None:
        make_folder(self.path.parent, like=self.path.parent.parent)
        write_whole(self.path, orjson.dumps(data), like=self.path, mode=0o600)
        self._cache = (FileState.of(self.path), data)


class IdLedger:
    """Every event id ever given or seen (events and proposals), kept in the instance folder.

    So an id never comes to mean a different event: a new proposal gets an id above the
    highest one ever seen, even after the maintainer deletes that event by hand, and a
    document that takes an id a different document had before is reported.
    """

    def __init__(self, path: Path, lock_timeout: float = 10.0) -> None:
        self.path = path
        self._file = StateFile(path, _ledger_shape, lock_timeout)

    def _read(self) -> dict[str, Any]:
        return self._file.read()

    def highest(self) -> int:
        data = self._read()
        seen = [int(i) for entries in data["files"].values() for i in entries]
        return max([int(data["highest"]), *seen])

    def check(self, file: str, documents: Mapping[int, str]) -> list[Problem]:
        """An error for each document that took an id a different document had before."""
        files: dict[str, dict[str, list[Any]]] = self._read()["files"]
        mine = files.get(file, {})
        problems = []
        for doc_id, identity in documents.items():
            entry = mine.get(str(doc_id))
            if entry is not None and entry[1]:
                continue  # in the file's previous version too: an edit, not a new document
            for where, entries in files.items():
                other = entries.get(str(doc_id))
                if other is not None and other[0] != identity:
                    place = "" if where == file else f" in {where}"
                    free = max(self.highest(), *documents) + 1
                    message = (
                        f"the id {doc_id} was used before by a different event{place}; "
                        f"give this one a new id ({free} is free), so that its address and "
                        "calendar entry never point to another event"
                    )
                    problems.append(Problem(file, str(doc_id), None, message))
                    break
        return problems

    def record(self, file: str, documents: Mapping[int, str]) -> None:
        """Remember the ids of a valid version of `file`."""
        if not self._changes(self._read(), file, documents):
            return
        with self._file.locked() as data:
            if self._changes(data, file, documents):
                entries = data["files"].setdefault(file, {})
                for entry in entries.values():
                    entry[1] = False
                for doc_id, identity in documents.items():
                    entries[str(doc_id)] = [identity, True]
                data["highest"] = max([int(data["highest"]), *documents])
                self._file.write(data)

    @staticmethod
    def _changes(data: dict[str, Any], file: str, documents: Mapping[int, str]) -> bool:
        entries = data["files"].get(file, {})
        present = {key for key, entry in entries.items() if entry[1]}
        if present != {str(i) for i in documents}:
            return True
        return any(entries[str(i)][0] != identity for i, identity in documents.items())

    def next_id(self, in_use: set[int]) -> int:
        """A new id, above every id ever given or seen; remembered at once."""
        with self._file.locked() as data:
            seen = [int(i) for entries in data["files"].values() for i in entries]
            new = max([int(data["highest"]), *seen, *in_use]) + 1
            data["highest"] = new
            self._file.write(data)
        return new


class FirstSeen:
    """When each document's text was first seen as it is now (instance/seen.json).

    For "Päivitetty" where the maintainer gives no date: the day a process first loaded
    the current title and body of a page, kept across restarts and the same in every
    worker. A typo fix moves it too; a maintainer who wants otherwise writes `updated`.
    """

    def __init__(self, path: Path, lock_timeout: float = 10.0) -> None:
        self.path = path
        self._file = StateFile(path, lock_timeout=lock_timeout)

    def _read(self) -> dict[str, Any]:
        return self._file.read()

    def get(self, file: str, doc_id: int) -> datetime | None:
        """When the text was first seen; None if it was there before the record began."""
        entry = self._read().get(file, {}).get(str(doc_id))
        return datetime.fromisoformat(entry[1]) if entry and entry[1] else None

    def record(self, file: str, texts: Mapping[int, str], at: datetime) -> None:
        """Remember, for each document whose text is new, that it was first seen `at`."""
        if not self._changes(self._read(), file, texts):
            return
        with self._file.locked() as data:
            if not self._changes(data, file, texts):
                return
            # The first time a file is seen, its texts are older than the record: no date.
            first = file not in data
            known = data.get(file, {})
            when = None if first else at.isoformat()
            data[file] = {
                str(i): known[str(i)] if known.get(str(i), [None])[0] == text else [text, when]
                for i, text in texts.items()
            }
            self._file.write(data)

    @staticmethod
    def _changes(data: dict[str, Any], file: str, texts: Mapping[int, str]) -> bool:
        known = data.get(file, {})
        return known.keys() != {str(i) for i in texts} or any(
            known[str(i)][0] != text for i, text in texts.items()
        )


def _ledger_shape(data: dict[str, Any]) -> dict[str, Any]:
    data.setdefault("highest", 0)
    data.setdefault("files", {})
    return data


def _texts(value: Any) -> dict[int, str]:
    """Each document's title and body, as a short fingerprint."""
    found = {}
    for doc in value if isinstance(value, list) else []:
        text = orjson.dumps([getattr(doc, "title", None), getattr(doc, "body", None)],
                            option=orjson.OPT_SORT_KEYS)  # fmt: skip
        found[doc.id] = hashlib.sha256(text).hexdigest()[:12]
    return found


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


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DataStore:
    """All of the site's data files: one collection per kind, by the kind's name."""

    def __init__(
        self, collections: Mapping[str, Collection[Any]], private: Iterable[str] = ()
    ) -> None:
        self.collections = dict(collections)
        hidden = set(private)
        self.public = [c for name, c in self.collections.items() if name not in hidden]
        """The files that public pages show (not the site's own, such as the proposals)."""

    def __getitem__(self, kind: str) -> Collection[Any]:
        return self.collections[kind]

    def problems(self) -> list[Problem]:
        """Every problem in every file, as it is on disk now."""
        for collection in self.collections.values():
            collection.refresh()
        return [p for c in self.collections.values() for p in c.problems]

    def warnings(self) -> list[Problem]:
        """Advice on the files as they are now (they are served all the same)."""
        for collection in self.collections.values():
            collection.refresh()
        return [p for c in self.collections.values() for p in c.warnings]

    def never_valid(self) -> list[str]:
        """The files that have no valid version to serve (a new installation's broken data)."""
        return [c.name for c in self.collections.values() if c.problems and not c.loaded]

    def version(self) -> tuple[int, ...]:
        """Changes whenever a file that public pages show gets new valid content (a
        proposal, in the site's own file, leaves every cached page as it is)."""
        return tuple(c.version for c in self.public)
