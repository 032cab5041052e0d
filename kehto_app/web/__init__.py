"""The site's pages: blueprints and views, the form, error pages, calendar output."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import errors
from . import events
from . import health
from . import news
from . import proposals
from . import review
from . import search
from . import site
from . import structured


class AsciiIntegerConverter(IntegerConverter):
    """An id in a URL: ASCII digits only (Werkzeug's `\\d` also takes ١, １ and ²)."""

    regex = r"[0-9]{1,18}"


def register_blueprints(app: Flask) -> None:
    """The pages, answering GET and HEAD (and POST on the form): no automatic OPTIONS."""
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.register_blueprint(site.root)
    app.register_blueprint(site.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(events.feeds)
    app.register_blueprint(news.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(health.health)
    app.register_blueprint(structured.meta)
    for rule in app.url_map.iter_rules("static"):
        rule.methods = (rule.methods or set()) - {"OPTIONS"}
        rule.provide_automatic_options = False  # type: ignore[attr-defined]


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def init_form(app: Flask) -> None:
    proposals.init_app(app)
