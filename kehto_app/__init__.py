"""The KEHTO-foorumi website."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import cli
from . import config
from . import content
from . import errors
from . import events
from . import http
from . import i18n
from . import pagecache
from . import proposals
from . import site

__version__ = "1.0.0"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the site: configuration, data, languages, pages, errors, commands."""
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
        instance_path=str(config.ROOT / "instance"),
    )
    config.configure(app, test_config)
    i18n.init_app(app)
    content.init_app(app)
    http.init_app(app)
    proposals.init_app(app)
    register_blueprints(app)
    pagecache.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    http.wrap_wsgi(app)
    return app


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(site.root)
    app.register_blueprint(site.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(events.feeds)
    app.register_blueprint(proposals.bp)
