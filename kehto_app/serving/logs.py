"""Logs on stderr: one access line per request, with a request id, status and duration.

The client's address is logged truncated, to its /24 (IPv4) or /48 (IPv6): enough to see
where a flood comes from, not who a visitor is (see the privacy notice).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
import time
import uuid
from functools import lru_cache
from typing import Any
from typing import TextIO

from flask import Response
from flask import g
from flask import request

from ..content.base import LANGUAGES
from ..i18n import localized_path

access_log = logging.getLogger("kehto_app.access")

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id(given: str) -> str:
    """The proxy's request id when it looks like one, else a new one."""
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def start_request() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))


def log_request(response: Response) -> Response:
    given = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = given
    log_line(given, request.environ, response.status_code, g.get("started", time.perf_counter()))
    return response


REVIEW_PATHS = sorted({localized_path("/events/review/", lang) for lang in LANGUAGES})
SECRET_IN_PATH = re.compile(rf"((?:{'|'.join(map(re.escape, REVIEW_PATHS))})[0-9]+/)[^/?]+")
"""A review link's signed token (`/fi/tapahtumat/tarkista/ID/TOKEN/`, and its spellings in
the other languages), a key to a decision, kept out of the logs."""


def log_line(given: str, environ: dict[str, Any], status: int, started: float) -> None:
    """One access line on stderr: request id, client, method, path, status, duration."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    path = request_path(environ)
    if any(review in path for review in REVIEW_PATHS):
        path = SECRET_IN_PATH.sub(r"\1-", path)
    path = path[:500].encode("unicode_escape").decode("ascii")
    took = (time.perf_counter() - started) * 1000
    client = truncated(environ.get("REMOTE_ADDR") or "-")
    method = environ.get("REQUEST_METHOD")
    access_log.info("%s %s %s %s %d %.1fms", given, client, method, path, status, took)


@lru_cache(maxsize=4096)
def truncated(address: str) -> str:
    """The client's network as logged: 203.0.113.0/24, 2001:db8:1::/48; "-" for no address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "-"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(ip), 24), strict=False))
    return str(ipaddress.IPv6Network((int(ip), 48), strict=False))


def request_path(environ: dict[str, Any]) -> str:
    """The path and query as the client sent them (WSGI carries them as latin-1)."""
    path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is now (gunicorn, tests swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(level: str | int) -> None:
    """The site's logs on stderr: time, level, logger, message (access lines included)."""
    logger = logging.getLogger("kehto_app")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        line = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"
        handler.setFormatter(logging.Formatter(line))
        logger.addHandler(handler)
    logger.setLevel(level.upper() if isinstance(level, str) else level)
