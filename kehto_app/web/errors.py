"""Error pages: one handler renders every error, in the page's language."""

from __future__ import annotations

import logging

from flask import Flask
from flask import Response
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


def render_error(error: HTTPException) -> Response:
    """The page in the visitor's language; a 405 still says which methods are allowed."""
    code = error.code or 500
    g.error = code
    response = Response(render_template("errors/error.html", code=code), code)
    allowed = dict(error.get_headers()).get("Allow")
    if allowed:
        response.headers["Allow"] = allowed
    return response


def store_failed(error: StoreError) -> Response:
    log.error("data write failed: %s", error)
    return render_error(ServiceUnavailable())


def unexpected(error: Exception) -> Response:
    log.exception("unexpected error", exc_info=error)
    return render_error(InternalServerError())
