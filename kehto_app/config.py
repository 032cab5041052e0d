"""Configuration: defaults, `KEHTO_*` environment variables, the shared secret key."""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": str(ROOT / "data"),
    "HISTORY_KEEP": 50,
    "MODERATION": True,
    "RETENTION_DAYS": 30,
    "EVENTS_PER_PAGE": 20,
    "FRONT_PAGE_EVENTS": 5,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "RATE_LIMIT": (10, 600),
    "WTF_I18N_ENABLED": False,
    "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    "HTTPS": False,
    "PROXY_COUNT": 0,
    "CACHE_MAX_AGE": 60,
    "CACHE_STALE": 30,
    "LOG_LEVEL": "INFO",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("KEHTO")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.instance_path = app.config.setdefault("INSTANCE_DIR", app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = shared_secret_key(Path(app.instance_path))


def shared_secret_key(folder: Path) -> str:
    """The key in `folder/secret_key`, made once (mode 0600) under a lock."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    with open(folder / "secret_key.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        return path.read_text().strip()
