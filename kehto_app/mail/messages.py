"""What the mails say: the moderators' notification, the proposer's decision, a test mail.

Plain text, UTF-8, built with the standard library's `email`; every text goes through the
catalogs (Finnish is the source), rendered in the reader's language.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from .. import i18n
from ..content import base
from ..content import writers
from ..content.base import LANGUAGES
from ..content.models import Proposal
from .links import VALID
from .links import review_url
from .links import site_url
from .settings import Settings

COMMAND = "flask --app wsgi kehto events"
HIDDEN = ("id", "state", "decided", "reason")
"""Fields the notification does not list as the proposal's fields."""


def _labels() -> dict[str, str]:
    return {
        "title": _("Tapahtuman nimi"),
        "start": _("Alkaa"),
        "end": _("Päättyy"),
        "location": _("Paikka"),
        "description": _("Kuvaus"),
        "organiser": _("Järjestäjä"),
        "link": _("Verkkosivu"),
        "submitter_name": _("Ehdottaja"),
        "submitter_email": _("Ehdottajan sähköposti"),
        "submitted": _("Lähetetty"),
        "lang": _("Lomakkeen kieli"),
    }


def message(settings: Settings, to: list[str], subject: str, body: str, lang: str) -> str:
    """The whole message as it is sent."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=_domain(settings))
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body, cte="quoted-printable")
    mail["Content-Language"] = lang  # after set_content, which clears the Content- headers
    return mail.as_string()


def _domain(settings: Settings) -> str:
    if settings.site_url:
        return urlsplit(settings.site_url).hostname or "localhost"
    return settings.sender.rpartition("@")[2].strip("> ") or "localhost"


def notification(settings: Settings, proposal_ids: list[int]) -> tuple[str, list[str], str]:
    """The moderators' mail about these proposals (one, or several gathered)."""
    lang = settings.moderator_language
    with i18n.language(lang):
        found = [(pid, writers.proposal(pid)) for pid in proposal_ids]
        if len(found) == 1:
            proposal = found[0][1]
            title = _fi(proposal.title) if proposal else str(found[0][0])
            subject = _("Uusi tapahtumaehdotus: %(title)s", title=title)
            intro = _("Sivustolle on ehdotettu tapahtuma.")
        else:
            subject = _("%(count)d uutta tapahtumaehdotusta", count=len(found))
            intro = _("Sivustolle on ehdotettu %(count)d tapahtumaa lyhyessä ajassa, joten "
                      "ne on koottu tähän yhteen viestiin.", count=len(found))  # fmt: skip
        moderated = bool(current_app.config["MODERATION"])
        if moderated:
            intro += " " + _("Tapahtuma julkaistaan vasta, kun ylläpitäjä hyväksyy sen.")
        else:
            intro += " " + _(
                "Moderointi on pois päältä (KEHTO_MODERATION=0): tapahtuma julkaistiin heti."
            )
        parts = [intro]
        for proposal_id, proposal in found:
            parts.append(_proposal_section(proposal_id, proposal, lang, moderated))
        parts.append(_notification_footer(settings))
    return (
        settings.sender,
        list(settings.moderators),
        message(settings, list(settings.moderators), subject, "\n\n".join(parts) + "\n", lang),
    )


def _proposal_section(
    proposal_id: int, proposal: Proposal | None, lang: str, moderated: bool
) -> str:
    if proposal is None:
        return _("Ehdotus %(id)s: sitä ei enää ole ehdotustiedostossa.", id=proposal_id)
    heading = _("Ehdotus %(id)s: %(title)s", id=proposal_id, title=_fi(proposal.title))
    lines = [heading, "-" * min(len(heading), 72)]
    labels = _labels()
    for field in dataclasses.fields(proposal):
        value = getattr(proposal, field.name)
        if field.name in HIDDEN or value is None or value == "":
            continue
        label = labels.get(field.name, field.metadata.get("meaning", field.name))
        if field.name == "lang":
            value = i18n.LANGUAGE_NAMES.get(value, value)
        lines.append(_field(label, value))
    if proposal.state != "pending" or not moderated:
        state = {"approved": _("hyväksytty"), "rejected": _("hylätty")}.get(
            proposal.state, proposal.state
        )
        lines += ["", _("Ehdotus on jo käsitelty (%(state)s).", state=state),
                  f"  {COMMAND} show {proposal_id}"]  # fmt: skip
        return "\n".join(lines)
    approve = review_url(proposal_id, "approve", proposal.state, lang)
    reject = review_url(proposal_id, "reject", proposal.state, lang)
    lines.append("")
    if approve and reject:
        lines += [_("Hyväksy ja julkaise: %(url)s", url=approve), _("Hylkää: %(url)s", url=reject)]
    else:
        lines.append(_("Linkkejä ei voitu tehdä, koska KEHTO_SITE_URL puuttuu."))
    lines += [
        _("Tai palvelimella:"),
        f"  {COMMAND} approve {proposal_id}",
        f'  {COMMAND} reject {proposal_id} --reason "..."',
    ]
    return "\n".join(lines)


def _notification_footer(settings: Settings) -> str:
    until = i18n.day(base.now() + VALID)
    lines = [
        _("Linkit toimivat kerran ja ovat voimassa 30 päivää (%(date)s asti). Linkin avaaminen "
          "ei vielä muuta mitään: sivu pyytää vahvistuksen.", date=until),
        _("Kaikki odottavat ehdotukset: %(command)s", command=f"{COMMAND} pending"),
    ]  # fmt: skip
    return "\n".join(lines)


def decision(settings: Settings, proposal_id: int, document: dict[str, Any]) -> str | None:
    """The proposer's mail about the decision, in their language (None: no address to send to)."""
    to = document.get("submitter_email")
    if not to or document.get("state") not in ("approved", "rejected"):
        return None
    lang = str(document.get("lang")) if document.get("lang") in LANGUAGES else "fi"
    with i18n.language(lang):
        proposal = writers.proposal(proposal_id)
        title = _plain(document["title"])
        name = document.get("submitter_name") or ""
        when = i18n.when(proposal.start, proposal.end) if proposal else document.get("start", "")
        event = f"{title}\n{when}, {_plain(document.get('location', ''))}"
        lines = [_("Hei %(name)s,", name=name).replace(" ,", ","), ""]
        if document["state"] == "approved":
            subject = _("Tapahtumasi on julkaistu: %(title)s", title=title)
            lines.append(
                _("ehdottamasi tapahtuma on hyväksytty ja julkaistu KEHTO-foorumin sivustolla.")
            )
            address = site_url("events.detail", lang=lang, event_id=proposal_id)
            lines += ["", event] + ([address] if address else [])
            lines += ["", _("Kiitos ehdotuksestasi!")]
        else:
            subject = _("Tapahtumaehdotustasi ei julkaistu: %(title)s", title=title)
            lines.append(_("ehdottamaasi tapahtumaa ei julkaista KEHTO-foorumin sivustolla."))
            lines += ["", event]
            if document.get("reason"):
                lines += ["", _("Perustelu: %(reason)s", reason=document["reason"])]
            contacts = site_url("site.contacts", lang=lang)
            if contacts:
                lines += ["", _("Jos sinulla on kysyttävää, yhteystiedot ovat sivulla %(url)s",
                                url=contacts)]  # fmt: skip
        lines += ["", "KEHTO-foorumi", "", "-- ", _footer(lang)]
        return message(settings, [to], subject, "\n".join(lines) + "\n", lang)


def _footer(lang: str) -> str:
    text = _("Sait tämän viestin, koska ehdotit tapahtumaa KEHTO-foorumin sivustolla.")
    privacy = site_url("site.page", lang=lang, slug="tietosuojaseloste")
    if privacy:
        text += "\n" + _("Tietosuojaseloste: %(url)s", url=privacy)
    return text


def test(settings: Settings, to: str) -> str:
    lang = settings.moderator_language
    with i18n.language(lang):
        body = _("Tämä on KEHTO-foorumin sivuston testiviesti. Jos luet tätä, sivusto saa "
                 "lähetettyä sähköpostia.")  # fmt: skip
        return message(settings, [to], _("KEHTO-foorumin testiviesti"), body + "\n", lang)


def _field(label: str, value: Any) -> str:
    text = _value(value)
    if "\n" in text:
        return f"{label}:\n" + "\n".join(f"  {line}" if line else "" for line in text.split("\n"))
    return f"{label}: {text}"


def _value(value: Any) -> str:
    if isinstance(value, dict) and len(set(value.values())) == 1:
        return str(next(iter(value.values())))
    if isinstance(value, dict):
        return "\n".join(f"{lang}: {text}" for lang, text in value.items())
    if isinstance(value, datetime | date):
        return i18n.when(value)
    return str(value)


def _plain(value: Any) -> str:
    return i18n.pick(value)[0] if isinstance(value, dict) else str(value)


def _fi(value: Any) -> str:
    return str(value.get("fi", "")) if isinstance(value, dict) else str(value)
