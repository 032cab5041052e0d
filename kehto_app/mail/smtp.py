"""Sending: the standard library's smtplib, one connection for the mails that are due."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from dataclasses import field
from functools import cache

from .mails import Mail
from .outbox import Outbox
from .settings import Settings

log = logging.getLogger(__name__)


def connect(settings: Settings) -> smtplib.SMTP:
    """A connection to the mail server, secured and logged in as the settings say."""
    assert settings.server, "a mail server is set"
    context = tls_context()
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.server, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username and settings.password:
            smtp.login(settings.username, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


@cache
def tls_context() -> ssl.SSLContext:
    """The system's certificates, checked as `ssl` does by default: loaded once per process,
    not for each connection (loading them takes the CPU a request would use)."""
    return ssl.create_default_context()


def send_message(smtp: smtplib.SMTP, sender: str, recipients: list[str], message: str) -> None:
    refused = smtp.sendmail(sender, recipients, message.encode("utf-8"))
    if refused:
        log.warning("mail: the server refused %d of %d recipients", len(refused), len(recipients))


@dataclass
class Report:
    sent: list[Mail] = field(default_factory=list)
    failed: list[Mail] = field(default_factory=list)
    error: str | None = None


def deliver(outbox: Outbox, settings: Settings, *, everything: bool = False) -> Report:
    """Send the due mails (every waiting one, with `everything`); each is marked sent or
    failed in the outbox as soon as the server has answered for it."""
    report = Report()
    if not settings.enabled:
        return report
    mails = outbox.claim(everything=everything)
    if not mails:
        return report
    try:
        smtp = connect(settings)
    except OSError as exc:  # smtplib's errors are OSErrors too
        report.error = describe(exc)
        report.failed = [outbox.failed(mail, report.error) for mail in mails]
        smtp = None
    for index, mail in enumerate(mails if smtp is not None else []):
        assert smtp is not None
        try:
            send_message(smtp, mail.sender, mail.recipients, mail.message)
        except smtplib.SMTPServerDisconnected as exc:
            _lost_connection(outbox, mails[index:], exc, report)
            break
        except smtplib.SMTPException as exc:  # this mail was refused; the next may pass
            report.error = describe(exc)
            report.failed.append(outbox.failed(mail, report.error))
            continue
        except OSError as exc:
            _lost_connection(outbox, mails[index:], exc, report)
            break
        outbox.sent(mail)
        report.sent.append(mail)
    if smtp is not None:
        try:
            smtp.quit()
        except OSError:
            smtp.close()
    for mail in report.sent:
        log.info("mail %s sent (%s, %d recipient(s))", mail.id, mail.kind, len(mail.recipients))
    for mail in report.failed:
        log.warning("mail %s not sent, attempt %d: %s; next try at %s",
                    mail.id, mail.attempts, mail.last_error, mail.due)  # fmt: skip
    return report


def _lost_connection(outbox: Outbox, left: list[Mail], exc: BaseException, report: Report) -> None:
    """The server went away: every mail not sent yet waits for the next try."""
    report.error = describe(exc)
    report.failed += [outbox.failed(mail, report.error) for mail in left]


def describe(exc: BaseException) -> str:
    """An error as the maintainer reads it: what failed, without a traceback."""
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{type(exc).__name__}: {exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"SMTPRecipientsRefused: all {len(exc.recipients)} recipient(s) refused"
    return f"{type(exc).__name__}: {exc}"
