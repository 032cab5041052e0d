"""The maintainer's commands: `flask --app wsgi kehto ...`."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from . import content
from .models import LANGUAGES

kehto = AppGroup("kehto", help="Check the data files and moderate proposed events.")


def init_app(app: Flask) -> None:
    app.cli.add_command(kehto)


@kehto.command()
def check() -> None:
    """Validate every data file; print each problem; exit 1 if any."""
    store = content.store()
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
    for collection in content.store().collections.values():
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
