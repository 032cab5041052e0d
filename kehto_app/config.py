"""Configuration: defaults, `KEHTO_*` environment variables, the shared secret key."""

from __future__ import annotations

import fcntl
import logging
import math
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


WHOLE = "a whole number"
NUMBER = "a number"
SWITCH = "true or false (or 1 or 0)"
RULES: dict[str, tuple[str, float | None, float | None]] = {
    "HISTORY_KEEP": (WHOLE, 1, None),
    "RETENTION_DAYS": (WHOLE, None, None),  # below 0: purged before the event ends
    "EVENTS_PER_PAGE": (WHOLE, 1, None),
    "FRONT_PAGE_EVENTS": (WHOLE, 0, None),
    "NEWS_PER_PAGE": (WHOLE, 1, None),
    "FRONT_PAGE_NEWS": (WHOLE, 0, None),
    "SEARCH_RESULTS": (WHOLE, 1, None),
    "MAX_CONTENT_LENGTH": (WHOLE, 1024, None),
    "MAX_FORM_MEMORY_SIZE": (WHOLE, 1024, None),
    "PROXY_COUNT": (WHOLE, 0, None),
    "CACHE_MAX_AGE": (WHOLE, 0, None),
    "CACHE_STALE": (WHOLE, 0, None),
    "MIN_FILL_SECONDS": (NUMBER, 0, None),
    "MAIL_PORT": (WHOLE, 1, 65535),
    "MAIL_TIMEOUT": (NUMBER, 1, None),
    "MAIL_GATHER_SECONDS": (NUMBER, 0, None),
    "MAIL_QUIET_SECONDS": (NUMBER, 0, None),
    "MODERATION": (SWITCH, 0, 1),
    "HTTPS": (SWITCH, 0, 1),
}
"""The settings that must be numbers or switches: (what they must be, the least and the
most they may be). `RATE_LIMIT` is a pair of whole numbers, `LOG_LEVEL` one of LOG_LEVELS."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("KEHTO")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["SETTING_PROBLEMS"] = checked(app.config)
    app.instance_path = app.config.setdefault("INSTANCE_DIR", app.instance_path)
    private_folder(Path(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = shared_secret_key(Path(app.instance_path))


def checked(config: dict[str, Any]) -> list[str]:
    """Put back the default of each setting that is not what it must be (a typo must not take
    the site down), and say which: `kehto check` lists them, and the site logs them."""
    problems = []
    for name, (kind, least, most) in RULES.items():
        value = config.get(name)
        if value is None and DEFAULTS[name] is None:
            continue
        if not _fits(value, kind, least, most):
            default = DEFAULTS[name]
            if most is not None:
                kind += f" from {least:g} to {most:g}" if kind != SWITCH else ""
            elif least is not None:
                kind += f" at least {least:g}"
            used = "it is left unset" if default is None else f"the default {default!r} is used"
            problems.append(f"KEHTO_{name}={value!r} is not {kind}: {used}")
            config[name] = default
    level = config.get("LOG_LEVEL")
    if str(level).upper() not in LOG_LEVELS:
        problems.append(f"KEHTO_LOG_LEVEL={level!r} is not one of {', '.join(LOG_LEVELS)}: "
                        f"the default {DEFAULTS['LOG_LEVEL']!r} is used")  # fmt: skip
        config["LOG_LEVEL"] = DEFAULTS["LOG_LEVEL"]
    pair = config.get("RATE_LIMIT")
    if not (isinstance(pair, list | tuple) and len(pair) == 2
            and all(_fits(n, WHOLE, 1, None) for n in pair)):  # fmt: skip
        problems.append(f"KEHTO_RATE_LIMIT={pair!r} is not a pair of whole numbers, proposals "
                        f"and seconds, like [10, 600]: the default {list(DEFAULTS['RATE_LIMIT'])} "
                        "is used")  # fmt: skip
        config["RATE_LIMIT"] = DEFAULTS["RATE_LIMIT"]
    for problem in problems:
        logging.getLogger(__name__).error("setting: %s", problem)
    return problems


def _fits(value: Any, kind: str, least: float | None, most: float | None) -> bool:
    if kind == SWITCH:
        return isinstance(value, bool) or value in (0, 1)
    allowed = int if kind == WHOLE else int | float
    if isinstance(value, bool) or not isinstance(value, allowed) or not math.isfinite(value):
        return False
    return (least is None or value >= least) and (most is None or value <= most)


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
