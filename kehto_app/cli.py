"""The maintainer's commands: `flask --app wsgi kehto ...`.

None prints a traceback on bad data: each prints the problem once and exits with status 1.
"""

from __future__ import annotations

import difflib
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any
from typing import NoReturn
from typing import TypeVar

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from . import config
from . import mail
from .content import current_kinds
from .content import current_store
from .content import jsonschema
from .content import quiet
from .content import writers
from .content.base import HELSINKI
from .content.base import LANGUAGES
from .content.store import Collection
from .content.store import StoreError
from .content.store import Version
from .mail import messages
from .mail import settings as mail_settings
from .mail.smtp import connect
from .mail.smtp import describe
from .mail.smtp import send_message

F = TypeVar("F", bound=Callable[..., Any])

kehto = AppGroup("kehto", help="Check the data files, moderate proposed events, undo edits.")


def init_app(app: Flask) -> None:
    app.cli.add_command(kehto)


def command(group: AppGroup, *args: Any, **kwargs: Any) -> Callable[[F], F]:
    """A maintainer's command: the data's problems are printed by it, not logged again,
    and a file that can't be read or written ends it with its reason, never a traceback."""

    def decorate(view: F) -> F:
        @wraps(view)
        def run(*a: Any, **kw: Any) -> Any:
            with quiet(logging.getLogger("kehto_app.content")):
                try:
                    return view(*a, **kw)
                except StoreError as exc:
                    fail(f"Nothing changed: {exc}")

        return group.command(*args, **kwargs)(run)  # type: ignore[return-value]

    return decorate


@command(kehto)
def check() -> None:
    """Validate every data file; print each problem; exit 1 if any."""
    store = current_store()
    problems = store.problems()
    for problem in problems:
        click.echo(str(problem))
    for warning in store.warnings():
        click.echo(str(warning))
    pages = store["pages"]
    for page in pages.get() if pages.loaded and not pages.problems else []:
        if page.note:
            click.echo(f"pages.json: document {page.id}: note: {page.note}", err=True)
    for collection in store.collections.values():
        if collection.serving_last_valid:
            click.echo(f"{collection.name}: the site shows its last valid version", err=True)
    setting_errors = current_app.config["SETTING_PROBLEMS"]
    for line in setting_errors:
        click.echo(f"settings: {line}")
    mail_errors, mail_notes = mail_settings.problems(current_app.config)
    for line in mail_errors:
        click.echo(f"mail settings: {line}")
    for line in mail_notes:
        click.echo(line, err=True)
    warnings = store.warnings()
    losses = [w for w in warnings if w.loss]
    count = len(problems) + len(setting_errors) + len(mail_errors)
    found = [f"{count} problem(s)"] if count else []
    found += [f"{len(warnings)} warning(s)"] if warnings else []
    if count or losses:
        click.echo(" and ".join(found) + " found.", err=True)
        sys.exit(1)
    if warnings:
        click.echo(f"The data files are valid, with {found[0]}.", err=True)
        return
    click.echo("All data files are valid.", err=True)


@command(kehto)
def translations() -> None:
    """List content that is still missing in Swedish or English."""
    missing = 0
    store = current_store()
    for kind in current_kinds():
        collection = store[kind.name]
        for document in _valid(collection):
            for name, value in vars(document).items():
                if not isinstance(value, dict) or "fi" not in value:
                    continue
                langs = [lang for lang in LANGUAGES if lang not in value]
                if langs:
                    missing += 1
                    click.echo(f"{collection.name}: document {document.id}: {name}: "
                               f"missing {', '.join(langs)}")  # fmt: skip
    if not missing:
        click.echo("Every text is translated.", err=True)


def _valid(collection: Collection[Any]) -> list[Any]:
    """A file's documents; its problems are printed first, and without any valid version
    the command stops."""
    for problem in collection.problems:
        click.echo(str(problem), err=True)
    if not collection.loaded:
        fail(f"{collection.name} has no valid version to read; fix it and run this again.")
    if collection.problems:
        click.echo(f"{collection.name}: using its last valid version", err=True)
    return list(collection.get())


events = AppGroup("events", help="Review proposed events; remove old proposers' data.")
kehto.add_command(events)


@command(events, "pending")
def events_pending() -> None:
    """List the proposals waiting for review: id, date, title, proposer."""
    _valid(current_store()["proposals"])
    proposals = writers.pending()
    for proposal in proposals:
        start = _moment(proposal.start)
        proposer = f"{proposal.submitter_name or '-'} <{proposal.submitter_email or '-'}>"
        click.echo(f"{proposal.id}\t{start}\t{_fi(proposal.title)}\t{proposer}")
    click.echo(f"{len(proposals)} proposal(s) waiting for review.", err=True)


@command(events, "show")
@click.argument("proposal_id", type=int, metavar="ID")
def events_show(proposal_id: int) -> None:
    """Show every field of the proposal ID."""
    _valid(current_store()["proposals"])
    found = writers.proposal(proposal_id)
    if found is None:
        fail(f"There is no proposal {proposal_id}.")
    click.echo(f"id: {found.id}")
    for name, value in vars(found).items():
        if name != "id" and value is not None:
            click.echo(f"{name}: {_show(value)}")


@command(events, "approve")
@click.argument("proposal_id", type=int, metavar="ID")
def events_approve(proposal_id: int) -> None:
    """Publish the proposal ID in events.json (a rejected one too)."""
    _decide(proposal_id, "approved")


@command(events, "reject")
@click.argument("proposal_id", type=int, metavar="ID")
@click.option("--reason", default=None, help="Why (kept with the proposal).")
def events_reject(proposal_id: int, reason: str | None) -> None:
    """Reject the proposal ID (it is kept, and can still be approved)."""
    _decide(proposal_id, "rejected", reason)


def _decide(proposal_id: int, state: str, reason: str | None = None) -> None:
    _valid(current_store()["proposals"])
    try:
        decided = writers.decide(proposal_id, state, reason)
    except writers.NotPending as exc:
        if exc.state is None:
            fail(f"There is no proposal {proposal_id}.")
        fail(f"Proposal {proposal_id} is {exc.state}; nothing changed.")
    done = "published in events.json" if state == "approved" else "rejected"
    click.echo(f"Proposal {proposal_id} {done}: {_fi(decided['title'])}")
    if mail.mailer().settings.enabled and decided.get("submitter_email"):
        report = mail.mailer().send_waiting()
        if report.error:
            click.echo(f"The mail to the proposer waits in the outbox ({report.error}); "
                       "`kehto mail send` tries again.", err=True)  # fmt: skip
        else:
            click.echo("The proposer was sent a mail about it.", err=True)


@command(events, "cancel")
@click.argument("event_id", type=int, metavar="ID")
def events_cancel(event_id: int) -> None:
    """Mark the event ID cancelled: it stays listed, labelled, and calendars show it cancelled."""
    _set_status(event_id, "cancelled")


@command(events, "postpone")
@click.argument("event_id", type=int, metavar="ID")
def events_postpone(event_id: int) -> None:
    """Mark the event ID postponed (a new time to be announced)."""
    _set_status(event_id, "postponed")


@command(events, "reschedule")
@click.argument("event_id", type=int, metavar="ID")
@click.argument("start")
@click.argument("end", required=False)
def events_reschedule(event_id: int, start: str, end: str | None) -> None:
    """Move the event ID to START (and END; else it keeps its length); the old start is kept."""
    _set_status(event_id, "rescheduled", start, end)


def _set_status(
    event_id: int, status: str, start: str | None = None, end: str | None = None
) -> None:
    _valid(current_store()["events"])
    try:
        done = writers.set_event_status(event_id, status, start, end)
    except writers.NoSuchEvent:
        fail(f"There is no event {event_id} in events.json.")
    after = done.after
    moved = ""
    if status == "rescheduled":
        moved = f": from {done.before['start']} to {after['start']}"
        moved += f" - {after['end']}" if "end" in after else ""
    click.echo(f"Event {event_id} is {status} in events.json{moved}: {_fi(after['title'])}")


@command(events, "purge")
def events_purge() -> None:
    """Remove proposers' names and emails from events that ended RETENTION_DAYS ago."""
    days = int(current_app.config["RETENTION_DAYS"])
    purged = writers.purge(days)
    ids = _ids(purged.ids)
    copies = f"{purged.copies} kept cop{'y' if purged.copies == 1 else 'ies'}"
    ended = f"whose event ended before {purged.cutoff:%Y-%m-%d}{ids}"
    click.echo(f"Removed the proposer's personal data from {len(purged.ids)} proposal(s) "
               f"{ended}, and from {copies}.")  # fmt: skip
    unsent = mail.mailer().outbox.forget(purged.ids)
    if unsent:
        click.echo(f"Removed {unsent} unsent mail(s) about those proposals from the outbox.")
    forgotten = current_app.extensions["kehto_ratelimit"].sweep(force=True)
    click.echo(f"Forgot {forgotten} expired rate-limit entr{'y' if forgotten == 1 else 'ies'}.")


@command(events, "migrate")
def events_migrate() -> None:
    """Move proposals and proposers' data out of an events.json of an earlier version."""
    migrated = writers.migrate()
    moved, stripped = _ids(migrated.moved), _ids(migrated.stripped)
    click.echo(f"Moved {len(migrated.moved)} proposal(s) to the proposals file{moved}; "
               f"removed the proposer's data from {len(migrated.stripped)} published "
               f"event(s){stripped}.")  # fmt: skip


def _ids(ids: list[int]) -> str:
    return ": " + ", ".join(map(str, ids)) if ids else ""


def _collection(file: str) -> Collection[Any]:
    store = current_store()
    for kind in current_kinds():
        if file in (kind.name, kind.file):
            return store[kind.name]
    names = ", ".join(kind.file for kind in current_kinds())
    fail(f"There is no data file {file!r} (the files are {names}).")


def _version(collection: Collection[Any], version_id: str) -> Version:
    versions = collection.history()
    found = [v for v in versions if v.id.startswith(version_id.lower())] if version_id else []
    if not found:
        fail(f"{collection.name} has no version {version_id!r}; "
             f"`kehto history {collection.name}` lists them.")  # fmt: skip
    return found[0]


AUTHORS = {"hand": "a hand edit", "site": "the site", "command": "a command"}


@command(kehto, "history")
@click.argument("file")
def history(file: str) -> None:
    """List the kept versions of FILE, newest first: id, time, who, documents, valid."""
    collection = _collection(file)
    versions = collection.history()
    for v in versions:
        count = "?" if v.documents is None else str(v.documents)
        at = v.at.astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M:%S")
        state = "valid" if v.valid else "invalid"
        click.echo(f"{v.id}\t{at}\t{AUTHORS.get(v.author, v.author)}\t{count} documents\t{state}")
    click.echo(f"{len(versions)} version(s) of {collection.name}.", err=True)


@command(kehto, "diff")
@click.argument("file")
@click.argument("version")
@click.argument("other", required=False)
def diff(file: str, version: str, other: str | None) -> None:
    """Show what changed between VERSION and the current file (or OTHER)."""
    collection = _collection(file)
    old = _version(collection, version)
    if other is None:
        new_text, new_name = _text(collection.path), f"{collection.name} (now)"
    else:
        newer = _version(collection, other)
        new_text, new_name = _text(newer.path), f"{collection.name} {newer.id}"
    lines = difflib.unified_diff(
        _text(old.path).splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        f"{collection.name} {old.id}",
        new_name,
    )
    click.echo("".join(lines), nl=False)


@command(kehto, "restore")
@click.argument("file")
@click.argument("version")
def restore(file: str, version: str) -> None:
    """Put VERSION of FILE back (itself a new version, so it can be undone)."""
    collection = _collection(file)
    chosen = _version(collection, version)
    try:
        collection.restore(chosen.path.read_bytes())
    except StoreError as exc:
        fail(f"Version {chosen.id} was not restored: {exc}")
    click.echo(f"Restored {collection.name} to version {chosen.id}; the site shows it now.")


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


def _fi(value: Any) -> str:
    return str(value.get("fi", "")) if isinstance(value, dict) else str(value)


def _moment(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else str(value)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{lang}: {text}" for lang, text in value.items())
    return _moment(value) if hasattr(value, "year") else str(value)


@command(kehto)
def schema() -> None:
    """Write each data file's JSON Schema (data/schema/) and map them in .vscode/settings.json."""
    folder = Path(current_app.config["DATA_DIR"])
    changed = jsonschema.write_schemas(folder, current_kinds())
    if folder.resolve() == config.ROOT / "data":
        settings = jsonschema.write_editor_settings(config.ROOT, current_kinds())
        changed += [settings] if settings else []
    for path in changed:
        click.echo(f"wrote {path}")
    click.echo(f"{len(changed)} file(s) changed.", err=True)


mail_group = AppGroup(
    "mail", help="The outbox: send what is waiting, see its state, test the server."
)
kehto.add_command(mail_group)


@command(mail_group, "send")
def mail_send() -> None:
    """Send every mail waiting in the outbox now; exit 1 if any could not be sent."""
    mailer = mail.mailer()
    if not mailer.settings.enabled:
        click.echo("Mail is off (KEHTO_MAIL_SERVER is not set): nothing to send.", err=True)
        return
    report = mailer.send_waiting(everything=True)
    left = len(mailer.outbox.waiting())
    click.echo(f"Sent {len(report.sent)} mail(s); {left} waiting.")
    if report.failed:
        fail(f"{len(report.failed)} mail(s) could not be sent: {report.error}")


@command(mail_group, "status")
def mail_status() -> None:
    """List the mails waiting in the outbox, and the last error."""
    mailer = mail.mailer()
    if not mailer.settings.enabled:
        click.echo("Mail is off: KEHTO_MAIL_SERVER is not set, so no mail is sent.", err=True)
    waiting = mailer.outbox.waiting()
    for item in waiting:
        about = f"proposal(s) {', '.join(map(str, item.proposals))}" if item.proposals else "-"
        tried = f"tried {item.attempts} time(s)" if item.attempts else "not tried yet"
        sending = "; being sent now" if item.claimed else ""
        click.echo(f"{item.id}\t{item.kind}\t{about}\tto {len(item.recipients)}\t"
                   f"due {item.due}\t{tried}{sending}")  # fmt: skip
        if item.last_error:
            click.echo(f"    last error: {item.last_error}")
    state = mailer.outbox.state()
    click.echo(f"{len(waiting)} mail(s) waiting.", err=True)
    unnamed = mailer.unnamed()
    if unnamed:
        click.echo(f"Not in a notification yet: proposal(s) {', '.join(map(str, unnamed))} "
                   "(the site's next mail or `kehto mail send` names them).", err=True)  # fmt: skip
    if state.get("last_sent"):
        click.echo(f"Last sent: {state['last_sent']}", err=True)
    if state.get("last_error"):
        click.echo(f"Last error: {state['last_error']} (at {state.get('last_error_at')})", err=True)


@command(mail_group, "test")
@click.argument("address")
def mail_test(address: str) -> None:
    """Send a test message to ADDRESS now (not through the outbox); say what the server said."""
    settings = mail.mailer().settings
    if not settings.enabled:
        fail("Mail is off: set KEHTO_MAIL_SERVER (and the other KEHTO_MAIL_ settings) first.")
    try:
        smtp = connect(settings)
        try:
            send_message(smtp, settings.sender, [address], messages.test(settings, address))
        finally:
            smtp.close()
    except OSError as exc:
        fail(f"Not sent: {describe(exc)} ({settings.server}:{settings.port}, {settings.security})")
    click.echo(f"Sent a test message to {address} through {settings.server}:{settings.port}.")
