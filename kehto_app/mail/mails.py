"""A mail in the outbox: its envelope, its message as sent, its tries and who is sending it."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

NOTIFICATION = "notification"
DECISION = "decision"
CLAIM_SECONDS = 600
"""A claim older than this belongs to a worker that died while sending: it is taken over
(at once, when the worker that claimed it ran on this machine and is gone)."""
FIRST_RETRY = 60
LAST_RETRY = 6 * 3600


def backoff(attempts: int) -> timedelta:
    """How long a mail waits after its `attempts`-th failure: 1, 2, 4, ... minutes, up to 6 h."""
    return timedelta(seconds=min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY))


@dataclass(frozen=True)
class Mail:
    """One mail in the outbox: who it is from and to, the message as it will be sent."""

    id: str
    kind: str
    sender: str
    recipients: list[str]
    message: str
    created: str
    due: str
    proposals: list[int] = field(default_factory=list)
    attempts: int = 0
    last_error: str | None = None
    claimed: str | None = None
    claimer: str | None = None
    """Which process claimed it: this machine's name and the process's id."""

    @property
    def due_at(self) -> datetime:
        return datetime.fromisoformat(self.due)

    def is_claimed(self, now: datetime) -> bool:
        if self.claimed is None or gone(self.claimer):
            return False
        return now - datetime.fromisoformat(self.claimed) < timedelta(seconds=CLAIM_SECONDS)


def this_process() -> str:
    """Who claims a mail: this machine's name and this process's id."""
    return f"{socket.gethostname()}/{os.getpid()}"


def gone(claimer: str | None) -> bool:
    """Whether the process that claimed a mail is known to be gone: it ran on this machine
    and no process has its id (a process with its id is taken to be it)."""
    host, _, pid = (claimer or "").rpartition("/")
    if host != socket.gethostname() or not pid.isdecimal():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive
        return False
    return False
