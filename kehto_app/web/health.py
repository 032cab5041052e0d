"""`/healthz`: ok or degraded, and which data files are invalid, for the host's monitoring.

Anyone may ask; only a request made on the machine itself, straight to gunicorn (from
loopback, not through a proxy), also gets the problems, the version and the code's hash.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request

from ..content import current_store
from ..serving import caching
from ..serving.pagecache import private
from ..version import __version__

health = Blueprint("health", __name__)

FORWARDED = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


@health.get("/healthz")
@private
def healthz() -> tuple[Response, int]:
    store = current_store()
    problems = store.problems()
    files = {c.name: "ok" for c in store.collections.values()}
    for problem in problems:
        files[problem.file] = "invalid"
    invalid = sorted(name for name, state in files.items() if state == "invalid")
    body: dict[str, Any] = {"status": "degraded" if problems else "ok", "invalid": invalid}
    if from_this_machine():
        body |= {
            "files": files,
            "problems": [str(p) for p in problems],
            "version": __version__,
            "code": caching.code_version().tag,
        }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if problems else 200


def from_this_machine() -> bool:
    """A request from loopback that no proxy passed on (nginx adds X-Forwarded-For)."""
    if any(name in request.headers for name in FORWARDED):
        return False
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
    try:
        return ipaddress.ip_address(peer or request.remote_addr or "").is_loopback
    except ValueError:
        return False
