"""Request bodies: a chunked body over `MAX_CONTENT_LENGTH` is refused whole, never cut short.

A body sent without Content-Length (`Transfer-Encoding: chunked`) has no size to check up
front, and Werkzeug stops reading it at the limit, so a form would be parsed from its
first 64 KB. It is read here, up to one byte past the limit, before anything parses it:
over the limit it gets the localized 413 page; within it, it goes on as a body with a
Content-Length, as nginx would pass it on.
"""

from __future__ import annotations

import io

from flask import abort
from flask import current_app
from flask import request


def read_chunked_body() -> None:
    environ = request.environ
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    stream = environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        try:
            chunk = stream.read(limit + 1 - len(body))
        except Exception:  # the server's own errors: a broken chunk, the client gone
            abort(400)
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(bytes(body))
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
