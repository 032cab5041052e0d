"""Static-file speed: a cached public page replayed whole, before Flask runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from flask import Flask
from werkzeug.http import is_resource_modified
from werkzeug.http import unquote_etag

from . import caching
from . import content
from . import logs

if TYPE_CHECKING:
    from .pagecache import PageCache

FAST_PATH_MARK = "kehto.shareable"
"""Set in the WSGI environ by the page cache on a response that anyone may share."""
# Headers made anew for each request rather than replayed from the cache.
PER_REQUEST = frozenset({"x-request-id", "content-length"})


@dataclass(frozen=True)
class Finished:
    """A whole response as Flask finished it: status, headers (with ETag), body."""

    version: tuple[int, ...]
    code: str
    rendered: float
    expires: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str | None
    last_modified: str | None


class FastPath:
    """Serve a cached public page before Flask runs: static-file speed for unchanged data.

    Only a response that the page cache above judged shareable is kept, keyed by its
    whole URL and address, and replayed (headers included) while the data version is
    the one it was rendered from and the clock has not reached its expiry. A request
    with a cookie, or anything else, goes through Flask as usual.
    """

    def __init__(self, app: Any, site: Flask, responses: PageCache) -> None:
        self.app = app
        self.site = site
        self.store = content.store_of(site)
        self.responses = responses

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or "HTTP_COOKIE" in environ:
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = _wsgi_key(environ)
        entry = self.responses.get(key)
        if entry is not None and self._fresh(entry):
            return self._replay(entry, environ, start_response, started)
        return self._fill(key, environ, start_response)

    def _fresh(self, entry: Finished) -> bool:
        at = content.now().timestamp()
        return (
            entry.version == self.store.version()
            and entry.code == caching.code_version_of(self.site).tag
            and entry.rendered <= at < entry.expires
        )

    def _replay(self, entry: Finished, environ: dict, start_response: Any, started: float) -> Any:
        request_id = logs.request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        modified = is_resource_modified(environ, etag=entry.etag, last_modified=entry.last_modified)
        status, body = (entry.status, entry.body) if modified else ("304 NOT MODIFIED", b"")
        headers = [*entry.headers, ("X-Request-ID", request_id)]
        if modified:
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        logs.log_line(request_id, environ, int(status[:3]), started)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _fill(self, key: tuple, environ: dict[str, Any], start_response: Any) -> Any:
        seen: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *exc_info)

        chunks = self.app(environ, remember)
        mark = environ.get(FAST_PATH_MARK)
        if mark is None or not seen or not seen[0].startswith("200"):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = tuple((k, v) for k, v in seen[1] if k.lower() not in PER_REQUEST)
        found = dict((k.lower(), v) for k, v in headers)
        etag = unquote_etag(found["etag"])[0] if "etag" in found else None
        version, rendered, expires = mark
        if environ["REQUEST_METHOD"] == "GET":
            code = caching.code_version_of(self.site).tag
            modified = found.get("last-modified")
            entry = Finished(
                version, code, rendered, expires, seen[0], headers, body, etag, modified
            )
            self.responses.put(key, entry)
        return [body]


def _wsgi_key(environ: dict[str, Any]) -> tuple[str | None, ...]:
    return (
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
    )
