"""HTTP caching: ETag and Last-Modified without rendering, 304s, Cache-Control, static URLs."""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from werkzeug.http import is_resource_modified

from .. import config
from ..content import base
from ..content import current_store
from ..content import queries
from ..content.base import DEFAULT_LANGUAGE
from ..content.base import LANGUAGES
from ..version import __version__

IMMUTABLE = "public, max-age=31536000, immutable"


PRIVATE = "private, no-store"
CODE_FILES = (
    "kehto_app/**/*.py",
    "templates/**/*",
    "static/**/*",
    "translations/*/LC_MESSAGES/*.mo",
)


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


def init_app(app: Flask) -> None:
    """Hash the code once; fingerprint static URLs; validators before the view, Cache-Control
    after it. `answer_not_modified` is registered by `serving.init_app`, to run first."""
    app.extensions["kehto_code"] = CodeVersion.of(config.ROOT, __version__)
    app.url_defaults(fingerprint_static)
    app.before_request(note_validators)
    app.after_request(cache_headers)


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
    """The public page's ETag, from its URL, the data, the language and the code, without
    rendering it.

    Another URL, data version, language or code gives another tag; the clock enters only
    through what it changes on the pages (an event ends, a registration closes, a day with
    job deadlines passes).
    """
    return page_validators(lang)[0]


def page_validators(lang: str | None = None) -> tuple[str, datetime]:
    """The page's ETag and Last-Modified, from one look at the files and the clock."""
    code = code_version()
    moments = [c.modified for c in current_store().public]
    files = tuple(m.timestamp() for m in moments)
    today = base.now()
    ends = queries.clock_changes()
    passed = bisect.bisect_right(ends, today.timestamp())
    url = request.url if has_request_context() else ""
    state = (url, code.tag, page_language(lang), files, passed, today.date().isoformat())
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
        and not is_private(request.endpoint)
    )


def is_private(endpoint: str) -> bool:
    """A page never shared from a cache: its view is marked `@private`."""
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "kehto_private", False))


def note_validators() -> None:
    """A public page's ETag and Last-Modified, from one look at the data, before the view."""
    if is_public():
        g.page_etag, g.page_last_modified = page_validators()


def answer_not_modified(response: Response) -> Response:
    """A conditional GET of an unchanged public page: 304, but only where the page is a 200.

    The page cache answers most of them before Flask runs, from a page that was a 200;
    here the view has run, so a URL that is not found (or a redirect) never gets a 304.
    """
    if (
        response.status_code != 200
        or "page_etag" not in g
        or "Set-Cookie" in response.headers
        or not is_public()
        or not not_modified(request.environ, g.page_etag, g.page_last_modified)
    ):
        return response
    unchanged = Response(status=304)
    if response.vary:
        unchanged.vary.update(response.vary)
    return unchanged


def not_modified(environ: dict[str, Any], etag: str | None, last_modified: Any) -> bool:
    """Whether a conditional GET's validators match: the one 304 rule, Flask's and the cache's."""
    return not is_resource_modified(environ, etag=etag, last_modified=last_modified)


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


def _fingerprinted() -> bool:
    filename = (request.view_args or {}).get("filename", "")
    version = code_version().static.get(filename)
    return version is not None and request.args.get("v") == version
