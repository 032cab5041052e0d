"""`/healthz`: ok, or which data files are invalid, for the host's monitoring."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import jsonify

from ..content import current_store
from ..serving import caching
from ..serving.pagecache import private
from ..version import __version__

health = Blueprint("health", __name__)


@health.get("/healthz")
@private
def healthz() -> tuple[Response, int]:
    store = current_store()
    problems = store.problems()
    files = {c.name: "ok" for c in store.collections.values()}
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
