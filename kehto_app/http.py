"""HTTP: security headers, the Host check, the proxy, the session cookie, the health check.

The caching (ETag, 304, Cache-Control) is in `caching.py`, the request logs in `logs.py`;
`init_app` wires all three in the order their hooks must run.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import has_request_context
from flask import jsonify
from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import caching
from . import content
from . import logs
from .caching import PRIVATE

health = Blueprint("health", __name__)


CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self'",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep their full Referer, which Flask-WTF checks over HTTPS.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "browsing-topics=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


HSTS = "max-age=31536000"


HOST = re.compile(
    r"(?:[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?"
)


class HostCheck:
    """A 400 for a Host header that is no host name (routing would fail on it later)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST")
        if host is None or (len(host) <= 260 and HOST.fullmatch(host)):
            return self.app(environ, start_response)
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", PRIVATE)]
        start_response("400 Bad Request", [*headers, *HEADERS.items()])
        return [b"400 Bad Request: invalid Host header\n"]


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is also `Secure` when the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = super().get_cookie_secure(app)
        return secure or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Hooks run in this order: request id, 304; then (reversed) log, headers, Cache-Control."""
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    app.before_request(logs.start_request)
    caching.init_app(app)
    app.after_request(security_headers)
    app.after_request(logs.log_request)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_blueprint(health)
    logs.configure_logging(app.config.get("LOG_LEVEL", "INFO"))


def wrap_wsgi(app: Flask) -> None:
    """The outermost layers, applied last: the Host check, then the proxy's headers."""
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]


def untrusted_host(error: SecurityError) -> Response:
    """A Host outside `KEHTO_TRUSTED_HOSTS`: 400, without building any URL from it."""
    return Response("400 Bad Request: unknown host\n", 400, mimetype="text/plain")


def security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HTTPS"] or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


@health.get("/healthz")
def healthz() -> tuple[Response, int]:
    from . import __version__

    problems = content.store().problems()
    files = {c.name: "ok" for c in content.store().collections.values()}
    for problem in problems:
        files[problem.file] = "invalid"
    body = {
        "status": "error" if problems else "ok",
        "files": files,
        "problems": [str(p) for p in problems],
        "version": __version__,
        "code": caching.code_version().tag,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if problems else 200
