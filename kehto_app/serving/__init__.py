"""How pages are served: security headers, validators and 304s, the page cache, logs, rate limit.

`init_app` registers the hooks in the order they must run; `wrap_wsgi` builds the WSGI
stack around Flask, in the one place it is built.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import bodies
from . import caching
from . import headers
from . import logs
from . import pagecache


def init_app(app: Flask) -> None:
    """Before the view: request id, a chunked body read whole, validators, cached page.
    After it, in this order: 304 for an unchanged 200, access line, security headers,
    the page cache's mark, Cache-Control and validators (Flask runs them last first)."""
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = headers.SessionInterface()
    app.before_request(logs.start_request)
    app.before_request(bodies.read_chunked_body)
    caching.init_app(app)
    pagecache.init_app(app)
    app.after_request(headers.security_headers)
    app.after_request(logs.log_request)
    app.after_request(caching.answer_not_modified)
    app.register_error_handler(SecurityError, headers.untrusted_host)
    logs.configure_logging(app.config.get("LOG_LEVEL", "INFO"))


def wrap_wsgi(app: Flask) -> None:
    """From the outside in: the proxy's headers, the Host check, the page cache, Flask."""
    stack = pagecache.wrap(app, app.wsgi_app)
    stack = headers.HostCheck(stack)
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        stack = ProxyFix(stack, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.wsgi_app = stack  # type: ignore[method-assign]
