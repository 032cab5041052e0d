"""HTTP: security headers, caching (ETag / 304 before rendering), request logs, health check."""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import jsonify
from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import SecurityError
from werkzeug.http import is_resource_modified
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from . import content
from .models import DEFAULT_LANGUAGE
from .models import LANGUAGES
from .models import now

health = Blueprint("health", __name__)
access_log = logging.getLogger("kehto_app.access")

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
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE = "private, no-store"
# Pages that are never shared: the form (its CSRF token lives in the session), the health check.
PRIVATE_ENDPOINTS = frozenset({"proposals.new", "health.healthz"})
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The files whose change changes what a page looks like, besides the data.
CODE_FILES = ("kehto_app/*.py", "templates/**/*", "static/**/*", "translations/*/LC_MESSAGES/*.mo")


@dataclass(frozen=True)
class CodeVersion:
    """What the code looks like, hashed once at start-up."""

    tag: str
    modified: datetime
    static: dict[str, str]

    @classmethod
    def of(cls, root: Path, version: str) -> CodeVersion:
        digest = hashlib.sha256(version.encode())
        static: dict[str, str] = {}
        newest = 0.0
        files = sorted({p for pattern in CODE_FILES for p in root.glob(pattern) if p.is_file()})
        for path in files:
            data = path.read_bytes()
            digest.update(str(path.relative_to(root)).encode() + b"\0" + data)
            newest = max(newest, path.stat().st_mtime)
            if path.is_relative_to(root / "static"):
                name = path.relative_to(root / "static").as_posix()
                static[name] = hashlib.sha256(data).hexdigest()[:12]
        return cls(digest.hexdigest()[:16], datetime.fromtimestamp(int(newest), UTC), static)


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
    from . import __version__

    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    app.extensions["kehto_code"] = CodeVersion.of(config.ROOT, __version__)
    app.url_defaults(fingerprint_static)
    app.before_request(start_request)
    app.before_request(answer_not_modified)
    app.after_request(cache_headers)
    app.after_request(security_headers)
    app.after_request(log_request)
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_blueprint(health)
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))


def wrap_wsgi(app: Flask) -> None:
    """The outermost layers, applied last: the Host check, then the proxy's headers."""
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]


def code_version() -> CodeVersion:
    return code_version_of(current_app)


def code_version_of(app: Flask) -> CodeVersion:
    return app.extensions["kehto_code"]


def fingerprint_static(endpoint: str, values: dict[str, Any]) -> None:
    """`url_for('static', ...)` adds `?v=<hash of the file>`, so it can be cached for a year."""
    if endpoint == "static" and "filename" in values:
        version = code_version().static.get(values["filename"])
        if version:
            values.setdefault("v", version)


def page_language(lang: str | None = None) -> str:
    """The language the page is in: from its URL, else its `?lang=`."""
    lang = lang or g.get("lang") or request.args.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else "-"


def page_etag(lang: str | None = None) -> str:
    """The public page's ETag, from the data, the language and the code, without rendering it.

    Another data version, language or code gives another tag; the clock enters only
    through what it changes on the pages (an event ends, a day with job deadlines passes).
    """
    return page_validators(lang)[0]


def page_last_modified() -> datetime:
    """The latest of: a data file's change, the code's, midnight, the last event to end."""
    return page_validators()[1]


def page_validators(lang: str | None = None) -> tuple[str, datetime]:
    """The page's ETag and Last-Modified, from one look at the files and the clock."""
    code = code_version()
    moments = [c.modified for c in content.store().collections.values()]
    files = tuple(m.timestamp() for m in moments)
    today = now()
    _, ends = content.store()["events"].derive(content._published)
    passed = bisect.bisect_right(ends, today.timestamp())
    state = (code.tag, page_language(lang), files, passed, today.date().isoformat())
    etag = hashlib.blake2b(repr(state).encode(), digest_size=12).hexdigest()
    moments.append(code.modified)
    moments.append(today.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC))
    if passed:
        moments.append(datetime.fromtimestamp(ends[passed - 1], UTC))
    return etag, max(moments).replace(microsecond=0)


def is_public() -> bool:
    """A GET of a page anyone may share from a cache (not the form, not a POST)."""
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint is not None
        and request.endpoint != "static"
        and request.endpoint not in PRIVATE_ENDPOINTS
    )


def request_id(given: str) -> str:
    """The proxy's request id when it looks like one, else a new one."""
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def start_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))


def answer_not_modified() -> Response | None:
    """A conditional GET of an unchanged public page: 304, before anything is rendered."""
    if not is_public():
        return None
    g.page_etag, g.page_last_modified = page_validators()
    if is_resource_modified(request.environ, etag=g.page_etag, last_modified=g.page_last_modified):
        return None
    return Response(status=304)


def cache_headers(response: Response) -> Response:
    """Who may keep the response, and for how long: see README "HTTP caching"."""
    if request.endpoint == "static":
        if response.status_code in (200, 304) and _fingerprinted():
            response.headers["Cache-Control"] = IMMUTABLE
        elif response.status_code >= 400:
            response.headers["Cache-Control"] = PRIVATE
        return response
    if "Cache-Control" in response.headers and response.status_code != 304:
        return response
    sets_cookie = "Set-Cookie" in response.headers or "cookie" in response.vary
    if not is_public() or sets_cookie or response.status_code >= 400:
        response.headers["Cache-Control"] = PRIVATE
        response.headers.pop("ETag", None)
        return response
    if response.status_code in (200, 304) and "page_etag" in g:
        response.set_etag(g.page_etag)
        response.last_modified = g.page_last_modified
    if "accept-language" in response.vary:
        response.headers["Cache-Control"] = "private, max-age=0"
        return response
    max_age = current_app.config["CACHE_MAX_AGE"]
    stale = current_app.config["CACHE_STALE"]
    response.headers["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={stale}, stale-if-error=86400"
    )
    return response


def untrusted_host(error: SecurityError) -> Response:
    """A Host outside `KEHTO_TRUSTED_HOSTS`: 400, without building any URL from it."""
    return Response("400 Bad Request: unknown host\n", 400, mimetype="text/plain")


def _fingerprinted() -> bool:
    filename = (request.view_args or {}).get("filename", "")
    version = code_version().static.get(filename)
    return version is not None and request.args.get("v") == version


def security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HTTPS"] or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def log_request(response: Response) -> Response:
    given = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = given
    log_line(given, request.environ, response.status_code, g.get("started", time.perf_counter()))
    return response


def log_line(given: str, environ: dict[str, Any], status: int, started: float) -> None:
    """One access line on stderr: request id, client, method, path, status, duration."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    path = request_path(environ)[:500].encode("unicode_escape").decode("ascii")
    took = (time.perf_counter() - started) * 1000
    client = environ.get("REMOTE_ADDR") or "-"
    method = environ.get("REQUEST_METHOD")
    access_log.info("%s %s %s %s %d %.1fms", given, client, method, path, status, took)


def request_path(environ: dict[str, Any]) -> str:
    """The path and query as the client sent them (WSGI carries them as latin-1)."""
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


class _Stderr(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is now (gunicorn, tests swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(level: str | int) -> None:
    """The site's logs on stderr: time, level, logger, message (access lines included)."""
    logger = logging.getLogger("kehto_app")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level.upper() if isinstance(level, str) else level)


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
        "code": code_version().tag,
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if problems else 200
