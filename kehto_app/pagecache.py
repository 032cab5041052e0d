"""Render once: a public page's bytes, reused until a data file changes or the clock does.

A page is kept per endpoint, URL arguments, query, language and host, and is served
again only while the data version is the one it was rendered from and the clock has
not reached `content.next_change()` (an event ending, midnight). Only the endpoints
below are cached, only their 200 responses, never a request with another query
argument, and never a response that touched the session or sets a cookie.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask.globals import request_ctx

from . import content
from .fastpath import FAST_PATH_MARK
from .fastpath import FastPath
from .i18n import current

# Endpoint -> the query arguments its view reads.
CACHED: dict[str, frozenset[str]] = {
    "site.front": frozenset(),
    "site.page": frozenset(),
    "site.contacts": frozenset(),
    "events.upcoming": frozenset({"page"}),
    "events.past": frozenset({"page"}),
    "events.detail": frozenset(),
    "events.detail_ics": frozenset(),
    "feeds.feed": frozenset({"lang"}),
    "root.sitemap": frozenset(),
    "root.robots": frozenset(),
}
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


@dataclass(frozen=True)
class Entry:
    version: tuple[int, ...]
    rendered: float
    expires: float
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PageCache:
    """Rendered pages, least recently used dropped first beyond `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 2:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self._entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.size -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask) -> None:
    """Wrap the public views; call after the blueprints are registered."""
    app.config.setdefault("PAGE_CACHE", True)
    app.config.setdefault("PAGE_CACHE_BYTES", 32 * 1024 * 1024)
    app.extensions["kehto_pagecache"] = PageCache(int(app.config["PAGE_CACHE_BYTES"]))
    if app.config["PAGE_CACHE"]:
        responses = PageCache(int(app.config["PAGE_CACHE_BYTES"]))
        app.wsgi_app = FastPath(app.wsgi_app, app, responses)  # type: ignore[method-assign]
    for endpoint, args in CACHED.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = cached(view, endpoint, args)


def cache() -> PageCache:
    return current_app.extensions["kehto_pagecache"]


def cached(view: Callable[..., Any], endpoint: str, args: frozenset[str]) -> Callable[..., Any]:
    @wraps(view)
    def serve(**values: Any) -> Any:
        if (
            not current_app.config["PAGE_CACHE"]
            or request.method not in ("GET", "HEAD")
            or not args.issuperset(request.args)
        ):
            return view(**values)
        store = content.store()
        version = store.version()
        at = content.now().timestamp()
        query = tuple(sorted(request.args.items(multi=True)))
        key = (endpoint, tuple(sorted(values.items())), query, current(), _address())
        entry = cache().get(key)
        if entry is not None and entry.version == version and entry.rendered <= at < entry.expires:
            return Response(entry.body, headers=list(entry.headers))
        expires = content.next_change().timestamp()
        response = current_app.make_response(view(**values))
        if _shareable(response):
            headers = tuple((k, v) for k, v in response.headers.items() if k in KEPT_HEADERS)
            cache().put(key, Entry(version, at, expires, headers, response.get_data()))
            request.environ[FAST_PATH_MARK] = (version, at, expires)
        return response

    return serve


def _address() -> tuple[str | None, ...]:
    """What the page's absolute links are built from (cheaper than `request.host_url`)."""
    environ = request.environ
    return (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
    )


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
    opened = getattr(request_ctx._get_current_object(), "_session", None)
    return opened is None or opened.accessed
