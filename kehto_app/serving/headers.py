"""Security headers, the Host check, and the session cookie's `Secure` flag."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import has_request_context
from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import SecurityError

from .caching import PRIVATE

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
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


# Two years, as Mozilla advises; includeSubDomains is the host's choice (README, deploy/).
HSTS = "max-age=63072000"


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


def untrusted_host(error: SecurityError) -> Response:
    """A Host outside `KEHTO_TRUSTED_HOSTS`: 400, without building any URL from it."""
    return Response("400 Bad Request: unknown host\n", 400, mimetype="text/plain")


def security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HTTPS"] or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
