"""The maintainer's commands: `flask --app wsgi kehto ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from . import config
from .content import current_kinds
from .content import current_store
from .content import jsonschema
from .content import writers
from .content.base import LANGUAGES
from .content.store import StoreError

kehto = AppGroup("kehto", help="Check the data files and moderate proposed events.")


def init_app(app: Flask) -> None:
    app.cli.add_command(kehto)


@kehto.command()
def check() -> None:
    """Validate every data file; print each problem; exit 1 if any."""
    store = current_store()
    problems = store.problems()
    for problem in problems:
        click.echo(str(problem))
    for page in store["pages"].get() if not store["pages"].problems else []:
        if page.note:
            click.echo(f"pages.json: document {page.id}: note: {page.note}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All data files are valid.", err=True)


@kehto.command()
def translations() -> None:
    """List content that is still missing in Swedish or English."""
    missing = 0
    for collection in current_store().collections.values():
        for document in collection.get():
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


events = AppGroup("events", help="Review proposed events; remove old proposers' data.")
kehto.add_command(events)


@events.command("pending")
def events_pending() -> None:
    """List the proposals waiting for review, with their ids."""
    for problem in current_store()["events"].problems:
        click.echo(f"warning: {problem} (showing the last valid version)", err=True)
    proposals = writers.pending()
    for event in proposals:
        start = event.start.strftime("%Y-%m-%d %H:%M") if not event.all_day else str(event.start)
        proposer = f"{event.submitter_name or '-'} <{event.submitter_email or '-'}>"
        click.echo(f"{event.id}\t{start}\t{event.title['fi']}\t{proposer}")
    click.echo(f"{len(proposals)} proposal(s) waiting for review.", err=True)


@events.command("approve")
@click.argument("event_id", type=int, metavar="ID")
def events_approve(event_id: int) -> None:
    """Publish the pending proposal ID."""
    _decide(event_id, "published")


@events.command("reject")
@click.argument("event_id", type=int, metavar="ID")
def events_reject(event_id: int) -> None:
    """Reject the pending proposal ID (it stays in the file, unpublished)."""
    _decide(event_id, "rejected")


def _decide(event_id: int, status: str) -> None:
    try:
        event = writers.decide(event_id, status)
    except writers.NotPending as exc:
        if exc.status is None:
            _fail(f"There is no event {event_id} in events.json.")
        _fail(f"Event {event_id} is not pending (its status is {exc.status}); nothing changed.")
    except StoreError as exc:
        _fail(f"Nothing changed: {exc}")
    title = event["title"]["fi"] if isinstance(event["title"], dict) else event["title"]
    done = "published" if status == "published" else "rejected"
    click.echo(f"Event {event_id} {done}: {title}")


@events.command("purge")
def events_purge() -> None:
    """Remove proposers' names and emails from events that ended RETENTION_DAYS ago."""
    days = int(current_app.config["RETENTION_DAYS"])
    try:
        purged = writers.purge(days)
    except StoreError as exc:
        _fail(f"Nothing changed: {exc}")
    ids = ": " + ", ".join(map(str, purged.ids)) if purged.ids else ""
    click.echo(f"Removed the proposer's personal data from {len(purged.ids)} event(s) "
               f"that ended before {purged.cutoff:%Y-%m-%d}{ids}.")  # fmt: skip
    forgotten = current_app.extensions["kehto_ratelimit"].sweep(force=True)
    click.echo(f"Forgot {forgotten} expired rate-limit entr{'y' if forgotten == 1 else 'ies'}.")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@kehto.command()
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
