"""The outbox: each mail is a file in `instance/outbox/` before it is sent, until it is sent.

One JSON file per mail (its envelope, its message as sent, its attempts), written whole to
a temp file and renamed into place, so a crash leaves a mail whole or not yet there. Every
change (a new mail, a claim, a mail marked sent or failed) is made under one `flock` on
`outbox/.lock`, held for a few file operations only, never while the mail server is
talked to: a worker claims the due mails under the lock, sends them without it, and
marks each sent (its file removed) or failed (retried later, with backoff) under the lock
again. No two workers send one mail; a claim whose worker died is taken over (`mails.py`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import suppress
from dataclasses import asdict
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from .. import config
from ..content import base
from ..content.store import fsync_dir
from ..content.store import write_whole
from .mails import NOTIFICATION
from .mails import Mail
from .mails import backoff
from .mails import this_process

STATE = "state.json"
"""The newest proposal a notification has named, and when the last notification was due."""
NOTES = "status.json"
"""When a mail was last sent, and the last error: what `kehto mail status` tells."""

log = logging.getLogger(__name__)

Render = Callable[[list[int]], tuple[str, list[str], str]]
"""The message for these proposals: (sender, recipients, the message as text)."""


class Outbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def add(self, kind: str, sender: str, recipients: list[str], message: str,
            proposals: Iterable[int] = ()) -> Mail:  # fmt: skip
        """Keep a mail to send now."""
        with self._locked():
            now = _stamp(base.now())
            mail = Mail(_new_id(), kind, sender, list(recipients), message, now, now,
                        sorted(proposals))  # fmt: skip
            self._write(mail)
            return mail

    def gather_new(
        self, known: Callable[[], list[int]], render: Render, every: float
    ) -> Mail | None:
        """Tell the moderators of every proposal in `known()` (the proposals file's ids) that
        no notification has named yet: in the notification still waiting if there is one, or
        in a new one sent `every` seconds after the last, so a flood is one mail. Under the
        lock, so two workers never name one proposal twice."""
        with self._locked():
            state = self._state()
            through = state.get("notified_through")
            ids = known()
            if through is None:  # mail was just turned on: from the next proposal on
                self._save_state(state | {"notified_through": max(ids, default=0)})
                return None
            new = sorted(i for i in ids if i > int(through))
            if not new:
                return None
            now = base.now()
            waiting = [m for m in self._mails() if m.kind == NOTIFICATION and not m.is_claimed(now)]
            if waiting:
                ids = sorted({*waiting[0].proposals, *new})
                sender, recipients, message = render(ids)
                mail = replace(waiting[0], proposals=ids, sender=sender, recipients=recipients,
                               message=message)  # fmt: skip
            else:
                last = state.get("notification_due")
                due = now
                if last is not None:
                    due = max(now, datetime.fromisoformat(last) + timedelta(seconds=every))
                sender, recipients, message = render(new)
                mail = Mail(_new_id(), NOTIFICATION, sender, recipients, message, _stamp(now),
                            _stamp(due), new)  # fmt: skip
                state["notification_due"] = _stamp(due)
            self._write(mail)
            self._save_state(state | {"notified_through": new[-1]})
            return mail

    def begin(self, known: Callable[[], list[int]]) -> None:
        """Start naming proposals after the newest in `known()`, unless already started: mail
        was just turned on, and the proposals made before are not news."""
        with self._locked():
            state = self._state()
            if state.get("notified_through") is None:
                self._save_state(state | {"notified_through": max(known(), default=0)})

    def notified_through(self, proposal_id: int) -> None:
        """Remember that every proposal up to this id has been in a notification."""
        with self._locked():
            state = self._state()
            if int(state.get("notified_through", -1)) < proposal_id:
                self._save_state(state | {"notified_through": proposal_id})

    def claim(self, *, everything: bool = False) -> list[Mail]:
        """Take the mails that are due (every waiting one, with `everything`) for sending."""
        with self._locked():
            now = base.now()
            taken = []
            for mail in self._mails():
                if mail.is_claimed(now) or (not everything and mail.due_at > now):
                    continue
                mail = replace(mail, claimed=_stamp(now), claimer=this_process())
                self._write(mail)
                taken.append(mail)
            return taken

    def sent(self, mail: Mail) -> None:
        with self._locked():
            with suppress(FileNotFoundError):
                os.unlink(self._path(mail.id))
            fsync_dir(self.folder)
            self._note(last_sent=_stamp(base.now()))

    def failed(self, mail: Mail, error: str) -> Mail:
        """Put a mail back to be tried again later; remember the error."""
        with self._locked():
            now = base.now()
            attempts = mail.attempts + 1
            again = replace(mail, attempts=attempts, last_error=error, claimed=None, claimer=None,
                            due=_stamp(now + backoff(attempts)))  # fmt: skip
            if self._path(mail.id).exists():
                self._write(again)
            self._note(last_error=error, last_error_at=_stamp(now))
            return again

    def forget(self, proposal_ids: Iterable[int]) -> int:
        """Remove the waiting mails that are about these proposals only (their data is purged)."""
        ids = set(proposal_ids)
        removed = 0
        with self._locked():
            now = base.now()
            for mail in self._mails():
                if mail.proposals and set(mail.proposals) <= ids and not mail.is_claimed(now):
                    os.unlink(self._path(mail.id))
                    removed += 1
            fsync_dir(self.folder)
        return removed

    def waiting(self) -> list[Mail]:
        """Every mail not sent yet, oldest first."""
        if not self.folder.exists():
            return []
        with self._locked():
            return self._mails()

    def state(self) -> dict[str, Any]:
        """The newest proposal named; when a mail was last sent, the last error and when."""
        if not self.folder.exists():
            return {}
        with self._locked():
            return self._read(NOTES) | self._state()

    def next_due(self) -> datetime | None:
        """When the next waiting mail is due (None: nothing waits)."""
        now = base.now()
        dues = [m.due_at for m in self.waiting() if not m.is_claimed(now)]
        return min(dues, default=None)

    def _path(self, mail_id: str) -> Path:
        return self.folder / f"{mail_id}.json"

    def _mails(self) -> list[Mail]:
        found = []
        for path in sorted(self.folder.glob("m*.json")):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                found.append(Mail(**raw))
            except FileNotFoundError:
                continue
            except (ValueError, TypeError) as exc:
                log.error("outbox: %s can't be read (%s); it is left alone", path.name, exc)
        return found

    def _state(self) -> dict[str, Any]:
        return self._read(STATE)

    def _read(self, name: str) -> dict[str, Any]:
        try:
            loaded = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _save_state(self, state: dict[str, Any]) -> None:
        self._replace(self.folder / STATE, state)

    def _note(self, **facts: str) -> None:
        """Remember what `kehto mail status` tells (when a mail was last sent, the last
        error), in a file of its own: a power cut may forget it, so it is not fsynced."""
        self._replace(self.folder / NOTES, self._read(NOTES) | facts, durable=False)

    def _write(self, mail: Mail) -> None:
        self._replace(self._path(mail.id), asdict(mail))

    def _replace(self, path: Path, data: dict[str, Any], *, durable: bool = True) -> None:
        """Write `path` whole (temp file, fsync, rename, fsync the folder): a crash, even a
        power cut, leaves the old or the new. Only the status notes (`durable=False`) are
        not fsynced: they are all a power cut can cost."""
        encoded = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        write_whole(path, encoded, like=path, mode=0o600, durable=durable)
        if durable:
            fsync_dir(self.folder)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        config.private_folder(self.folder)
        config.owned_by_folder(self.folder, self.folder.parent)
        path = self.folder / ".lock"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            config.owned_by_folder(path, self.folder)
            yield
        finally:
            os.close(fd)


def _new_id() -> str:
    """Sortable by when it was made: m<nanoseconds>-<random>."""
    return f"m{time.time_ns()}-{secrets.token_hex(3)}"


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
