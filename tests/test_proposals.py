"""Municipal staff propose an event; nothing is public until the maintainer approves it."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import time
from datetime import date
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import icalendar
import pytest
from flask import Flask
from flask import g
from flask_babel import gettext
from itsdangerous import TimestampSigner
from markupsafe import escape

from kehto_app import create_app
from kehto_app.content.base import now
from kehto_app.i18n import day
from kehto_app.serving.ratelimit import RateLimit
from kehto_app.web.forms import FUTURE_DAYS
from kehto_app.web.forms import PAST_DAYS
from tests.helpers import events_on_disk
from tests.helpers import in_lang
from tests.helpers import proposals_on_disk

FORM = "/events/new/"
THANKS = "/events/new/thanks/"
PROPOSER = ("Pekka Proposer-Testaaja", "pekka.proposer@example.org")
REQUIRED = "Tämä tieto on pakollinen."
BAD_DATE = "Anna päivämäärä muodossa 1.12.2026."
BAD_TIME = "Anna kellonaika muodossa 9.30."
BAD_TEXT = "Teksti sisältää merkkejä, joita ei voi tallentaa."
BAD_LINK = "Anna verkko-osoite, joka alkaa https:// tai http://."
BAD_EMAIL = "Anna sähköpostiosoite muodossa nimi@esimerkki.fi."
END_BEFORE_START = "Tapahtuma ei voi päättyä ennen kuin se alkaa."
NEEDS_START_TIME = "Anna myös alkamisaika."
NO_CONSENT = "Vahvista, että olet lukenut tietosuojaselosteen."
TOO_LONG = "Enintään %(max)d merkkiä."
OUT_OF_RANGE = "Anna päivämäärä väliltä %(first)s–%(last)s."


def soon(days: int = 30) -> date:
    return now().date() + timedelta(days=days)


def fi_date(value: date) -> str:
    return f"{value.day}.{value.month}.{value.year}"


def valid_form(**changes: str) -> dict[str, str]:
    """What a person fills in: every required field, in the Finnish date format."""
    form = {
        "title": "Katujen kunnossapidon työpaja",
        "start_date": fi_date(soon()),
        "start_time": "9.30",
        "end_date": "",
        "end_time": "15:00",
        "location": "Kuntatalo, Helsinki",
        "description": "Ensimmäinen kappale.\r\n\r\nToinen kappale.",
        "link": "https://www.esimerkki.fi/tyopaja",
        "organiser": "Kuntaliitto",
        "submitter_name": PROPOSER[0],
        "submitter_email": PROPOSER[1],
        "consent": "y",
        "website": "",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the form has no CSRF token"
    return match.group(1)


def translated(app: Flask, lang: str, msgid: str, **values: object) -> str:
    """The message as the page in `lang` shows it (HTML-escaped)."""
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        return str(escape(gettext(msgid, **values)))


def field_error(html: str, field: str) -> str | None:
    """The message shown at `field`, if any."""
    match = re.search(
        rf'<p class="error-message" id="{field}-error">.*?</span>\s*(.*?)</p>', html, re.S
    )
    return match.group(1).strip() if match else None


def input_tag(html: str, field: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*>', html)
    assert match, f"no input {field}"
    return match.group(0)


@pytest.fixture
def csrf_app(config: dict) -> Flask:
    return create_app({**config, "WTF_CSRF_ENABLED": True})


# The whole story, with CSRF protection on, as a browser without JavaScript does it.


def test_a_proposal_waits_for_approval_and_then_is_public(csrf_app, data_dir, instance_dir):
    client = csrf_app.test_client()
    form_page = client.get(in_lang("fi", FORM))
    assert form_page.status_code == 200
    assert "<script" not in form_page.text
    title = "Hulevesiseminaari, Tampere"
    before = set(proposals_on_disk(instance_dir))

    answer = client.post(
        in_lang("fi", FORM),
        data=valid_form(title=title, csrf_token=csrf_token(form_page.text)),
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(in_lang("fi", THANKS))
    thanks = client.get(answer.headers["Location"])
    assert "julkaistaan, kun ylläpitäjä on tarkistanut sen" in thanks.text

    (new_id,) = set(proposals_on_disk(instance_dir)) - before
    stored = proposals_on_disk(instance_dir)[new_id]
    assert stored["state"] == "pending" and stored["lang"] == "fi"
    assert stored["title"] == title
    assert stored["start"] == f"{soon().isoformat()}T09:30"
    assert stored["end"] == f"{soon().isoformat()}T15:00"
    assert stored["description"] == "Ensimmäinen kappale.\n\nToinen kappale."
    assert (stored["submitter_name"], stored["submitter_email"]) == PROPOSER
    assert stored["submitted"].startswith(now().date().isoformat())

    def public_pages() -> list[str]:
        pages = [
            client.get(in_lang(lang, path)) for lang in ("fi", "sv") for path in ("/", "/events/")
        ]
        pages.append(client.get("/events.ics"))
        assert all(page.status_code == 200 for page in pages)
        return [page.text for page in pages]

    assert not any(title.split(",")[0] in page for page in public_pages())
    assert client.get(f"/fi/tapahtumat/{new_id}/").status_code == 404
    assert client.get(f"/fi/tapahtumat/{new_id}/event.ics").status_code == 404

    approved = csrf_app.test_cli_runner().invoke(args=["kehto", "events", "approve", new_id])
    assert approved.exit_code == 0, approved.output
    assert events_on_disk(data_dir)[new_id]["title"] == title
    assert proposals_on_disk(instance_dir)[new_id]["state"] == "approved"

    events_page, front_page = client.get("/fi/tapahtumat/").text, client.get("/fi/").text
    assert f'href="/fi/tapahtumat/{new_id}/"' in events_page
    assert str(escape(title)) in events_page
    assert f'href="/fi/tapahtumat/{new_id}/"' in front_page
    detail = client.get(f"/fi/tapahtumat/{new_id}/")
    assert detail.status_code == 200 and "Toinen kappale." in detail.text
    feed = icalendar.Calendar.from_ical(client.get("/events.ics").data)
    (vevent,) = [e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == title]
    assert vevent["UID"] == f"kehto-foorumi-event-{new_id}"
    for text in [
        *public_pages(),
        detail.text,
        client.get(f"/fi/tapahtumat/{new_id}/event.ics").text,
    ]:
        assert PROPOSER[0] not in text and PROPOSER[1] not in text


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_confirmation_says_the_event_is_published_after_review(app, client, lang):
    page = client.get(in_lang(lang, THANKS))
    promise = (
        "Ehdotuksesi on vastaanotettu. Tapahtuma julkaistaan, kun ylläpitäjä on tarkistanut sen."
    )
    assert translated(app, lang, promise) in page.text
    if lang == "sv":
        assert translated(app, "sv", promise) != promise


def test_without_moderation_a_proposal_is_published_at_once(config, data_dir, instance_dir):
    app = create_app({**config, "MODERATION": False})
    client = app.test_client()
    answer = client.post(in_lang("fi", FORM), data=valid_form(title="Heti julki"))
    assert answer.status_code == 303
    (stored,) = [e for e in events_on_disk(data_dir).values() if e["title"] == "Heti julki"]
    assert "submitter_email" not in stored
    (proposed,) = [
        e for e in proposals_on_disk(instance_dir).values() if e["title"] == "Heti julki"
    ]
    assert proposed["state"] == "approved"
    assert "Heti julki" in client.get("/fi/tapahtumat/").text
    assert "julkaistu" in client.get(in_lang("fi", THANKS)).text


def test_both_date_formats_and_both_time_formats_are_accepted(client, data_dir, instance_dir):
    day1, day2 = soon(10), soon(12)
    for start, start_time, end, end_time in [
        (day1.isoformat(), "9:30", day2.isoformat(), "16.00"),
        (fi_date(day1), "09.30", fi_date(day2), "16:00"),
    ]:
        before = set(proposals_on_disk(instance_dir))
        data = valid_form(start_date=start, start_time=start_time, end_date=end, end_time=end_time)
        assert client.post(in_lang("fi", FORM), data=data).status_code == 303
        (new_id,) = set(proposals_on_disk(instance_dir)) - before
        stored = proposals_on_disk(instance_dir)[new_id]
        assert (stored["start"], stored["end"]) == (f"{day1}T09:30", f"{day2}T16:00")


def test_an_all_day_proposal_is_stored_as_dates(client, data_dir, instance_dir):
    data = valid_form(start_time="", end_time="", end_date=fi_date(soon(31)), link="")
    assert client.post(in_lang("fi", FORM), data=data).status_code == 303
    stored = max(proposals_on_disk(instance_dir).items(), key=lambda item: int(item[0]))[1]
    assert (stored["start"], stored["end"]) == (soon().isoformat(), soon(31).isoformat())
    assert "link" not in stored


# Each rule, with its message at the field and in the summary, in Finnish and Swedish.

FAR_PAST = fi_date(date.today() - timedelta(days=PAST_DAYS + 40))
FAR_FUTURE = fi_date(date.today() + timedelta(days=FUTURE_DAYS + 40))
RULES = [
    ("title", {"title": ""}, REQUIRED, {}),
    ("title", {"title": "   "}, REQUIRED, {}),
    ("title", {"title": "x" * 201}, TOO_LONG, {"max": 200}),
    ("title", {"title": "Nimi\x00ja nolla"}, BAD_TEXT, {}),
    ("title", {"title": "Pako\x1b[31m"}, BAD_TEXT, {}),
    ("title", {"title": "Kaksi\nriviä"}, BAD_TEXT, {}),
    ("title", {"title": "Suunta\u202ekäännetty"}, BAD_TEXT, {}),
    ("start_date", {"start_date": ""}, REQUIRED, {}),
    ("start_date", {"start_date": "32.1.2027"}, BAD_DATE, {}),
    ("start_date", {"start_date": "2027-02-30"}, BAD_DATE, {}),
    ("start_date", {"start_date": "ensi viikolla"}, BAD_DATE, {}),
    ("start_date", {"start_date": FAR_PAST}, OUT_OF_RANGE, "range"),
    ("start_date", {"start_date": FAR_FUTURE}, OUT_OF_RANGE, "range"),
    ("start_date", {"start_date": "1.1.9999"}, OUT_OF_RANGE, "range"),
    ("start_time", {"start_time": "25.00"}, BAD_TIME, {}),
    ("start_time", {"start_time": "aamulla"}, BAD_TIME, {}),
    ("end_date", {"end_date": fi_date(soon() - timedelta(days=1))}, END_BEFORE_START, {}),
    ("end_time", {"end_time": "8.00"}, END_BEFORE_START, {}),
    ("end_time", {"start_time": ""}, NEEDS_START_TIME, {}),
    ("end_time", {"end_time": "9.61"}, BAD_TIME, {}),
    ("location", {"location": ""}, REQUIRED, {}),
    ("location", {"location": "y" * 201}, TOO_LONG, {"max": 200}),
    ("description", {"description": ""}, REQUIRED, {}),
    ("description", {"description": "z" * 5001}, TOO_LONG, {"max": 5000}),
    ("description", {"description": "Kello\x07soi"}, BAD_TEXT, {}),
    ("link", {"link": "javascript:alert(1)"}, BAD_LINK, {}),
    ("link", {"link": "https://" + "a" * 490 + ".fi/"}, TOO_LONG, {"max": 500}),
    ("organiser", {"organiser": ""}, REQUIRED, {}),
    ("organiser", {"organiser": "\x7fpoisto"}, BAD_TEXT, {}),
    ("submitter_name", {"submitter_name": ""}, REQUIRED, {}),
    ("submitter_name", {"submitter_name": "n" * 201}, TOO_LONG, {"max": 200}),
    ("submitter_email", {"submitter_email": ""}, REQUIRED, {}),
    ("submitter_email", {"submitter_email": "ei-osoite"}, BAD_EMAIL, {}),
    ("submitter_email", {"submitter_email": "nimi@palvelin"}, BAD_EMAIL, {}),
    ("consent", {"consent": None}, NO_CONSENT, {}),
    ("consent", {"consent": ""}, NO_CONSENT, {}),
]


def _expected(app: Flask, lang: str, msgid: str, values: dict | str) -> str:
    if values == "range":
        with app.test_request_context(f"/{lang}/"):
            g.lang = lang
            today = now().date()
            first, last = today - timedelta(PAST_DAYS), today + timedelta(FUTURE_DAYS)
            return str(escape(gettext(msgid, first=day(first), last=day(last))))
    return translated(app, lang, msgid, **values)


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize(("field", "changes", "msgid", "values"), RULES)
def test_each_rule_is_explained_at_its_field_in_the_pages_language(
    app, client, data_dir, lang, field, changes, msgid, values, instance_dir
):
    before = proposals_on_disk(instance_dir)
    page = client.post(in_lang(lang, FORM), data=valid_form(**changes))
    assert page.status_code == 422
    expected = _expected(app, lang, msgid, values)
    if lang == "sv":
        assert expected != str(escape(msgid % values if isinstance(values, dict) else msgid))
    assert field_error(page.text, field) == expected
    tag = input_tag(page.text, field)
    assert f"{field}-error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    assert 'aria-invalid="true"' in tag
    summary = page.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'<a href="#{field}">' in summary and expected in summary
    assert proposals_on_disk(instance_dir) == before


def test_the_swedish_page_shows_no_finnish_or_english_messages(app, client):
    data = {"start_date": "huomenna", "start_time": "x", "link": "ftp://x.fi", "title": "\x00"}
    page = client.post(in_lang("sv", FORM), data=data)
    assert page.status_code == 422
    body = page.text.split("<main", 1)[1].split("</form>", 1)[0]
    messages = [REQUIRED, BAD_DATE, BAD_TIME, BAD_TEXT, BAD_LINK, NO_CONSENT, "Tapahtuman nimi"]
    for finnish in [*messages, "Lomakkeessa on korjattavaa", "Virhe"]:
        assert str(escape(finnish)) not in body
        assert translated(app, "sv", finnish) in body
    for english in ("This field is required", "Not a valid", "Invalid", "must be"):
        assert english not in body


def test_entered_values_are_kept_when_something_is_wrong(client):
    data = valid_form(
        title="Säilyvä nimi", location="Säilyvä paikka", description="Rivi 1\r\nRivi 2",
        organiser="Säilyvä järjestäjä", link="https://esimerkki.fi/säilyy", consent=None,
    )  # fmt: skip
    page = client.post(in_lang("fi", FORM), data=data).text
    assert 'value="Säilyvä nimi"' in input_tag(page, "title")
    assert 'value="Säilyvä paikka"' in input_tag(page, "location")
    assert 'value="Säilyvä järjestäjä"' in input_tag(page, "organiser")
    assert 'value="https://esimerkki.fi/säilyy"' in input_tag(page, "link")
    assert f'value="{PROPOSER[1]}"' in input_tag(page, "submitter_email")
    assert "Rivi 1\r\nRivi 2</textarea>" in page or "Rivi 1\nRivi 2</textarea>" in page
    assert f'value="{soon().isoformat()}"' in input_tag(page, "start_date")
    assert 'value="09:30"' in input_tag(page, "start_time")


def test_optional_fields_are_not_marked_required(client):
    page = client.get(in_lang("fi", FORM)).text
    optional = (
        "start_time",
        "end_date",
        "end_time",
        "link",
        "meeting_link",
        "registration_link",
        "registration_date",
        "registration_time",
        "location",
    )  # no place for an online event
    for field in optional:
        assert "required" not in input_tag(page, field)
    for field in ("title", "start_date", "description", "consent"):
        assert "required" in input_tag(page, field)
    assert 'href="/fi/tietosuojaseloste/"' in page


# Links


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "javascript://esimerkki.fi/%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "ftp://tiedostot.esimerkki.fi/ohjelma.pdf",
        "mailto:nimi@esimerkki.fi",
        "//esimerkki.fi/tapahtuma",
        "www.esimerkki.fi",
        "https://",
        "http://localhost/",
        "https://esimerkki .fi/",
        "https://[::1",
    ],
)
def test_only_web_addresses_are_accepted_as_links(app, client, data_dir, link, instance_dir):
    before = proposals_on_disk(instance_dir)
    page = client.post(in_lang("fi", FORM), data=valid_form(link=link))
    assert page.status_code == 422
    assert field_error(page.text, "link") == translated(app, "fi", BAD_LINK)
    assert proposals_on_disk(instance_dir) == before


@pytest.mark.parametrize("link", ["https://www.esimerkki.fi/a?b=1#c", "HTTP://Kunta.FI"])
def test_http_and_https_links_are_accepted(client, data_dir, link, instance_dir):
    assert client.post(in_lang("fi", FORM), data=valid_form(link=link)).status_code == 303
    assert link in [e.get("link") for e in proposals_on_disk(instance_dir).values()]


# Attacks: scripts, forged posts, broken and oversized bodies, robots, floods


PAYLOAD = '"><script>alert("x")</script><img src=x onerror=alert(1)>'


def _assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html


def test_script_in_every_field_is_shown_as_text_on_the_form(client):
    fields = ("title", "location", "description", "organiser", "submitter_name", "end_time")
    data = valid_form(**dict.fromkeys(fields, PAYLOAD), start_date=PAYLOAD)
    data.update(submitter_email=PAYLOAD, link="https://x.fi/" + PAYLOAD.replace(" ", ""))
    page = client.post(in_lang("fi", FORM), data=data)
    assert page.status_code == 422
    _assert_escaped(page.text)
    assert "&lt;script&gt;" in page.text


def test_script_in_an_approved_event_is_shown_as_text_everywhere(config, data_dir):
    app = create_app({**config, "MODERATION": False})
    client = app.test_client()
    link = "https://x.fi/" + PAYLOAD.replace(" ", "")
    data = valid_form(title=f"Otsikko {PAYLOAD}", location=PAYLOAD, description=PAYLOAD,
                      organiser=PAYLOAD, link=link)  # fmt: skip
    assert client.post(in_lang("fi", FORM), data=data).status_code == 303
    new_id = max(int(key) for key in events_on_disk(data_dir))
    for path in ("/fi/", "/fi/tapahtumat/", f"/fi/tapahtumat/{new_id}/", "/sv/evenemang/"):
        page = client.get(path)
        assert page.status_code == 200
        _assert_escaped(page.text)
        assert "&lt;script&gt;" in page.text
    detail = client.get(f"/fi/tapahtumat/{new_id}/").text
    assert 'href="https://x.fi/&#34;&gt;&lt;script&gt;' in detail
    feed = icalendar.Calendar.from_ical(client.get("/events.ics").data)
    (vevent,) = [e for e in feed.walk("VEVENT") if str(e["UID"]).endswith(f"-{new_id}")]
    assert str(vevent["SUMMARY"]) == f"Otsikko {PAYLOAD}"
    assert str(vevent["LOCATION"]) == PAYLOAD


def test_a_post_without_a_csrf_token_gets_a_400_page_in_its_language(
    csrf_app, data_dir, caplog, instance_dir
):
    client = csrf_app.test_client()
    before = proposals_on_disk(instance_dir)
    for lang in ("fi", "sv"):
        client.get(in_lang(lang, FORM))
        caplog.clear()
        with caplog.at_level("INFO", logger="flask_wtf.csrf"):
            page = client.post(in_lang(lang, FORM), data=valid_form())
        assert "The CSRF token is missing." in caplog.messages  # Flask-WTF's CSRFError
        assert page.status_code == 400
        assert f'<html lang="{lang}">' in page.text
        assert translated(csrf_app, lang, "Virheellinen pyyntö") in page.text
        assert "Traceback" not in page.text and "CSRF" not in page.text
    sv = client.post(in_lang("sv", FORM), data=valid_form()).text
    assert translated(csrf_app, "sv", "Virheellinen pyyntö") != "Virheellinen pyyntö"
    assert "Virheellinen pyyntö" not in sv
    assert proposals_on_disk(instance_dir) == before


def test_a_forged_or_expired_csrf_token_is_refused(csrf_app, data_dir, monkeypatch):
    client = csrf_app.test_client()
    token = csrf_token(client.get(in_lang("fi", FORM)).text)
    forged = client.post(in_lang("fi", FORM), data=valid_form(csrf_token=token[:-4] + "AAAA"))
    assert forged.status_code == 400
    other = csrf_app.test_client()
    other.get(in_lang("fi", FORM))
    assert other.post(in_lang("fi", FORM), data=valid_form(csrf_token=token)).status_code == 400
    later = int(time.time()) + csrf_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    expired = client.post(in_lang("sv", FORM), data=valid_form(csrf_token=token))
    assert expired.status_code == 400
    assert translated(csrf_app, "sv", "Virheellinen pyyntö") in expired.text
    monkeypatch.undo()
    assert client.post(in_lang("fi", FORM), data=valid_form(csrf_token=token)).status_code == 303


def test_over_https_the_referrer_a_browser_sends_passes_the_csrf_check(csrf_app):
    client = csrf_app.test_client()
    form_page = client.get("https://kehto.example/fi/tapahtumat/uusi/")
    policy = form_page.headers.get("Referrer-Policy", "")
    assert policy not in ("no-referrer", "origin", "strict-origin")
    data = valid_form(csrf_token=csrf_token(form_page.text))
    url = "https://kehto.example/fi/tapahtumat/uusi/"
    assert client.post(url, data=data).status_code == 400
    assert client.post(url, data=data, headers={"Referer": url}).status_code == 303


@pytest.mark.parametrize(
    "body",
    [
        b"title=%FF%FE%FD&location=%C3%28",
        b"title=\xff\xfe\xfd&location=\xc3\x28&description=\xe2\x82",
        b"\xff\xfe\x00\x00garbage",
    ],
)
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_invalid_utf8_gets_a_4xx_answer(client, data_dir, body, lang, instance_dir):
    before = proposals_on_disk(instance_dir)
    page = client.post(
        in_lang(lang, FORM), data=body, content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= page.status_code < 500
    assert proposals_on_disk(instance_dir) == before


@pytest.mark.parametrize(("title", "location"), [(b"Kokous%FF", b"Sali"), (b"Kokous", b"Sali\xff")])
def test_invalid_utf8_in_an_otherwise_valid_proposal_is_refused(
    app, client, data_dir, title, location, instance_dir
):
    before = proposals_on_disk(instance_dir)
    fields = urlencode(valid_form(title="TITLE", location="PLACE")).encode()
    body = fields.replace(b"TITLE", title).replace(b"PLACE", location)
    page = client.post(in_lang("sv", FORM), data=body,
                       content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert page.status_code == 400
    assert translated(app, "sv", "Virheellinen pyyntö") in page.text
    assert proposals_on_disk(instance_dir) == before


def test_invalid_utf8_in_a_multipart_proposal_is_refused(app, client, data_dir, instance_dir):
    before = proposals_on_disk(instance_dir)
    boundary = "raja"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + (value.encode() if name != "title" else b"Kokous \xff\xfe")
        + b"\r\n"
        for name, value in valid_form().items()
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    page = client.post(in_lang("fi", FORM), data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    assert page.status_code == 422
    assert field_error(page.text, "title") == translated(app, "fi", BAD_TEXT)
    assert proposals_on_disk(instance_dir) == before


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_one_megabyte_body_gets_a_413_page_in_its_language(
    app, client, data_dir, lang, instance_dir
):
    before = proposals_on_disk(instance_dir)
    big = valid_form(description="a" * (1024 * 1024))
    page = client.post(in_lang(lang, FORM), data=big)
    assert page.status_code == 413
    assert f'<html lang="{lang}">' in page.text
    assert translated(app, lang, "Lähetys on liian suuri") in page.text
    raw = client.post(in_lang(lang, FORM), data=b"x" * (1024 * 1024),
                      content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert raw.status_code == 413
    multipart = client.post(
        in_lang(lang, FORM),
        data={**valid_form(), "file": (io.BytesIO(b"b" * 1024 * 1024), "x.bin")},
        content_type="multipart/form-data",
    )
    assert multipart.status_code == 413
    assert proposals_on_disk(instance_dir) == before


@pytest.mark.parametrize("body", ['{"title": 5, "consent": true}', "[1, 2]", "{not json", '"text"'])
def test_a_json_body_is_not_read_as_the_form(client, data_dir, body, instance_dir):
    before = proposals_on_disk(instance_dir)
    page = client.post(in_lang("fi", FORM), data=body, content_type="application/json")
    assert 400 <= page.status_code < 500
    assert proposals_on_disk(instance_dir) == before


def test_a_robot_filling_the_hidden_field_sees_thanks_but_nothing_is_stored(
    client, data_dir, instance_dir
):
    page = client.get(in_lang("fi", FORM)).text
    honeypot = input_tag(page, "website")
    assert 'type="hidden"' not in honeypot and 'tabindex="-1"' in honeypot
    assert re.search(r'<div class="hp"[^>]*>\s*<label for="website">', page)
    before = proposals_on_disk(instance_dir)
    for data in (valid_form(website="https://roskaposti.example"), {"website": "x"}):
        answer = client.post(in_lang("fi", FORM), data=data)
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith(in_lang("fi", THANKS))
    assert proposals_on_disk(instance_dir) == before


def test_the_honeypot_is_hidden_by_the_stylesheet():
    css = (Path(__file__).parent.parent / "static" / "site.css").read_text(encoding="utf-8")
    rule = re.search(r"\.hp\s*\{([^}]*)\}", css)
    assert rule and ("-10000px" in rule.group(1) or "display: none" in rule.group(1))


def test_too_many_proposals_from_one_client_get_a_429_page(config, data_dir, instance_dir):
    app = create_app({**config, "RATE_LIMIT": [2, 600]})
    client = app.test_client()
    for _ in range(3):  # mistakes do not use up the limit
        assert client.post(in_lang("sv", FORM), data=valid_form(title="")).status_code == 422
    assert client.post(in_lang("sv", FORM), data=valid_form()).status_code == 303
    assert client.post(in_lang("sv", FORM), data=valid_form(title="Toinen")).status_code == 303
    refused = client.post(in_lang("sv", FORM), data=valid_form(title="Kolmas"))
    assert refused.status_code == 429
    assert translated(app, "sv", "Liian monta lähetystä") in refused.text
    assert translated(app, "sv", "Liian monta lähetystä") != "Liian monta lähetystä"
    assert "Kolmas" not in json.dumps(proposals_on_disk(instance_dir), ensure_ascii=False)
    other = client.post(
        in_lang("fi", FORM), data=valid_form(), environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 303


def test_a_failed_write_gives_a_503_page_and_keeps_the_file(app, client, instance_dir, monkeypatch):
    from kehto_app.content.store import Collection
    from kehto_app.content.store import StoreError

    def full_disk(self, data, **kwargs):
        raise StoreError("proposals.json: could not be saved (the disk is full)")

    before = (instance_dir / "proposals.json").read_bytes()
    monkeypatch.setattr(Collection, "save", full_disk)
    page = client.post(in_lang("sv", FORM), data=valid_form())
    assert page.status_code == 503
    assert translated(app, "sv", "Palvelu ei ole juuri nyt käytettävissä") in page.text
    assert (instance_dir / "proposals.json").read_bytes() == before


def test_the_limit_is_one_count_for_every_process_sharing_the_file(tmp_path, monkeypatch):
    path = tmp_path / "ratelimit.sqlite3"
    workers = [RateLimit(path, 3, 600, "key") for _ in range(3)]
    answers = [worker.hit("198.51.100.4") for worker in workers * 2]
    assert answers == [True, True, True, False, False, False]
    assert workers[0].hit("198.51.100.5")
    clock = time.time() + 601
    monkeypatch.setattr("kehto_app.serving.ratelimit.time.time", lambda: clock)
    assert workers[1].hit("198.51.100.4")


def test_the_limit_keeps_no_address_and_forgets_clients_after_its_window(
    config, instance_dir, monkeypatch
):
    app = create_app({**config, "RATE_LIMIT": [5, 600]})
    client = app.test_client()
    client.post(in_lang("fi", FORM), data=valid_form(), environ_base={"REMOTE_ADDR": "203.0.113.9"})

    def rows() -> list[tuple]:
        with sqlite3.connect(instance_dir / "ratelimit.sqlite3") as db:
            return db.execute("SELECT client FROM hits").fetchall()

    assert len(rows()) == 1 and "203.0.113.9" not in rows()[0][0]
    client.get(in_lang("fi", FORM))
    assert len(rows()) == 1
    later = time.time() + 601
    monkeypatch.setattr("kehto_app.serving.ratelimit.time.time", lambda: later)
    client.get(in_lang("fi", FORM))
    assert rows() == []
