"""The form's spam defence in layers: each rule alone stops a scripted robot, a person passes
all of them, and a robot is thanked like a person but nothing of it is stored."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import timedelta

import pytest

from kehto_app import create_app
from tests.helpers import proposals_on_disk
from tests.test_proposals import input_tag
from tests.test_proposals import valid_form

FORM = "/fi/tapahtumat/uusi/"
THANKS = "/fi/tapahtumat/uusi/kiitos/"


@pytest.fixture
def timed_app(config):
    """The site with the minimum fill-in time on, as in production (3 s)."""
    return create_app({**config, "MIN_FILL_SECONDS": 3})


def started(html: str) -> str:
    match = re.search(r'name="started" type="hidden" value="([^"]+)"', html)
    assert match, "the form carries the time it was loaded"
    return match.group(1)


def robot_hits(instance_dir) -> int:
    with sqlite3.connect(instance_dir / "ratelimit.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM hits").fetchone()[0]


def assert_thanked_not_stored(answer, instance_dir, before) -> None:
    assert answer.status_code == 303 and answer.headers["Location"].endswith(THANKS)
    assert proposals_on_disk(instance_dir) == before


def test_a_person_at_human_speed_passes_every_rule(timed_app, instance_dir, clock):
    client = timed_app.test_client()
    page = client.get(FORM).text
    clock.set(clock.at + timedelta(seconds=40))  # reading and typing take a while
    before = proposals_on_disk(instance_dir)
    answer = client.post(FORM, data=valid_form(started=started(page)))
    assert answer.status_code == 303
    assert len(proposals_on_disk(instance_dir)) == len(before) + 1


def test_the_honeypot_alone_stops_a_robot(timed_app, instance_dir, clock, caplog):
    client = timed_app.test_client()
    page = client.get(FORM).text
    clock.set(clock.at + timedelta(seconds=40))
    before = proposals_on_disk(instance_dir)
    with caplog.at_level(logging.INFO, logger="kehto_app"):
        answer = client.post(
            FORM, data=valid_form(started=started(page), website="https://x.example")
        )
    assert_thanked_not_stored(answer, instance_dir, before)
    assert robot_hits(instance_dir) == 1, "counted by the rate limit"
    logged = [r.getMessage() for r in caplog.records if "robot" in r.getMessage()]
    assert logged == ["a robot's proposal, counted and not stored: the hidden field was filled in"]
    for personal in valid_form().values():
        if len(personal) > 3:
            assert all(personal not in line for line in caplog.messages), personal


def test_the_honeypot_has_a_plausible_name_and_no_inline_style(client):
    page = client.get(FORM).text
    honeypot = input_tag(page, "website")
    assert "honeypot" not in page.lower()
    assert "style=" not in honeypot and 'type="hidden"' not in honeypot


@pytest.mark.parametrize("when", ["missing", "forged", "too soon"])
def test_the_minimum_fill_in_time_alone_stops_a_robot(timed_app, instance_dir, clock, when):
    client = timed_app.test_client()
    page = client.get(FORM).text
    token = started(page)
    data = {
        "missing": valid_form(),
        "forged": valid_form(started=token[:-2] + ("xx" if not token.endswith("xx") else "yy")),
        "too soon": valid_form(started=token),
    }[when]
    clock.set(clock.at + timedelta(seconds=1 if when == "too soon" else 40))
    before = proposals_on_disk(instance_dir)
    assert_thanked_not_stored(client.post(FORM, data=data), instance_dir, before)
    assert robot_hits(instance_dir) == 1


def test_the_fill_in_time_can_be_turned_off_for_scripted_checks(client, instance_dir):
    before = proposals_on_disk(instance_dir)
    assert client.post(FORM, data=valid_form()).status_code == 303  # MIN_FILL_SECONDS = 0
    assert len(proposals_on_disk(instance_dir)) == len(before) + 1


def test_more_than_three_links_in_the_description_are_refused(timed_app, instance_dir, clock):
    client = timed_app.test_client()
    page = client.get(FORM).text
    clock.set(clock.at + timedelta(seconds=40))
    before = proposals_on_disk(instance_dir)
    four = "Katso https://a.example, http://b.example, www.c.example ja https://www.d.example."
    refused = client.post(FORM, data=valid_form(started=started(page), description=four))
    assert refused.status_code == 422
    assert "Kuvauksessa voi olla enintään 3 linkkiä." in refused.text
    assert proposals_on_disk(instance_dir) == before
    three = "Katso https://a.example, http://b.example ja https://www.d.example."
    answer = client.post(FORM, data=valid_form(started=started(page), description=three))
    assert answer.status_code == 303
    assert len(proposals_on_disk(instance_dir)) == len(before) + 1


def test_a_form_sent_back_with_errors_keeps_its_start_time(timed_app, clock):
    client = timed_app.test_client()
    token = started(client.get(FORM).text)
    clock.set(clock.at + timedelta(seconds=10))
    again = client.post(FORM, data=valid_form(started=token, title=""))
    assert again.status_code == 422 and started(again.text) == token
