"""Error pages: one handler renders every error, in the page's language."""

from __future__ import annotations

import logging

from flask import Flask
from flask import g
from flask import render_template
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import ServiceUnavailable

from ..content.store import StoreError

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(StoreError, store_failed)
    app.register_error_handler(Exception, unexpected)


def render_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    g.error = code
    return render_template("errors/error.html", code=code), code


def store_failed(error: StoreError) -> tuple[str, int]:
    log.error("data write failed: %s", error)
    return render_error(ServiceUnavailable())


def unexpected(error: Exception) -> tuple[str, int]:
    log.exception("unexpected error", exc_info=error)
    return render_error(InternalServerError())
