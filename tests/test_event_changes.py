"""A changed event reaches subscribed calendars: SEQUENCE and LAST-MODIFIED, in every worker,
after a restart and for hand edits; and every page tells link previews what it is."""

from __future__ import annotations

import re

import icalendar
import pytest
import requests

from kehto_app import create_app
from tests.helpers import edit_data
from tests.live import gunicorn


def revisions(response_data: bytes) -> dict[str, tuple[int, object]]:
    cal = icalendar.Calendar.from_ical(response_data)
    return {str(e["UID"]): (int(e["SEQUENCE"]), e["LAST-MODIFIED"].dt) for e in cal.walk("VEVENT")}


def feed(client) -> dict[str, tuple[int, object]]:
    return revisions(client.get("/events.ics").data)


def test_a_hand_edit_of_a_title_raises_only_that_events_sequence(client, data_dir, instance_dir):
    first = feed(client)
    assert all(sequence == 0 for sequence, _ in first.values())
    edit_data(data_dir, "events.json", lambda t: t["2"].update(title="Tuleva foorumi, uusi nimi"))
    second = feed(client)
    assert second["kehto-foorumi-event-2"][0] == 1
    assert second["kehto-foorumi-event-2"][1] > first["kehto-foorumi-event-2"][1]
    others = {uid: rev for uid, rev in second.items() if uid != "kehto-foorumi-event-2"}
    assert others == {uid: rev for uid, rev in first.items() if uid in others}
    assert (instance_dir / "revisions.json").is_file()
    assert not any("revisions" in p.name for p in data_dir.rglob("*")), "never in data/"


def test_an_edit_elsewhere_in_the_file_changes_no_other_sequence(client, data_dir):
    first = feed(client)
    edit_data(data_dir, "events.json", lambda t: t["73"].update(description="Uusi kuvaus."))
    edit_data(data_dir, "events.json", lambda t: t["1"].update(location="Jyväskylä"))  # same
    second = feed(client)
    assert second["kehto-foorumi-event-73"][0] == 1
    assert {u: r for u, r in second.items() if u != "kehto-foorumi-event-73"} == {
        u: r for u, r in first.items() if u != "kehto-foorumi-event-73"
    }


def test_the_uid_never_changes_and_a_restart_gives_the_same_sequence(config, data_dir):
    client = create_app(config).test_client()
    feed(client)
    edit_data(data_dir, "events.json", lambda t: t["2"].update(title="Nimi 1"))
    feed(client)
    edit_data(data_dir, "events.json", lambda t: t["2"].update(title="Nimi 2"))
    before = feed(client)
    assert before["kehto-foorumi-event-2"][0] == 2
    restarted = create_app(config).test_client()
    assert feed(restarted) == before
    single = revisions(restarted.get("/sv/evenemang/2/event.ics").data)
    assert single == {"kehto-foorumi-event-2": before["kehto-foorumi-event-2"]}


def test_a_cancellation_is_a_change_calendars_see(client, runner, data_dir):
    before = feed(client)["kehto-foorumi-event-2"][0]
    assert runner.invoke(args=["kehto", "events", "cancel", "2"]).exit_code == 0
    vevent = next(
        e
        for e in icalendar.Calendar.from_ical(client.get("/events.ics").data).walk("VEVENT")
        if str(e["UID"]) == "kehto-foorumi-event-2"
    )
    assert str(vevent["STATUS"]) == "CANCELLED" and int(vevent["SEQUENCE"]) == before + 1
    assert str(vevent["SUMMARY"]).startswith("Peruttu: ")


@pytest.mark.slow
def test_a_second_worker_and_a_restarted_server_give_the_same_sequence(data_dir, instance_dir):
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        requests.get(f"{base}/events.ics", timeout=10)
        edit_data(data_dir, "events.json", lambda t: t["2"].update(title="Käsin muutettu"))
        seen = {
            requests.get(f"{base}/events.ics", timeout=10).content
            for _ in range(12)  # both workers answer
        }
        answers = [revisions(body)["kehto-foorumi-event-2"] for body in seen]
    assert {sequence for sequence, _ in answers} == {1}
    assert len({modified for _, modified in answers}) == 1
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        again = revisions(requests.get(f"{base}/events.ics", timeout=10).content)
    assert again["kehto-foorumi-event-2"] == answers[0]


# Meta description and Open Graph on every page type ---------------------------------

PAGES = [
    ("/fi/", 200),
    ("/sv/vain-suomeksi/", 200),
    ("/en/contact/", 200),
    ("/fi/tapahtumat/", 200),
    ("/sv/evenemang/tidigare/", 200),
    ("/en/events/past/2012/", 200),
    ("/fi/tapahtumat/2/", 200),
    ("/fi/tapahtumat/70/", 200),
    ("/fi/tapahtumat/tilaa/", 200),
    ("/fi/tapahtumat/uusi/", 200),
    ("/fi/tapahtumat/uusi/kiitos/", 200),
    ("/fi/no-such-page/", 404),
]
META = re.compile(r'<meta (name|property)="([^"]+)" content="([^"]*)">')


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_every_page_type_has_a_description_and_open_graph_tags(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    found: dict[str, list[str]] = {}
    for _, name, content in META.findall(response.text):
        found.setdefault(name, []).append(content)
    for name in ("description", "og:title", "og:description", "og:url", "og:type", "og:locale"):
        assert found.get(name) and found[name][0].strip(), f"{path}: {name}"
    assert 20 <= len(found["description"][0]) <= 200
    lang = path.split("/")[1]
    locales = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
    assert found["og:locale"] == [locales[lang]]
    assert sorted(found["og:locale:alternate"]) == sorted(set(locales.values()) - {locales[lang]})
    assert found["og:url"][0] == f"http://localhost{path}"
    assert "<" not in found["description"][0]


def test_an_event_description_says_its_status_time_and_place(client):
    html = client.get("/fi/tapahtumat/70/").text
    (description,) = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert description.startswith("Peruttu. 5.3.2099 klo 9.00–12.00, Kuntatalo, Helsinki.")
