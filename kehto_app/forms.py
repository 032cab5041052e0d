"""The event proposal form: fields, limits and messages in the page's language."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import Field
from wtforms import Form
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from .models import now

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\r\n]")
DATE_FI = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
PAST_DAYS = 365
FUTURE_DAYS = 3 * 365

REQUIRED = _l("Tämä tieto on pakollinen.")


def required() -> InputRequired:
    return InputRequired(message=REQUIRED)


def most(chars: int) -> Length:
    return Length(max=chars, message=_l("Enintään %(max)d merkkiä.", max=chars))


def plain_text(multiline: bool = False):
    def check(form: Form, field: Field) -> None:
        value = field.data or ""
        if CONTROL.search(value) or (not multiline and LINE_BREAK.search(value)):
            raise StopValidation(_l("Teksti sisältää merkkejä, joita ei voi tallentaa."))

    return check


def parse_date(value: str) -> date | None:
    value = value.strip()
    try:
        if match := DATE_FI.fullmatch(value):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        return None
    return None


def parse_time(value: str) -> time | None:
    match = TIME.fullmatch(value.strip())
    if not match:
        return None
    hours, minutes = (int(part) for part in match.groups())
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


class DateField(StringField):
    """A date typed as 2026-12-01 (the browser's date input) or 1.12.2026."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.parsed = parse_date(self.data) if self.data else None
        if self.data and self.parsed is None:
            raise ValueError(_l("Anna päivämäärä muodossa 1.12.2026."))
        if self.parsed is not None:
            self.data = self.parsed.isoformat()
            today = now().date()
            first, last = today - timedelta(PAST_DAYS), today + timedelta(FUTURE_DAYS)
            if not first <= self.parsed <= last:
                raise ValueError(_l("Päivämäärän on oltava vuosien %(first)s–%(last)s välillä.",
                                    first=first.year, last=last.year))  # fmt: skip


class TimeField(StringField):
    """A time of day typed as 9:30 or 9.30."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.parsed = parse_time(self.data) if self.data else None
        if self.data and self.parsed is None:
            raise ValueError(_l("Anna kellonaika muodossa 9.30."))
        if self.parsed is not None:
            self.data = self.parsed.strftime("%H:%M")


def web_address(form: Form, field: Field) -> None:
    value = field.data.strip()
    if not re.fullmatch(r"https?://[^\s/?#]+\.[^\s]+", value, re.IGNORECASE):
        raise ValidationError(_l("Anna verkko-osoite, joka alkaa https:// tai http://."))


class EventForm(FlaskForm):
    title = StringField(_l("Tapahtuman nimi"), [required(), most(200), plain_text()])
    start_date = DateField(_l("Alkamispäivä"), [required()])
    start_time = TimeField(_l("Alkamisaika"), [Optional()])
    end_date = DateField(_l("Päättymispäivä"), [Optional()])
    end_time = TimeField(_l("Päättymisaika"), [Optional()])
    location = StringField(_l("Paikka"), [required(), most(200), plain_text()])
    description = TextAreaField(_l("Kuvaus"), [required(), most(5000), plain_text(True)])
    link = StringField(_l("Verkkosivu"), [Optional(), most(500), plain_text(), web_address])
    organiser = StringField(_l("Järjestäjä"), [required(), most(200), plain_text()])
    submitter_name = StringField(_l("Nimesi"), [required(), most(200), plain_text()])
    submitter_email = StringField(
        _l("Sähköpostiosoitteesi"),
        [required(), most(254), plain_text(),
         Email(message=_l("Anna sähköpostiosoite muodossa nimi@esimerkki.fi."))],
    )  # fmt: skip
    consent = BooleanField(
        _l("Olen lukenut tietosuojaselosteen."),
        [InputRequired(message=_l("Vahvista, että olet lukenut tietosuojaselosteen."))],
    )
    website = StringField(_l("Jätä tämä kenttä tyhjäksi"))

    def validate_end_date(self, field: Field) -> None:
        start, end = self.starts(), self.ends()
        if start and end and end < start:
            raise ValidationError(_l("Tapahtuma ei voi päättyä ennen kuin se alkaa."))

    def validate_end_time(self, field: Field) -> None:
        if field.parsed is not None and self.start_time.parsed is None:
            raise ValidationError(_l("Anna myös alkamisaika."))

    def starts(self) -> datetime | None:
        if self.start_date.parsed is None:
            return None
        return datetime.combine(self.start_date.parsed, self.start_time.parsed or time(0))

    def ends(self) -> datetime | None:
        day = self.end_date.parsed or (self.start_date.parsed if self.end_time.parsed else None)
        if day is None:
            return None
        return datetime.combine(day, self.end_time.parsed or time(23, 59))

    @property
    def is_spam(self) -> bool:
        return bool(self.website.data)

    def document(self) -> dict[str, Any]:
        """The proposal as an events.json document."""
        doc: dict[str, Any] = {
            "title": self.title.data.strip(),
            "start": _moment(self.start_date.parsed, self.start_time.parsed),
        }
        end_day = self.end_date.parsed or (self.start_date.parsed if self.end_time.parsed else None)
        if end_day is not None:
            doc["end"] = _moment(end_day, self.end_time.parsed)
        doc |= {
            "location": self.location.data.strip(),
            "description": self.description.data.strip().replace("\r\n", "\n"),
            "organiser": self.organiser.data.strip(),
            "status": "pending",
        }
        if self.link.data:
            doc["link"] = self.link.data.strip()
        doc |= {
            "submitter_name": self.submitter_name.data.strip(),
            "submitter_email": self.submitter_email.data.strip(),
            "submitted": now().isoformat(timespec="seconds"),
        }
        return doc


def _moment(day: date, at: time | None) -> str:
    return f"{day.isoformat()}T{at.strftime('%H:%M')}" if at else day.isoformat()
