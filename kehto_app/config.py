"""Configuration: defaults, `KEHTO_*` environment variables, the shared secret key."""

from __future__ import annotations

import fcntl
import logging
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
    "NEWS_PER_PAGE": 10,
    "FRONT_PAGE_NEWS": 3,
    "SEARCH_RESULTS": 20,
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
    "MIN_FILL_SECONDS": 3,
    "SITE_URL": None,
    "MAIL_SERVER": None,
    "MAIL_PORT": None,
    "MAIL_SECURITY": "starttls",
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": None,
    "MAIL_TIMEOUT": 10,
    "MAIL_GATHER_SECONDS": 300,
    "MAIL_QUIET_SECONDS": 0.2,
    "MODERATORS": [],
    "MODERATOR_LANGUAGE": "fi",
}


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("KEHTO")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.instance_path = app.config.setdefault("INSTANCE_DIR", app.instance_path)
    private_folder(Path(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = shared_secret_key(Path(app.instance_path))


def shared_secret_key(folder: Path) -> str:
    """The key in `folder/secret_key`, made once (mode 0600) under a lock."""
    private_folder(folder)
    path = folder / "secret_key"
    lock_fd = os.open(folder / "secret_key.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(lock_fd, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        for made in (path, folder / "secret_key.lock"):
            owned_by_folder(made, folder)
        return path.read_text().strip()


def owned_by_folder(path: Path, folder: Path) -> None:
    """Run as root (a maintainer's command with sudo), leave a new file to the folder's owner:
    the site's user, who must still be able to read it."""
    if os.geteuid() == 0:
        owner = folder.stat()
        if path.stat().st_uid != owner.st_uid:
            os.chown(path, owner.st_uid, owner.st_gid)


def private_folder(folder: Path) -> None:
    """The instance folder (the key, the rate limit, proposals): the site's user's alone, 0700."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        try:
            folder.chmod(0o700)
        except PermissionError:
            logging.getLogger(__name__).warning("%s: could not make it private (0700)", folder)
