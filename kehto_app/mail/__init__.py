"""Mail: the moderators hear of each proposal, the proposer of the decision.

A proposal is in the proposals file, written and fsynced, before its form is answered:
that record is the notification's durable queue. The request only wakes a thread of its
worker; once the requests have been quiet for a moment, the thread names every proposal
that no notification has named yet (under the outbox's lock, so two workers never name one
twice), keeps that mail in the outbox (`instance/outbox/`), and sends it. Neither the mail
nor a slow or dead mail server ever slows or fails the form. A worker that dies before its
thread has run loses nothing: the next worker to start, the next proposal, or
`kehto mail send` (run daily) names the proposal. A decision's mail to its proposer is
kept in the outbox before the moderator's answer, and sent after it.

A mail that fails waits for its next try (backoff), which the same thread, the next mail
or `kehto mail send` makes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask import current_app
from flask import has_request_context

from ..content import writers
from . import messages
from .mails import DECISION
from .outbox import Outbox
from .sending import Mailer
from .sending import mailers
from .settings import Settings

log = logging.getLogger(__name__)

EXTENSION = "kehto_mail"


def init_app(app: Flask) -> None:
    settings = Settings.of(app.config)
    mailer = Mailer(app, settings, Outbox(Path(app.instance_path) / "outbox"))
    app.extensions[EXTENSION] = mailer
    writers.proposal_received.connect(tell_moderators, sender=app)
    writers.proposal_decided.connect(tell_proposer, sender=app)
    mailer.begin()


def mailer() -> Mailer:
    return current_app.extensions[EXTENSION]


def start_in_this_process() -> None:
    """A gunicorn worker has started: its sites' threads catch up, then wait for mail."""
    for each in mailers():
        if each.made_in == os.getpid() and each.notifies:
            each.start()


def stop_in_this_process(timeout: float) -> None:
    """A gunicorn worker is ending: what its threads had still to name goes in the outbox."""
    for each in mailers():
        if each.made_in == os.getpid() and each.settings.enabled:
            try:
                each.stop(timeout)
            except Exception:  # the worker ends anyway; the next one catches up
                log.exception("mail: could not catch up before the worker ended")


def tell_moderators(app: Flask, proposal_id: int, document: dict[str, Any]) -> None:
    """Wake the thread that names the proposal in the moderators' notification; a command
    (no request) sends itself, and names it then."""
    mail: Mailer = app.extensions[EXTENSION]
    if mail.notifies and has_request_context():
        mail.send_soon()


def tell_proposer(app: Flask, proposal_id: int, document: dict[str, Any]) -> None:
    """The proposer's mail about the decision, in the language they used: kept in the
    outbox now, sent after the response (a command sends it itself)."""
    mail: Mailer = app.extensions[EXTENSION]
    if not mail.settings.enabled or not document.get("submitter_email"):
        return
    text = messages.decision(mail.settings, proposal_id, document)
    if text is None:
        return
    try:
        mail.outbox.add(DECISION, mail.settings.sender, [document["submitter_email"]], text,
                        [proposal_id])  # fmt: skip
    except OSError as exc:
        log.error("mail: the decision on proposal %s for its proposer is not in the outbox "
                  "(%s)", proposal_id, exc)  # fmt: skip
        return
    if has_request_context():
        mail.send_soon()
