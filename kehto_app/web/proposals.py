"""Proposing an event: the form, its checks, and the confirmation."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl

from flask import Flask
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as BaseResponse

from ..content import writers
from ..content.store import StoreError
from ..i18n import localized_blueprint
from ..serving.pagecache import private
from ..serving.ratelimit import PERSON
from ..serving.ratelimit import ROBOT
from ..serving.ratelimit import RateLimit
from . import spam
from .forms import LINKS
from .forms import MAX_LINKS
from .forms import EventForm
from .listing import unlisted

log = logging.getLogger(__name__)

bp = localized_blueprint("proposals", __name__)
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    app.before_request(refuse_broken_text)  # before the CSRF check reads the form
    csrf.init_app(app)
    count, seconds = app.config["RATE_LIMIT"]
    path = Path(app.instance_path) / "ratelimit.sqlite3"
    app.extensions["kehto_ratelimit"] = RateLimit(path, count, seconds, app.config["SECRET_KEY"])


def refuse_broken_text() -> None:
    """A 400 for a form body that is not UTF-8 (Werkzeug would keep "%FF" as text)."""
    if request.method != "POST" or request.blueprint != bp.name:
        return
    if request.mimetype != "application/x-www-form-urlencoded":
        return
    try:
        parse_qsl(request.get_data(cache=True).decode(), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        abort(400)


def rate_limit() -> RateLimit:
    return current_app.extensions["kehto_ratelimit"]


@bp.route("/events/new/", methods=["GET", "POST"])
@private
def new() -> str | BaseResponse | tuple[str, int]:
    if request.method != "POST":  # a HEAD is a GET without the body, never a submission
        _forget_old_clients()
        form = spam.stamp(EventForm(formdata=None))
        return render_template("events/new.html", form=form)
    # Only the form body is read: a JSON or file upload must not reach the fields.
    form = EventForm(formdata=request.form)
    robot = spam.robot(form)
    if robot is not None:
        log.info("a robot's proposal, counted and not stored: %s", robot)
        _count_client(ROBOT)
        return redirect(url_for("proposals.thanks"), 303)
    if not form.validate():
        links = len(LINKS.findall(form.description.data or ""))
        if links > MAX_LINKS:
            log.info("a proposal with %d links in its description was refused", links)
        return render_template("events/new.html", form=form), 422
    _count_client()
    proposal_id = writers.propose(form.document())
    if not current_app.config["MODERATION"]:
        writers.decide(proposal_id, "approved")
    return redirect(url_for("proposals.thanks"), 303)


@bp.get("/events/new/thanks/")
@unlisted
def thanks() -> str:
    return render_template("events/thanks.html", moderated=current_app.config["MODERATION"])


def _count_client(budget: str = PERSON) -> None:
    """Count this proposal against the client's limit; a 429 page when it is over."""
    try:
        allowed = rate_limit().hit(request.remote_addr or "-", budget)
    except sqlite3.Error as exc:
        raise StoreError(f"rate limit: {exc}") from exc
    if not allowed:
        abort(429)


def _forget_old_clients() -> None:
    try:
        rate_limit().sweep()
    except sqlite3.Error as exc:
        log.warning("rate limit: could not forget old clients: %s", exc)
