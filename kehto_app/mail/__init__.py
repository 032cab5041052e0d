"""Mail: the moderators hear of each proposal, the proposer of the decision.

Once the response that caused a mail has gone, the worker builds the mail and keeps it in
the outbox (`instance/outbox/`), then a thread of the worker sends it: neither the mail nor
a slow or dead mail server ever slows or fails a page. A mail that fails waits for its
next try (backoff), which the same thread, the next mail or `kehto mail send` (run daily)
makes. A pending proposal that no notification has named yet (its worker died between
the response and the outbox) is named in the next one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask import Response
from flask import after_this_request
from flask import current_app
from flask import g
from flask import has_request_context

from ..content import base
from ..content import writers
from . import messages
from .outbox import DECISION
from .outbox import Outbox
from .settings import Settings
from .smtp import Report
from .smtp import deliver

log = logging.getLogger(__name__)

EXTENSION = "kehto_mail"
LONGEST_WAIT = 3600.0


class Mailer:
    """One site's mail: its settings, its outbox, and the thread that sends in this worker."""

    def __init__(self, app: Flask, settings: Settings, outbox: Outbox) -> None:
        self.app = app
        self.settings = settings
        self.outbox = outbox
        self._wake = threading.Event()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopped = False

    def send_waiting(self, *, everything: bool = False) -> Report:
        """Send what is due now, in this thread (the maintainer's commands)."""
        with self.app.app_context():
            self.catch_up()
        return deliver(self.outbox, self.settings, everything=everything)

    def notify(self, proposal_id: int) -> None:
        """Put a proposal in the moderators' notification (gathered with one still waiting)."""
        settings = self.settings
        if not settings.enabled or not settings.moderators:
            return
        try:
            self.outbox.gather(
                proposal_id,
                lambda ids: messages.notification(settings, ids),
                settings.gather_seconds,
            )
        except OSError as exc:
            log.error("mail: the notification of proposal %s is not in the outbox (%s); "
                      "`kehto events pending` lists it", proposal_id, exc)  # fmt: skip

    def catch_up(self) -> None:
        """Name the pending proposals that no notification has named (in an app context)."""
        if not self.settings.enabled or not self.settings.moderators:
            return
        through = self.outbox.state().get("notified_through")
        pending = [p.id for p in writers.pending()]
        if through is None:  # mail was just turned on: from now on
            self.outbox.notified_through(max(pending, default=0))
            return
        for proposal_id in pending:
            if proposal_id > int(through):
                self.notify(proposal_id)

    def send_soon(self) -> None:
        """Wake this worker's sending thread (started on first use, in each process)."""
        with self._guard:
            if self._stopped:
                return
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="kehto-mail", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """End the sending thread (tests; a worker's thread ends with its process)."""
        with self._guard:
            self._stopped = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopped:
            self._wake.clear()
            try:
                self.send_waiting()
                due = self.outbox.next_due()
            except Exception:  # the thread must live on: the next mail tries again
                log.exception("mail: sending failed")
                due = None
            wait = LONGEST_WAIT
            if due is not None:
                wait = min(max((due - base.now()).total_seconds(), 1.0), LONGEST_WAIT)
            self._wake.wait(wait)


def init_app(app: Flask) -> None:
    settings = Settings.of(app.config)
    app.extensions[EXTENSION] = Mailer(app, settings, Outbox(Path(app.instance_path) / "outbox"))
    writers.proposal_received.connect(tell_moderators, sender=app)
    writers.proposal_decided.connect(tell_proposer, sender=app)


def mailer() -> Mailer:
    return current_app.extensions[EXTENSION]


def tell_moderators(app: Flask, proposal_id: int, document: dict[str, Any]) -> None:
    """The moderators' notification: built and kept once the response has gone."""
    mail: Mailer = app.extensions[EXTENSION]
    if mail.settings.enabled and mail.settings.moderators:
        _after_response(mail, lambda: mail.notify(proposal_id))


def tell_proposer(app: Flask, proposal_id: int, document: dict[str, Any]) -> None:
    """The proposer's mail about the decision, in the language they used."""
    mail: Mailer = app.extensions[EXTENSION]
    if mail.settings.enabled and document.get("submitter_email"):
        _after_response(mail, lambda: _keep_decision(mail, proposal_id, document))


def _keep_decision(mail: Mailer, proposal_id: int, document: dict[str, Any]) -> None:
    text = messages.decision(mail.settings, proposal_id, document)
    if text is None:
        return
    try:
        mail.outbox.add(DECISION, mail.settings.sender, [document["submitter_email"]], text,
                        [proposal_id])  # fmt: skip
    except OSError as exc:
        log.error("mail: the decision on proposal %s for its proposer is not in the outbox "
                  "(%s)", proposal_id, exc)  # fmt: skip


def _after_response(mail: Mailer, job: Callable[[], None]) -> None:
    """Run `job` once the response has gone, then wake the sending thread; in a command
    (no request), run it now: the command sends itself."""
    if not has_request_context():
        job()
        return
    jobs: list[Callable[[], None]] | None = g.get("kehto_mail_jobs")
    if jobs is not None:
        jobs.append(job)
        return
    jobs = g.kehto_mail_jobs = [job]

    def run() -> None:
        with mail.app.app_context():
            for each in jobs:
                try:
                    each()
                except Exception:  # a mail must never break the worker
                    log.exception("mail: could not build a mail")
        mail.send_soon()

    @after_this_request
    def send_after(response: Response) -> Response:
        response.call_on_close(run)
        return response
