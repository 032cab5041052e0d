"""HTTP: security headers and the health check."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from . import content

health = Blueprint("health", __name__)

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
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
    app.register_blueprint(health)


def security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["HTTPS"] or request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


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
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if problems else 200
