"""Visitors add events to Outlook or subscribe to the forum's calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import icalendar
import pytest

from tests.helpers import edit_data
from tests.helpers import event
from tests.helpers import in_lang


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params.get("charset") == "utf-8"
    return icalendar.Calendar.from_ical(response.data)


def by_uid(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_is_an_rfc5545_calendar_of_published_events(client):
    response = client.get("/events.ics")
    assert response.headers["Content-Disposition"].startswith("inline")
    cal = parse(response)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == "KEHTO-foorumin tapahtumat"
    assert str(cal["NAME"]) == "KEHTO-foorumin tapahtumat"
    assert cal["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    published = {1, 2, 70, 71, 72, 73}
    assert set(by_uid(cal)) == {f"kehto-foorumi-event-{n}" for n in published}
    for vevent in cal.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert required in vevent
        assert vevent["DTSTAMP"].dt.tzinfo is not None
    assert b"\r\n" in response.data
    assert all(len(line) <= 75 for line in response.data.split(b"\r\n"))


def test_uids_are_stable_across_downloads_languages_and_the_event_file(client):
    first = by_uid(parse(client.get("/events.ics")))
    again = by_uid(parse(client.get("/events.ics?lang=sv")))
    assert set(first) == set(again)
    single = by_uid(parse(client.get("/en/events/2/event.ics")))
    assert set(single) == {"kehto-foorumi-event-2"}


def test_a_timed_event_is_at_the_right_moment_from_helsinki(client, data_dir):
    added = event(start="2099-01-20T09:00", end="2099-01-20T11:30")
    edit_data(data_dir, "events.json", lambda t: t.update({"7": added}))
    events = by_uid(parse(client.get("/events.ics")))
    summer = events["kehto-foorumi-event-2"]  # 9.30-16.00 Helsinki summer time, UTC+3
    assert summer["DTSTART"].dt == datetime(2099, 6, 14, 6, 30, tzinfo=UTC)
    assert summer["DTEND"].dt == datetime(2099, 6, 14, 13, 0, tzinfo=UTC)
    winter = events["kehto-foorumi-event-7"]  # UTC+2
    assert winter["DTSTART"].dt == datetime(2099, 1, 20, 7, 0, tzinfo=UTC)
    assert winter["DTEND"].dt == datetime(2099, 1, 20, 9, 30, tzinfo=UTC)
    assert summer["DTSTART"].to_ical().endswith(b"Z")


def test_all_day_events_are_dates_with_an_exclusive_end(client, data_dir):
    added = event(start="2099-03-01", end="2099-03-03")
    edit_data(data_dir, "events.json", lambda t: t.update({"8": added}))
    events = by_uid(parse(client.get("/events.ics")))
    one_day = events["kehto-foorumi-event-1"]
    assert one_day["DTSTART"].params.get("VALUE") == "DATE"
    assert (one_day["DTSTART"].dt, one_day["DTEND"].dt) == (date(2012, 6, 14), date(2012, 6, 15))
    three_days = events["kehto-foorumi-event-8"]
    assert not isinstance(three_days["DTSTART"].dt, datetime)
    assert (three_days["DTSTART"].dt, three_days["DTEND"].dt) == (
        date(2099, 3, 1),
        date(2099, 3, 4),
    )


def test_an_event_without_an_end_still_ends(client, data_dir):
    edit_data(data_dir, "events.json", lambda t: t.update({"9": event(start="2099-02-02T13:00")}))
    vevent = by_uid(parse(client.get("/events.ics")))["kehto-foorumi-event-9"]
    assert vevent["DTEND"].dt > vevent["DTSTART"].dt


@pytest.mark.parametrize(
    ("lang", "title", "place"),
    [("fi", "Tuleva foorumi", "Helsinki"), ("sv", "Kommande forum", "Helsingfors")],
)
def test_the_feed_speaks_the_chosen_language(client, lang, title, place):
    vevent = by_uid(parse(client.get(f"/events.ics?lang={lang}")))["kehto-foorumi-event-2"]
    assert str(vevent["SUMMARY"]) == title
    assert str(vevent["LOCATION"]) == place
    assert str(vevent["URL"]).endswith(in_lang(lang, "/events/2/"))
    assert "https://example.org/foorumi" in str(vevent["DESCRIPTION"])


def test_an_unknown_feed_language_is_a_404(client):
    assert client.get("/events.ics?lang=de").status_code == 404


def test_add_to_calendar_downloads_one_event(client):
    page = client.get("/fi/tapahtumat/2/").text
    assert 'href="/fi/tapahtumat/2/event.ics"' in page
    response = client.get("/fi/tapahtumat/2/event.ics")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert ".ics" in response.headers["Content-Disposition"]
    cal = parse(response)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Tuleva foorumi"
    assert "Ensimmäinen kappale.\n\nToinen kappale." in str(vevent["DESCRIPTION"])


def test_pending_and_rejected_events_are_in_no_calendar(client, data_dir):
    rejected = event(status="rejected", start="2099-05-05")
    edit_data(data_dir, "events.json", lambda t: t.update({"10": rejected}))
    uids = set(by_uid(parse(client.get("/events.ics"))))
    assert "kehto-foorumi-event-3" not in uids and "kehto-foorumi-event-10" not in uids
    assert client.get("/fi/tapahtumat/3/event.ics").status_code == 404
    assert client.get("/fi/tapahtumat/10/event.ics").status_code == 404
    assert client.get("/fi/tapahtumat/999/event.ics").status_code == 404


def test_a_proposers_name_and_email_are_never_in_a_calendar(client, data_dir):
    proposed = event(start="2099-04-04", submitter_name="Salainen Nimi",
                     submitter_email="salainen@example.org",
                     submitted="2026-11-01T10:00:00+02:00")  # fmt: skip
    edit_data(data_dir, "events.json", lambda t: t.update({"11": proposed}))
    for url in ("/events.ics", "/events.ics?lang=en", "/fi/tapahtumat/11/event.ics"):
        body = client.get(url).data
        assert b"Salainen" not in body and b"salainen@" not in body


def test_special_characters_survive_the_round_trip(client, data_dir):
    title = 'Kokous; pilkut, kenoviivat \\ ja "lainaukset" – äö'
    special = event(start="2099-04-04", title=title, description="Rivi 1\nRivi 2")
    edit_data(data_dir, "events.json", lambda t: t.update({"12": special}))
    vevent = by_uid(parse(client.get("/events.ics")))["kehto-foorumi-event-12"]
    assert str(vevent["SUMMARY"]) == title
    assert str(vevent["DESCRIPTION"]).startswith("Rivi 1\nRivi 2")


def test_a_remade_feed_reuses_unchanged_events_and_equals_a_fresh_one(app, data_dir):
    from kehto_app.content import queries as content
    from kehto_app.web import calendar as ical

    stamp = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    with app.test_request_context("/fi/"):
        events = content.published_events()
        first = ical.calendar(events, "n", stamp)
        ical._serialized.clear()
        assert ical.calendar(events, "n", stamp) == first, "the same bytes with or without reuse"
        later = ical.calendar(events, "n", datetime(2026, 11, 29, tzinfo=UTC))
        assert later.count(b"DTSTAMP:20261129T000000Z\r\n") == len(events) == 6
        assert b"DTSTAMP:20261128" not in later
        first, second = (next(e for e in events if e.id == n) for n in (1, 2))
        renamed = [first, replace(second, title={"fi": "Uusi nimi"})]
        changed = icalendar.Calendar.from_ical(ical.calendar(renamed, "n", stamp))
        titles = sorted(str(e["SUMMARY"]) for e in changed.walk("VEVENT"))
        assert titles == ["Mennyt tapaaminen", "Uusi nimi"]
    with app.test_request_context("/sv/"):
        from flask import g

        g.lang = "sv"
        swedish = ical.calendar(events, "n", stamp)
        assert b"Tidigare m\xc3\xb6te" in swedish and b"Arrang\xc3\xb6r" in swedish
