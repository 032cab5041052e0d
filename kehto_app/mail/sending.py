"""The mail of one site in one process: its settings, its outbox, and the thread that names
proposals and sends what is due (the package's docstring tells the whole story)."""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref

from flask import Flask

from ..content import base
from ..content import writers
from ..content.store import StoreError
from . import messages
from .outbox import Outbox
from .settings import Settings
from .smtp import Report
from .smtp import deliver

log = logging.getLogger(__name__)

LONGEST_WAIT = 3600.0
LONGEST_QUIET = 10.0
"""The thread works once its worker's requests have been quiet for `quiet_seconds`, so a
flood of proposals is read once, after it, not between its requests, but no later than this
after the first of them."""

_mailers: weakref.WeakSet[Mailer] = weakref.WeakSet()


class Mailer:
    """One site's mail: its settings, its outbox, and the thread that sends in this worker."""

    def __init__(self, app: Flask, settings: Settings, outbox: Outbox) -> None:
        self.app = app
        self.settings = settings
        self.outbox = outbox
        self.made_in = os.getpid()
        self._wake = threading.Event()
        self._guard = threading.Lock()
        self._progress = threading.Condition(self._guard)
        self._asked = self._done = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopped = False
        _mailers.add(self)

    @property
    def notifies(self) -> bool:
        return self.settings.enabled and bool(self.settings.moderators)

    def begin(self) -> None:
        """Before this app serves anything: if mail was just turned on, the proposals made
        before are not news (the next notification names the ones after them)."""
        if not self.notifies:
            return
        try:
            with self.app.app_context():
                self.outbox.begin(_proposal_ids)
        except (OSError, StoreError) as exc:
            log.error("mail: the outbox can't be started (%s)", exc)

    def send_waiting(self, *, everything: bool = False) -> Report:
        """Name the proposals not named yet, then send what is due now, in this thread."""
        self.catch_up()
        return deliver(self.outbox, self.settings, everything=everything)

    def catch_up(self) -> None:
        """Keep a notification naming each proposal that none has named yet."""
        if not self.notifies:
            return
        settings = self.settings
        with self.app.app_context():
            try:
                self.outbox.gather_new(
                    _proposal_ids,
                    lambda ids: messages.notification(settings, ids),
                    settings.gather_seconds,
                )
            except (OSError, StoreError) as exc:
                log.error("mail: the notification is not in the outbox yet (%s); the next "
                          "try names its proposals", exc)  # fmt: skip

    def unnamed(self) -> list[int]:
        """The proposals that no notification has named yet (the next catch-up names them)."""
        if not self.notifies:
            return []
        through = self.outbox.state().get("notified_through")
        if through is None:
            return []
        with self.app.app_context():
            return sorted(i for i in _proposal_ids() if i > int(through))

    def send_soon(self) -> None:
        """Wake this worker's sending thread (started on first use, in each process)."""
        with self._guard:
            if self._stopped:
                return
            self._asked += 1
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._start()
        self._wake.set()

    def start(self) -> None:
        """Start this worker's thread, which catches up (a worker died, mail was down) once
        the worker's first requests are quiet."""
        with self._guard:
            if not self._stopped and (self._thread is None or self._pid != os.getpid()):
                self._asked += 1
                self._start()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="kehto-mail", daemon=True)
        self._thread.start()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the thread has done what it was asked (tests)."""
        with self._progress:
            self._progress.wait_for(
                lambda: self._done >= self._asked or self._thread is None
                or not self._thread.is_alive(), timeout
            )  # fmt: skip

    def stop(self, timeout: float = 30.0) -> None:
        """End the sending thread, then keep in the outbox what it had still to name (a
        worker's exit, tests); what is kept is sent by the next worker or `kehto mail send`."""
        with self._guard:
            self._stopped = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=timeout)
        self.catch_up()

    def _run(self) -> None:
        self._quiet()  # a worker's first requests first: its catch-up follows them
        while not self._stopped:
            with self._guard:
                asked = self._asked
            try:
                self.send_waiting()
                due = self.outbox.next_due()
            except Exception:  # the thread must live on: the next mail tries again
                log.exception("mail: sending failed")
                due = None
            with self._progress:
                self._done = asked
                self._progress.notify_all()
            wait = LONGEST_WAIT
            if due is not None:
                wait = min(max((due - base.now()).total_seconds(), 1.0), LONGEST_WAIT)
            if self._wake.wait(wait):
                self._quiet()

    def _quiet(self) -> None:
        """Wait until no request has woken the thread for `quiet_seconds` (at most until
        LONGEST_QUIET, or `quiet_seconds` if longer, has passed)."""
        quiet = self.settings.quiet_seconds
        until = time.monotonic() + max(LONGEST_QUIET, quiet)
        while not self._stopped:
            self._wake.clear()
            left = until - time.monotonic()
            if left <= 0 or not self._wake.wait(min(quiet, left)):
                return


def _proposal_ids() -> list[int]:
    return [p.id for p in writers.proposals()]


def mailers() -> list[Mailer]:
    """The site mails made in this process and its parent (a forked worker has both)."""
    return list(_mailers)
