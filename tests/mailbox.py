"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""

from __future__ import annotations

import asyncio
import email
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller

from tests.live import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)


class Mailbox:
    """What the server has accepted, in order; `delay` seconds spent on each message."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.received: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=default)  # type: ignore[attr-defined]
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[attr-defined]
            )
        return "250 OK"

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first `count` messages, once they have arrived (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.received)} message(s) arrived, {count} expected")

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


@contextmanager
def smtp_server(port: int | None = None, delay: float = 0.0) -> Iterator[tuple[Mailbox, int]]:
    """aiosmtpd on 127.0.0.1 (a free port unless given), stopped whatever happens."""
    box = Mailbox(delay)
    port = port or free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def mail_settings(port: int, **more: object) -> dict[str, object]:
    """The site's mail settings for a server on loopback at `port` (plain SMTP, no login)."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SECURITY": "none",
        "MAIL_SENDER": "KEHTO-foorumi <noreply@kehto.example.fi>",
        "MAIL_TIMEOUT": 5,
        "MODERATORS": ["moderaattori@example.fi", "toinen@example.fi"],
        "SITE_URL": "https://kehto.example.fi",
        **more,
    }
