"""The mail settings (`KEHTO_MAIL_*`, `KEHTO_MODERATORS`, `KEHTO_SITE_URL`), read and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError
from email_validator import validate_email

from ..content.base import LANGUAGES

SECURITY = {"starttls": 587, "ssl": 465, "none": 25}
"""Each way to reach the mail server, and its usual port."""


@dataclass(frozen=True)
class Settings:
    server: str | None
    port: int
    security: str
    username: str | None
    password: str | None
    sender: str
    timeout: float
    moderators: tuple[str, ...]
    moderator_language: str
    site_url: str | None
    gather_seconds: float
    quiet_seconds: float
    """How long a worker's requests are quiet before its mail thread works (a flood is read
    once, after it)."""

    @property
    def enabled(self) -> bool:
        """A mail server is set: mails are kept in the outbox and sent."""
        return bool(self.server)

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Settings:
        security = str(config.get("MAIL_SECURITY") or "starttls").lower()
        port = config.get("MAIL_PORT") or SECURITY.get(security, 587)
        site = config.get("SITE_URL")
        moderators = config.get("MODERATORS") or []
        if isinstance(moderators, str):
            moderators = [moderators]
        server = config.get("MAIL_SERVER")
        return cls(
            server=str(server) if server else None,
            port=int(port),
            security=security,
            username=_text(config.get("MAIL_USERNAME")),
            password=_text(config.get("MAIL_PASSWORD")),
            sender=_text(config.get("MAIL_SENDER")) or "noreply@localhost",
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
            moderators=tuple(str(m) for m in moderators if isinstance(m, str | int)),
            moderator_language=str(config.get("MODERATOR_LANGUAGE") or "fi"),
            site_url=str(site).rstrip("/") if site else None,
            gather_seconds=float(config.get("MAIL_GATHER_SECONDS") or 0),
            quiet_seconds=float(config.get("MAIL_QUIET_SECONDS", 0.2)),
        )


def _text(value: Any) -> str | None:
    """A setting as text: `KEHTO_MAIL_PASSWORD=1234` arrives as a number from the JSON parse."""
    return None if value is None or value == "" else str(value)


def problems(config: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """What is wrong with the mail settings (errors), and what a maintainer should know (notes)."""
    settings = Settings.of(config)
    if not settings.enabled:
        return [], ["Mail is off: KEHTO_MAIL_SERVER is not set, so no mail is sent."]
    errors: list[str] = []
    notes: list[str] = []
    if settings.security not in SECURITY:
        errors.append(f"KEHTO_MAIL_SECURITY: {settings.security!r} is not starttls, ssl or none")
    if not 0 < settings.port < 65536:
        errors.append(f"KEHTO_MAIL_PORT: {settings.port} is not a port number")
    if not config.get("MAIL_SENDER"):
        errors.append("KEHTO_MAIL_SENDER: not set (the From address of every mail)")
    raw = config.get("MODERATORS") or []
    if not isinstance(raw, list | tuple):
        errors.append('KEHTO_MODERATORS: not a JSON list, e.g. ["maija@example.fi"]')
    else:
        for address in raw:
            if not _address(address):
                errors.append(f"KEHTO_MODERATORS: {address!r} is not an email address")
        if not raw:
            notes.append("KEHTO_MODERATORS is empty: no one is told of new proposals.")
    if settings.moderator_language not in LANGUAGES:
        errors.append(
            f"KEHTO_MODERATOR_LANGUAGE: {settings.moderator_language!r} is not fi, sv or en"
        )
    if settings.site_url is None:
        errors.append("KEHTO_SITE_URL: not set (the mails' links need the site's public address)")
    else:
        parts = urlsplit(settings.site_url)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
            errors.append(
                f"KEHTO_SITE_URL: {settings.site_url!r} is not like https://kehto.example.fi"
            )
    if bool(settings.username) != bool(settings.password):
        errors.append("KEHTO_MAIL_USERNAME and KEHTO_MAIL_PASSWORD: set both or neither")
    return errors, notes


def _address(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
