"""The KEHTO-foorumi website."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import cli
from . import config
from . import content
from . import i18n
from . import mail
from . import serving
from . import web
from .content.kinds import KINDS
from .content.kinds import Kind
from .version import __version__

__all__ = ["__version__", "create_app"]


def create_app(
    test_config: Mapping[str, Any] | None = None, kinds: Iterable[Kind] = KINDS
) -> Flask:
    """Build the site: configuration, languages, pages, data, serving, errors, commands."""
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
        instance_path=str(config.ROOT / "instance"),
    )
    config.configure(app, test_config)
    i18n.init_app(app)
    web.register_blueprints(app)
    content.init_app(app, kinds)
    mail.init_app(app)
    serving.init_app(app)
    web.init_form(app)
    web.register_errorhandlers(app)
    cli.init_app(app)
    serving.wrap_wsgi(app)
    return app
