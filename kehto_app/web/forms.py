"""The event proposal form: fields, limits and messages in the page's language."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from typing import cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import Field
from wtforms import Form
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # (stubs: 3.2)
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from .. import i18n
from ..content import base
from ..content import links
from ..content.fields import ATTENDANCES
from ..content.fields import MOMENT
from ..content.models import as_datetime
from ..content.models import ends_at
from ..i18n import day

# C0 and C1 controls (tab and line breaks aside), Unicode line/paragraph separators,
# bidirectional overrides, and U+FFFD, which stands for bytes that were not valid UTF-8.
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]"
)
LINE_BREAK = re.compile(r"[\r\n]")
DATE_FI = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
DATE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
PAST_DAYS = 365
FUTURE_DAYS = 3 * 365

REQUIRED = _l("Tämä tieto on pakollinen.")


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def most(chars: int) -> Length:
    return Length(max=chars, message=_l("Enintään %(max)d merkkiä.", max=chars))


def plain_text(multiline: bool = False) -> Callable[[Form, Field], None]:
    def check(form: Form, field: Field) -> None:
        value = field.data or ""
        if CONTROL.search(value) or (not multiline and LINE_BREAK.search(value)):
            raise StopValidation(_l("Teksti sisältää merkkejä, joita ei voi tallentaa."))

    return check


def parse_date(value: str) -> date | None:
    value = value.strip()
    try:
        if match := DATE_FI.fullmatch(value):
            day_, month, year = (int(part) for part in match.groups())
            return date(year, month, day_)
        if DATE_ISO.fullmatch(value):
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

    parsed: date | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.parsed = None
        if not self.data or not self.data.strip():
            return
        parsed = parse_date(self.data)
        if parsed is None:
            raise ValueError(_l("Anna päivämäärä muodossa 1.12.2026."))
        self.data = parsed.isoformat()
        today = base.now().date()
        first, last = today - timedelta(PAST_DAYS), today + timedelta(FUTURE_DAYS)
        if not first <= parsed <= last:
            raise ValueError(_l("Anna päivämäärä väliltä %(first)s–%(last)s.",
                                first=day(first), last=day(last)))  # fmt: skip
        self.parsed = parsed


class TimeField(StringField):
    """A time of day typed as 9:30 or 9.30."""

    parsed: time | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.parsed = None
        if not self.data or not self.data.strip():
            return
        parsed = parse_time(self.data)
        if parsed is None:
            raise ValueError(_l("Anna kellonaika muodossa 9.30."))
        self.parsed = parsed
        self.data = parsed.strftime("%H:%M")


BAD_LINK = _l("Anna verkko-osoite, joka alkaa https:// tai http://.")
LINK_MESSAGES = {
    links.Problem.HIDDEN: _l(
        "Osoitteessa on näkymättömiä tai tekstin suuntaa muuttavia merkkejä. "
        "Kirjoita osoite uudelleen."
    ),
    links.Problem.USERINFO: _l(
        "Osoitteessa ei voi olla käyttäjätunnusta ennen palvelimen nimeä (nimi@palvelin)."
    ),
    links.Problem.MIXED_SCRIPT: _l("Palvelimen nimessä on sekaisin eri aakkostojen kirjaimia."),
    links.Problem.PORT: _l("Porttinumeron pitää olla välillä 1–65535."),
}


LINKS = re.compile(r"https?://|(?<![/.\w])www\.", re.IGNORECASE)
MAX_LINKS = 3


def few_links(form: Form, field: Field) -> None:
    """At most `MAX_LINKS` web addresses in a text: more is what spam looks like."""
    if len(LINKS.findall(field.data or "")) > MAX_LINKS:
        raise ValidationError(_l("Kuvauksessa voi olla enintään %(max)d linkkiä.", max=MAX_LINKS))


def web_address(form: Form, field: Field) -> None:
    """The same check as the data files' links (`content.links`), with the page's words."""
    found = links.problem(field.data.strip())
    if found is not None:
        raise ValidationError(LINK_MESSAGES.get(found[0], BAD_LINK))


def place_unless_online(form: Form, field: Field) -> None:
    """A place is required, except for an online event."""
    if (field.data or "").strip():
        return
    if form["attendance"].data == "online":
        raise StopValidation()
    raise StopValidation(REQUIRED)


def one_of(choices: tuple[str, ...]) -> Callable[[Form, Field], None]:
    def check(form: Form, field: Field) -> None:
        if field.data not in choices:
            raise StopValidation(_l("Valitse jokin vaihtoehdoista."))

    return check


ATTENDANCE_CHOICES = [
    SelectChoice("in-person", _l("Paikan päällä")),
    SelectChoice("online", _l("Verkkotapahtuma")),
    SelectChoice("hybrid", _l("Hybriditapahtuma: paikan päällä ja verkossa")),
]


class EventForm(FlaskForm):
    title = StringField(_l("Tapahtuman nimi"), [required(), most(200), plain_text()])
    start_date = DateField(_l("Alkamispäivä"), [required()])
    start_time = TimeField(_l("Alkamisaika"), [Optional()])
    end_date = DateField(_l("Päättymispäivä"), [Optional()])
    end_time = TimeField(_l("Päättymisaika"), [Optional()])
    attendance = SelectField(_l("Osallistumistapa"), [one_of(ATTENDANCES)],
                             choices=ATTENDANCE_CHOICES, default="in-person",
                             validate_choice=False)  # fmt: skip
    location = StringField(_l("Paikka"), [place_unless_online, most(200), plain_text()])
    meeting_link = StringField(
        _l("Osallistumislinkki"), [Optional(), most(500), plain_text(), web_address]
    )
    description = TextAreaField(_l("Kuvaus"), [required(), most(5000), plain_text(True), few_links])
    link = StringField(_l("Verkkosivu"), [Optional(), most(500), plain_text(), web_address])
    registration_link = StringField(
        _l("Ilmoittautumislinkki"), [Optional(), most(500), plain_text(), web_address]
    )
    registration_date = DateField(_l("Ilmoittautumisen viimeinen päivä"), [Optional()])
    registration_time = TimeField(_l("Ilmoittautuminen päättyy klo"), [Optional()])
    organiser = StringField(_l("Järjestäjä"), [required(), most(200), plain_text()])
    submitter_name = StringField(_l("Nimesi"), [required(), most(200), plain_text()])
    submitter_email = StringField(
        _l("Sähköpostiosoitteesi"),
        [required(), most(254), plain_text(),
         Email(message=_l("Anna sähköpostiosoite muodossa nimi@esimerkki.fi."))],
    )  # fmt: skip
    consent = BooleanField(
        _l("Olen lukenut tietosuojaselosteen."),
        [DataRequired(message=_l("Vahvista, että olet lukenut tietosuojaselosteen."))],
    )
    website = StringField(_l("Jätä tämä kenttä tyhjäksi"))
    started = HiddenField()  # when the form was loaded, signed (web/spam.py)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        checked = [self._check_end(), self._check_online(), self._check_registration()]
        return all(checked) and valid

    def _check_online(self) -> bool:
        """An online or hybrid event has its meeting link."""
        if self.attendance.data not in ("online", "hybrid") or self.meeting_link.errors:
            return True
        if (self.meeting_link.data or "").strip():
            return True
        _add_error(self.meeting_link, _l("Anna linkki, jonka kautta tapahtumaan osallistutaan."))
        return False

    def _check_registration(self) -> bool:
        """A deadline time needs its day; registration closes by the time the event ends."""
        closes = self.registration_closes()
        if self.registration_time.parsed is not None and self.registration_date.parsed is None:
            if not self.registration_date.errors:
                _add_error(
                    self.registration_time, _l("Anna myös ilmoittautumisen viimeinen päivä.")
                )
            return False
        event_ends = self.event_ends()
        if closes is None or event_ends is None or closes <= event_ends:
            return True
        field = self.registration_time if self.registration_time.parsed else self.registration_date
        _add_error(field, _l("Ilmoittautumisen pitää päättyä viimeistään, kun tapahtuma päättyy."))
        return False

    def registration_closes(self) -> datetime | None:
        """When registration closes, as the data files read the deadline."""
        deadline = self._registration_deadline()
        if deadline is None:
            return None
        value = MOMENT(deadline)
        return value if isinstance(value, datetime) else as_datetime(value + timedelta(days=1))

    def _registration_deadline(self) -> str | None:
        if self.registration_date.parsed is None:
            return None
        return _moment(self.registration_date.parsed, self.registration_time.parsed)

    def event_ends(self) -> datetime | None:
        """When the event is over, as the data files read its start and end."""
        if self.start_date.parsed is None or self._check_end_failed():
            return None
        start = MOMENT(_moment(self.start_date.parsed, self.start_time.parsed))
        end_day = self._end_day()
        end = MOMENT(_moment(end_day, self.end_time.parsed)) if end_day else None
        return ends_at(start, end)

    def _check_end_failed(self) -> bool:
        return bool(self.end_date.errors or self.end_time.errors or self.start_time.errors)

    def _check_end(self) -> bool:
        """The end is not before the start; an end time needs a start time."""
        if self.end_time.parsed is not None and self.start_time.parsed is None:
            if not self.start_time.errors:
                _add_error(self.end_time, _l("Anna myös alkamisaika."))
            return False
        start, end = self.starts(), self.ends()
        if start is None or end is None or end >= start:
            return True
        same_day = self.end_date.parsed in (None, self.start_date.parsed)
        field = self.end_time if same_day and self.end_time.parsed else self.end_date
        _add_error(field, _l("Tapahtuma ei voi päättyä ennen kuin se alkaa."))
        return False

    def starts(self) -> datetime | None:
        if self.start_date.parsed is None:
            return None
        return datetime.combine(self.start_date.parsed, self.start_time.parsed or time(0))

    def _end_day(self) -> date | None:
        return self.end_date.parsed or (self.start_date.parsed if self.end_time.parsed else None)

    def ends(self) -> datetime | None:
        end_day = self._end_day()
        if end_day is None:
            return None
        return datetime.combine(end_day, self.end_time.parsed or time(23, 59))

    @property
    def is_spam(self) -> bool:
        """The hidden field that people leave empty and robots fill in."""
        return bool((self.website.data or "").strip())

    def document(self) -> dict[str, Any]:
        """The proposal as a document of the proposals file."""
        start_day = self.start_date.parsed
        assert start_day is not None, "a validated form has a start date"
        doc: dict[str, Any] = {
            "title": _text(self.title),
            "start": _moment(start_day, self.start_time.parsed),
        }
        end_day, end_time = self._end_day(), self.end_time.parsed
        if end_day is not None and (end_day, end_time) != (self.start_date.parsed, None):
            doc["end"] = _moment(end_day, end_time)
        description = _text(self.description).replace("\r\n", "\n").replace("\r", "\n")
        if _text(self.location):
            doc["location"] = _text(self.location)
        doc |= {"description": description, "organiser": _text(self.organiser)}
        if self.link.data and self.link.data.strip():
            doc["link"] = self.link.data.strip()
        doc |= self._attendance_and_registration()
        doc |= {
            "state": "pending",
            "submitted": base.now().isoformat(timespec="seconds"),
            "lang": i18n.current(),
            "submitter_name": _text(self.submitter_name),
            "submitter_email": _text(self.submitter_email),
        }
        return doc

    def _attendance_and_registration(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if self.attendance.data in ("online", "hybrid"):
            doc["attendance"] = self.attendance.data
            doc["meeting_link"] = _text(self.meeting_link)
        if _text(self.registration_link):
            doc["registration_link"] = _text(self.registration_link)
        deadline = self._registration_deadline()
        if deadline is not None:
            doc["registration_deadline"] = deadline
        return doc


def _add_error(field: Field, message: str) -> None:
    """An error found after the field's own checks (by then WTForms keeps them in a list)."""
    cast("list[str]", field.errors).append(message)


def _text(field: StringField) -> str:
    return (field.data or "").strip()


def _moment(day_: date, at: time | None) -> str:
    return f"{day_.isoformat()}T{at.strftime('%H:%M')}" if at else day_.isoformat()
