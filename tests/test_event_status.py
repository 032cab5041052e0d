"""Cancelled, postponed, moved, online and hybrid events, as visitors, calendars and search
engines see them; and the maintainer's commands that set the status."""

from __future__ import annotations

import json
import re
from datetime import UTC
from datetime import datetime
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

import icalendar
import pytest

from kehto_app.content.base import HELSINKI
from tests.helpers import edit_data
from tests.helpers import event
from tests.helpers import events_on_disk
from tests.helpers import in_lang

SCHEMA = "https://schema.org/"
STATUS_TEXT = {
    "cancelled": {"fi": "Peruttu", "sv": "Inställt", "en": "Cancelled"},
    "postponed": {"fi": "Siirretty", "sv": "Uppskjutet", "en": "Postponed"},
    "rescheduled": {"fi": "Uusi ajankohta", "sv": "Ny tidpunkt", "en": "Rescheduled"},
}
MODE_TEXT = {
    "online": {"fi": "Verkkotapahtuma", "sv": "Webbevenemang", "en": "Online event"},
    "hybrid": {"fi": "Hybriditapahtuma", "sv": "Hybridevenemang", "en": "Hybrid event"},
    "in-person": {"fi": "Paikan päällä", "sv": "På plats", "en": "On site"},
}
ONLINE = event(
    title="Verkkokokous", start="2099-02-02T10:00", end="2099-02-02T11:00",
    attendance="online", meeting_link="https://meet.example.org/kokous",
)  # fmt: skip
# (id, event_status, attendance, ics STATUS, join link shown) for each kind in the test data
CASES = [
    (2, "scheduled", "in-person", "CONFIRMED", None),
    (70, "cancelled", "hybrid", "CANCELLED", None),
    (71, "postponed", "in-person", "TENTATIVE", None),
    (72, "rescheduled", "online", "CONFIRMED", "https://meet.example.org/webinaari"),
    (73, "scheduled", "hybrid", "CONFIRMED", "https://meet.example.org/foorumi"),
    (80, "scheduled", "online", "CONFIRMED", "https://meet.example.org/kokous"),
]
IDS = [f"{status}-{mode}" for _, status, mode, _, _ in CASES]


@pytest.fixture
def site(client, data_dir, clock):
    """The test data with a scheduled online event (id 80) too; the clock at 28.11.2026."""
    edit_data(data_dir, "events.json", lambda t: t.update({"80": ONLINE}))
    return client


def json_ld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def unfolded(response) -> str:
    """A calendar's text with its folded lines joined again."""
    return response.data.replace(b"\r\n ", b"").decode()


def vevents(response) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize(("event_id", "status", "mode", "ics", "join"), CASES, ids=IDS)
def test_the_page_says_the_status_and_mode_in_its_language(
    site, lang, event_id, status, mode, ics, join
):
    html = site.get(in_lang(lang, f"/events/{event_id}/")).text
    if status in STATUS_TEXT:
        assert STATUS_TEXT[status][lang] in html
        listed = site.get(in_lang(lang, "/events/")).text
        assert f"{STATUS_TEXT[status][lang]}" in listed, "labelled in the list too"
    assert MODE_TEXT[mode][lang] in html


@pytest.mark.parametrize(("event_id", "status", "mode", "ics", "join"), CASES, ids=IDS)
def test_the_json_ld_is_a_schema_org_event(site, event_id, status, mode, ics, join):
    html = site.get(f"/fi/tapahtumat/{event_id}/").text
    data = json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    for key in ("name", "startDate", "endDate", "eventStatus", "eventAttendanceMode",
                "location", "description", "organizer", "url", "inLanguage"):  # fmt: skip
        assert data[key], key
    statuses = {"scheduled": "EventScheduled", "cancelled": "EventCancelled",
                "postponed": "EventPostponed", "rescheduled": "EventRescheduled"}  # fmt: skip
    modes = {"in-person": "OfflineEventAttendanceMode", "online": "OnlineEventAttendanceMode",
             "hybrid": "MixedEventAttendanceMode"}  # fmt: skip
    assert data["eventStatus"] == SCHEMA + statuses[status]
    assert data["eventAttendanceMode"] == SCHEMA + modes[mode]
    locations = data["location"] if isinstance(data["location"], list) else [data["location"]]
    types = sorted(place["@type"] for place in locations)
    expected = {"in-person": ["Place"], "online": ["VirtualLocation"],
                "hybrid": ["Place", "VirtualLocation"]}  # fmt: skip
    assert types == expected[mode]
    for place in locations:
        assert place.get("address") if place["@type"] == "Place" else place["url"]
    assert data["url"] == f"http://localhost/fi/tapahtumat/{event_id}/"
    assert data["inLanguage"] == "fi"
    assert data["organizer"]["@type"] == "Organization"
    assert datetime.fromisoformat(data["startDate"])
    if status == "rescheduled":
        assert data["previousStartDate"] == "2099-05-13T13:00:00+03:00"
        assert data["startDate"] == "2099-05-20T13:00:00+03:00"
    else:
        assert "previousStartDate" not in data
    if join is None:
        assert "meet.example.org" not in json.dumps(data), "no join link once called off"


@pytest.mark.parametrize(("event_id", "status", "mode", "ics", "join"), CASES, ids=IDS)
def test_the_calendar_has_the_status_and_the_meeting_link(site, event_id, status, mode, ics, join):
    for response in (site.get("/events.ics"), site.get(f"/fi/tapahtumat/{event_id}/event.ics")):
        vevent = vevents(response)[f"kehto-foorumi-event-{event_id}"]
        assert str(vevent["STATUS"]) == ics
        assert int(vevent["SEQUENCE"]) >= 0 and vevent["LAST-MODIFIED"].dt.tzinfo is not None
        body = vevent.to_ical().decode()
        if join:
            assert str(vevent["CONFERENCE"]) == join
            assert vevent["CONFERENCE"].params["VALUE"] == "URI"
            assert join in str(vevent["DESCRIPTION"])
        else:
            assert "CONFERENCE" not in vevent and "meet.example.org" not in body
    html = site.get(f"/fi/tapahtumat/{event_id}/").text
    assert (join is not None) == ("Osallistumislinkki" in html)
    if join:
        assert f'href="{join}"' in html


@pytest.mark.parametrize("event_id", [72, 73, 80])
def test_the_meeting_link_goes_once_the_event_is_cancelled_or_over(site, data_dir, clock, event_id):
    link = next(join for i, *_, join in CASES if i == event_id)
    assert link in site.get(f"/fi/tapahtumat/{event_id}/").text
    edit_data(data_dir, "events.json", lambda t: t[str(event_id)].update(event_status="cancelled"))
    for url in (
        f"/fi/tapahtumat/{event_id}/",
        "/events.ics",
        f"/fi/tapahtumat/{event_id}/event.ics",
    ):
        assert link not in unfolded(site.get(url)), url
    edit_data(data_dir, "events.json", lambda t: t[str(event_id)].pop("event_status"))
    assert link in unfolded(site.get("/events.ics"))
    clock.set(datetime(2099, 12, 31, tzinfo=HELSINKI))  # every event is over
    for url in (
        f"/fi/tapahtumat/{event_id}/",
        "/events.ics",
        f"/fi/tapahtumat/{event_id}/event.ics",
    ):
        assert link not in unfolded(site.get(url)), url


def test_a_cancelled_event_stays_listed_labelled_until_it_would_have_ended(site, clock):
    upcoming = site.get("/fi/tapahtumat/").text
    assert "Peruttu:</span> Peruttu hybridiseminaari" in upcoming
    clock.set(datetime(2099, 3, 5, 12, 30, tzinfo=HELSINKI))
    assert "Peruttu hybridiseminaari" not in site.get("/fi/tapahtumat/").text
    assert "Peruttu hybridiseminaari" in site.get("/fi/tapahtumat/menneet/").text


@pytest.mark.parametrize(
    ("lang", "open_text", "closed_text"),
    [
        ("fi", "Ilmoittautuminen päättyy 18.5.2099 klo 16.00.", "Ilmoittautuminen on päättynyt"),
        ("sv", "Anmälan stänger 18.5.2099 kl. 16.00.", "Anmälan stängde"),
        ("en", "Registration closes on 18 May 2099 at 16.00.", "Registration closed on"),
    ],
)
def test_registration_shows_its_deadline_while_open_and_says_when_it_closed(
    site, clock, lang, open_text, closed_text
):
    page = site.get(in_lang(lang, "/events/72/")).text
    assert open_text in page
    assert 'href="https://example.org/ilmoittaudu"' in page
    closed = site.get(in_lang(lang, "/events/73/")).text  # its deadline, 15.1.2026, has passed
    assert closed_text in closed and "https://example.org/foorumi-ilmo" not in closed
    clock.set(datetime(2099, 5, 18, 16, 0, tzinfo=HELSINKI))
    page = site.get(in_lang(lang, "/events/72/")).text
    assert closed_text in page and 'href="https://example.org/ilmoittaudu"' not in page


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("fi", "1.–2.9.2099"), ("sv", "1–2.9.2099"), ("en", "1–2 September 2099")],
)
def test_multi_day_events_read_as_a_range(site, lang, shown):
    assert shown in site.get(in_lang(lang, "/events/73/")).text


def test_a_time_with_a_utc_offset_is_accepted_and_shown_in_helsinki_time(site, data_dir):
    edit_data(data_dir, "events.json",
              lambda t: t.update({"81": event(start="2099-01-20T07:00Z", end="2099-01-20T09:30+00:00")}))  # fmt: skip
    page = site.get("/fi/tapahtumat/81/").text
    assert "20.1.2099 klo 9.00–11.30" in page
    vevent = vevents(site.get("/fi/tapahtumat/81/event.ics"))["kehto-foorumi-event-81"]
    assert vevent["DTSTART"].dt == datetime(2099, 1, 20, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"event_status": "rescheduled"},
            "previous_start: is missing: a rescheduled event needs the start it had before",
        ),
        (
            {"attendance": "online"},
            "meeting_link: is missing: an online or hybrid event needs the address to join it (online)",
        ),
        (
            {"attendance": "hybrid"},
            "meeting_link: is missing: an online or hybrid event needs the address to join it (hybrid)",
        ),
        ({"location": None}, "location: is missing (only an online event may leave it out)"),
        (
            {"registration_deadline": "2099-01-02"},
            "registration_deadline: is after the event has ended",
        ),
        (
            {"event_status": "peruttu"},
            'event_status: "peruttu" is not an event status (use scheduled, cancelled, '
            "postponed or rescheduled)",
        ),
        (
            {"attendance": "etä"},
            'attendance: "etä" is not an attendance mode (use in-person, online or hybrid)',
        ),
        ({"meeting_link": "teams"}, "meeting_link: "),
        (
            {"start": "2099-01-01 09:00"},
            'start: "2099-01-01 09:00" is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM: a T '
            "between the date and the time, not a space)",
        ),
    ],
)
def test_kehto_check_explains_each_mistake_in_the_new_fields(runner, data_dir, fields, problem):
    doc = {k: v for k, v in event(**fields).items() if v is not None}
    edit_data(data_dir, "events.json", lambda t: t.update({"82": doc}))
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert f"events.json: document 82: {problem}" in result.stdout


def test_an_online_event_needs_no_place(runner, data_dir):
    doc = {k: v for k, v in ONLINE.items() if k != "location"}
    edit_data(data_dir, "events.json", lambda t: t.update({"83": doc}))
    result = runner.invoke(args=["kehto", "check"])
    assert "document 83" not in result.stdout


# The maintainer's commands ------------------------------------------------------------


def kehto(runner, *args):
    return runner.invoke(args=["kehto", "events", *args])


def test_cancel_and_postpone_set_the_status_and_keep_everything_else(runner, data_dir):
    before = events_on_disk(data_dir)["2"]
    result = kehto(runner, "cancel", "2")
    assert result.exit_code == 0, result.output
    assert "Event 2 is cancelled" in result.stdout
    assert events_on_disk(data_dir)["2"] == {**before, "event_status": "cancelled"}
    assert list(events_on_disk(data_dir))[:2] == ["1", "2"], "the event keeps its place"
    assert kehto(runner, "postpone", "2").exit_code == 0
    assert events_on_disk(data_dir)["2"]["event_status"] == "postponed"


def test_reschedule_keeps_the_old_start_and_the_length(runner, data_dir, client):
    result = kehto(runner, "reschedule", "2", "2099-06-21T10:00")
    assert result.exit_code == 0, result.output
    assert "from 2099-06-14T09:30 to 2099-06-21T10:00 - 2099-06-21T16:30" in result.stdout
    moved = events_on_disk(data_dir)["2"]
    assert moved["event_status"] == "rescheduled"
    assert moved["previous_start"] == "2099-06-14T09:30"
    assert (moved["start"], moved["end"]) == ("2099-06-21T10:00", "2099-06-21T16:30")
    kehto(runner, "reschedule", "2", "2099-07-01", "2099-07-02")
    moved = events_on_disk(data_dir)["2"]
    assert (moved["start"], moved["end"], moved["previous_start"]) == (
        "2099-07-01", "2099-07-02", "2099-06-21T10:00")  # fmt: skip
    assert "Uusi ajankohta" in client.get("/fi/tapahtumat/2/").text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cancel", "999"], "There is no event 999 in events.json."),
        (["reschedule", "2", "ensi viikolla"], 'start: "ensi viikolla" is not a date'),
        (["reschedule", "2", "2099-06-21", "2099-06-01"], "end: is before the start"),
    ],
)
def test_a_status_command_refuses_what_kehto_check_would(runner, data_dir, args, message):
    before = (data_dir / "events.json").read_bytes()
    result = kehto(runner, *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert (data_dir / "events.json").read_bytes() == before


# Subscribing and adding ----------------------------------------------------------------


def links_of(html: str) -> list[str]:
    return [unquote_html(h) for h in re.findall(r'href="([^"]+)"', html)]


def unquote_html(href: str) -> str:
    return href.replace("&amp;", "&")


@pytest.mark.parametrize("path", ["/fi/tapahtumat/", "/fi/", "/fi/tapahtumat/tilaa/"])
def test_the_subscribe_links_are_well_formed(client, path):
    found = links_of(client.get(path).text)
    feed = client.get("/events.ics?lang=fi")
    assert feed.status_code == 200
    webcal = [h for h in found if h.startswith("webcal://")]
    assert webcal and set(webcal) == {"webcal://localhost/events.ics?lang=fi"}
    parts = urlsplit(webcal[0])
    assert (parts.netloc, parts.path, parts.query) == ("localhost", "/events.ics", "lang=fi")
    google = [h for h in found if h.startswith("https://calendar.google.com/")]
    assert parse_qs(urlsplit(google[0]).query)["cid"] == [webcal[0]]
    assert "cid=webcal%3A%2F%2Flocalhost%2Fevents.ics%3Flang%3Dfi" in google[0]
    outlook = [h for h in found if h.startswith("https://outlook.office.com/")]
    query = parse_qs(urlsplit(outlook[0]).query)
    assert query["url"] == ["http://localhost/events.ics?lang=fi"]
    assert query["name"] == ["KEHTO-foorumin tapahtumat"]
    assert "url=http%3A%2F%2Flocalhost%2Fevents.ics%3Flang%3Dfi" in outlook[0]
    assert "http://localhost/events.ics?lang=fi" in found


def test_the_footer_offers_the_subscription_in_the_pages_language(client):
    html = client.get("/sv/kontakt/").text
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert "webcal://localhost/events.ics?lang=sv" in footer
    assert "Prenumerera på evenemangskalendern" in footer
    assert 'href="/sv/evenemang/prenumerera/"' in footer


def test_each_event_page_offers_the_ics_file_google_and_outlook(client):
    found = links_of(client.get("/fi/tapahtumat/2/").text)
    assert "/fi/tapahtumat/2/event.ics" in found
    google = parse_qs(urlsplit(next(h for h in found if "action=TEMPLATE" in h)).query)
    assert google["text"] == ["Tuleva foorumi"]
    assert google["dates"] == ["20990614T063000Z/20990614T130000Z"]
    assert google["location"] == ["Helsinki"]
    outlook = next(h for h in found if "deeplink/compose" in h)
    query = parse_qs(urlsplit(outlook).query)
    assert query["startdt"] == ["2099-06-14T06:30:00Z"] and query["allday"] == ["false"]
    assert unquote(outlook).count("http://localhost/fi/tapahtumat/2/") == 1


def test_an_all_day_event_is_added_as_whole_days(client):
    found = links_of(client.get("/fi/tapahtumat/73/").text)
    google = parse_qs(urlsplit(next(h for h in found if "action=TEMPLATE" in h)).query)
    assert google["dates"] == ["20990901/20990903"]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_subscribe_page_explains_each_common_calendar(client, lang):
    html = client.get(in_lang(lang, "/events/subscribe/")).text
    for name in ("Outlook", "Google", "iPhone", "Thunderbird"):
        assert name in html
    assert f"http://localhost/events.ics?lang={lang}" in html


# Past events by year -------------------------------------------------------------------


def test_past_events_have_year_headings_and_a_page_per_year(client, data_dir, clock):
    edit_data(data_dir, "events.json", lambda t: t.update(
        {"84": event(title="Vuoden 2025 kokous", start="2025-05-05")}))  # fmt: skip
    past = client.get("/fi/tapahtumat/menneet/").text
    assert '<h2 id="year-2025">2025</h2>' in past and '<h2 id="year-2012">2012</h2>' in past
    assert past.index("year-2025") < past.index("year-2012")
    assert 'href="/fi/tapahtumat/menneet/2012/"' in past
    year = client.get("/fi/tapahtumat/menneet/2012/").text
    assert "Menneet tapahtumat vuonna 2012" in year and "Mennyt tapaaminen" in year
    assert "Vuoden 2025 kokous" not in year
    assert client.get("/fi/tapahtumat/menneet/2013/").status_code == 404
    assert client.get("/fi/tapahtumat/menneet/2099/").status_code == 404, "not yet past"
    sitemap = client.get("/sitemap.xml").text
    for lang in ("fi", "sv", "en"):
        assert f"<loc>http://localhost{in_lang(lang, '/events/past/2012/')}</loc>" in sitemap
        assert f"<loc>http://localhost{in_lang(lang, '/events/past/2025/')}</loc>" in sitemap
    assert "/events/past/2099/" not in sitemap
    assert "<loc>http://localhost/fi/tapahtumat/tilaa/</loc>" in sitemap
