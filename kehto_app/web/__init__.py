"""The site's pages: blueprints and views, the form, error pages, calendar output."""

from __future__ import annotations

from flask import Flask

from . import errors
from . import events
from . import health
from . import proposals
from . import site


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(site.root)
    app.register_blueprint(site.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(events.feeds)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(health.health)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def init_form(app: Flask) -> None:
    proposals.init_app(app)
