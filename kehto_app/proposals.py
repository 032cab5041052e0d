"""Proposing an event: the form, its checks, and the confirmation."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFProtect
from tinydb.table import Table

from . import content
from .forms import EventForm
from .i18n import localized_blueprint
from .ratelimit import RateLimit

bp = localized_blueprint("proposals", __name__)
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    count, seconds = app.config["RATE_LIMIT"]
    path = Path(app.instance_path) / "ratelimit.sqlite3"
    app.extensions["kehto_ratelimit"] = RateLimit(path, count, seconds)


@bp.route("/events/new/", methods=["GET", "POST"])
def new() -> str | Response:
    form = EventForm()
    if request.method == "POST":
        if not current_app.extensions["kehto_ratelimit"].hit(request.remote_addr or "-"):
            abort(429)
        if form.validate():
            if not form.is_spam:
                _store(form)
            return redirect(url_for("proposals.thanks"), 303)
    return render_template("events/new.html", form=form), 422 if form.errors else 200


@bp.get("/events/new/thanks/")
def thanks() -> str:
    return render_template("events/thanks.html", moderated=current_app.config["MODERATION"])


def _store(form: EventForm) -> int:
    document = form.document()
    if not current_app.config["MODERATION"]:
        document["status"] = "published"

    def insert(table: Table) -> int:
        return table.insert(document)

    return content.store()["events"].write(insert)
