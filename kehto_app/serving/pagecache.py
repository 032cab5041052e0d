"""One page cache: a public page rendered once, replayed whole until its data or the clock changes.

One LRU of finished responses (status, headers with ETag, body), keyed by the request's
whole URL and address. Flask marks a response shareable (a 200 of a view that is not
`@private`, with no query argument the view does not `@cache_query`, that read no session
and sets no cookie); the WSGI layer around Flask keeps it and replays it, before Flask
runs, while the data version is the one it was rendered from and the clock has not
reached `queries.next_change()` (an event ending, midnight). A request with a cookie
goes through Flask, and is answered there from the same entry.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from flask.globals import request_ctx
from werkzeug.http import unquote_etag

from ..content import base
from ..content import current_store
from ..content import queries
from ..content import store_of
from . import logs
from .caching import code_version_of
from .caching import not_modified

EXTENSION = "kehto_pagecache"
MARK = "kehto.pagecache"
"""Set in the WSGI environ on a response that anyone may share: (version, rendered, expires)."""
PER_REQUEST = frozenset({"x-request-id", "content-length"})
SLOT = 160
"""What the LRU itself spends on an entry: its hash slot, its link, the key's tuple."""

View = TypeVar("View", bound=Callable[..., Any])
Key = tuple[str | None, ...]


def private(view: View) -> View:
    """Never cache this page, here or in any shared cache (the form, the health check)."""
    view.kehto_private = True  # type: ignore[attr-defined]
    return view


def cache_query(*names: str) -> Callable[[View], View]:
    """The query arguments the view reads; a request with any other is not cached."""

    def mark(view: View) -> View:
        view.kehto_cache_query = frozenset(names)  # type: ignore[attr-defined]
        return view

    return mark


@dataclass(frozen=True, slots=True)
class Entry:
    """A whole response as Flask finished it, and what it was rendered from."""

    version: tuple[int, ...]
    code: str
    rendered: float
    expires: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str | None
    last_modified: str | None


def cost(key: Key, entry: Entry) -> int:
    """The bytes an entry keeps alive: body, headers, key and the objects around them."""
    strings: Iterable[Any] = (
        *key,
        entry.status,
        entry.etag,
        entry.last_modified,
        *(part for header in entry.headers for part in header),
    )
    return (
        SLOT
        + sys.getsizeof(entry)
        + sys.getsizeof(entry.body)
        + sys.getsizeof(entry.version)
        + sys.getsizeof(entry.headers)
        + sum(sys.getsizeof(header) for header in entry.headers)
        + sum(sys.getsizeof(s) for s in strings if s is not None)
    )


class PageCache:
    """Finished pages, least recently used dropped first beyond `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[Key, tuple[Entry, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Key, entry: Entry) -> None:
        size = cost(key, entry)
        if size > self.max_bytes // 2:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (entry, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._entries)


def key_of(environ: dict[str, Any]) -> Key:
    """The page's whole URL and what its absolute links are built from."""
    return (
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
    )


def fresh(site: Flask, key: Key) -> Entry | None:
    """The entry for `key` while its data version, its code and its clock still hold."""
    entry = site.extensions[EXTENSION].get(key)
    if entry is None:
        return None
    at = base.now().timestamp()
    if (
        entry.version == store_of(site).version()
        and entry.code == code_version_of(site).tag
        and entry.rendered <= at < entry.expires
    ):
        return entry
    return None


class CachedPages:
    """The WSGI layer around Flask that keeps shareable pages and replays them."""

    def __init__(self, app: Any, site: Flask) -> None:
        self.app = app
        self.site = site
        self.pages: PageCache = site.extensions[EXTENSION]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = key_of(environ)
        if "HTTP_COOKIE" not in environ:
            entry = fresh(self.site, key)
            if entry is not None:
                return self._replay(entry, environ, start_response, started)
        return self._fill(key, environ, start_response)

    def _replay(
        self, entry: Entry, environ: dict[str, Any], start_response: Any, started: float
    ) -> Any:
        request_id = logs.request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        unchanged = not_modified(environ, entry.etag, entry.last_modified)
        status, body = ("304 NOT MODIFIED", b"") if unchanged else (entry.status, entry.body)
        headers = [*entry.headers, ("X-Request-ID", request_id)]
        if not unchanged:
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        logs.log_line(request_id, environ, int(status[:3]), started)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _fill(self, key: Key, environ: dict[str, Any], start_response: Any) -> Any:
        seen: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *exc_info)

        chunks = self.app(environ, remember)
        mark = environ.get(MARK)
        if mark is None or environ["REQUEST_METHOD"] != "GET" or not seen:
            return chunks
        if not seen[0].startswith("200") or any(k.lower() == "set-cookie" for k, _ in seen[1]):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = tuple((k, v) for k, v in seen[1] if k.lower() not in PER_REQUEST)
        found = {k.lower(): v for k, v in headers}
        etag = unquote_etag(found["etag"])[0] if "etag" in found else None
        version, rendered, expires = mark
        code = code_version_of(self.site).tag
        entry = Entry(version, code, rendered, expires, seen[0], headers, body, etag,
                      found.get("last-modified"))  # fmt: skip
        self.pages.put(key, entry)
        return [body]


def init_app(app: Flask) -> None:
    """The hooks inside Flask; `wrap` adds the WSGI layer (see `serving.wrap_wsgi`)."""
    app.config.setdefault("PAGE_CACHE", True)
    app.config.setdefault("PAGE_CACHE_BYTES", 32 * 1024 * 1024)
    app.extensions[EXTENSION] = PageCache(int(app.config["PAGE_CACHE_BYTES"]))
    if app.config["PAGE_CACHE"]:
        app.before_request(serve_from_cache)
        app.after_request(mark_shareable)


def wrap(app: Flask, wsgi_app: Any) -> Any:
    if not app.config["PAGE_CACHE"]:
        return wsgi_app
    return CachedPages(wsgi_app, app)


def cache() -> PageCache:
    return current_app.extensions[EXTENSION]


def cacheable() -> bool:
    """A GET or HEAD of a view that allows caching, without an argument it does not read."""
    if request.method not in ("GET", "HEAD") or request.endpoint in (None, "static"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "kehto_private", False):
        return False
    return getattr(view, "kehto_cache_query", frozenset()).issuperset(request.args)


def serve_from_cache() -> Response | None:
    """Before the view: the cached page (a request with a cookie), or note what it renders from."""
    if not cacheable():
        return None
    key = key_of(request.environ)
    entry = fresh(current_app, key)
    if entry is not None:
        return Response(entry.body, entry.status, list(entry.headers))
    at = base.now().timestamp()
    g.page_cache_mark = (current_store().version(), at, queries.next_change().timestamp())
    return None


def mark_shareable(response: Response) -> Response:
    """After the view: let the WSGI layer keep a page that anyone may be served."""
    mark = g.pop("page_cache_mark", None)
    if mark is not None and _shareable(response):
        request.environ[MARK] = mark
    return response


def _shareable(response: Response) -> bool:
    return (
        response.status_code == 200
        and not response.is_streamed
        and not _session_touched()
        and "Set-Cookie" not in response.headers
        and not response.vary
    )


def _session_touched() -> bool:
    """Whether the view read the session (without marking it read, as `session` would)."""
    # Flask types the proxy as the context it stands for, without the proxy's own methods.
    opened = getattr(request_ctx._get_current_object(), "_session", None)  # type: ignore[attr-defined]
    return opened is None or opened.accessed
