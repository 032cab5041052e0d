"""The maintainer reviews proposals and removes old proposers' data from the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kehto_app import create_app
from kehto_app.content.base import now
from tests.helpers import edit_data
from tests.helpers import event
from tests.helpers import events_on_disk
from tests.helpers import on_disk

PERSONAL = {"submitter_name", "submitter_email", "submitted"}


def proposal(start: str, state: str = "pending", **fields: str) -> dict:
    """An event proposed through the form: it carries its proposer's name and email."""
    defaults = {"title": "Ehdotus", "location": "Oulu", "organiser": "Oulu",
                "submitter_name": "Essi Ehdottaja", "submitter_email": "essi@example.org",
                "submitted": "2026-01-01T10:00:00+02:00", "state": state}  # fmt: skip
    doc = event(**{**defaults, **fields}, start=start)
    doc.pop("status")
    return doc


def proposals_on_disk(instance_dir) -> dict:
    return on_disk(instance_dir / "proposals.json")


def kehto(runner, *args: str):
    return runner.invoke(args=["kehto", "events", *args])


def test_pending_lists_proposals_with_ids_titles_starts_and_proposers(runner, instance_dir):
    second = proposal("2099-02-03T10:00", title="Toinen ehdotus")
    edit_data(instance_dir, "proposals.json", lambda t: t.update({"5": second}))
    result = kehto(runner, "pending")
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines == [  # the oldest proposal first
        "5\t2099-02-03 10:00\tToinen ehdotus\tEssi Ehdottaja <essi@example.org>",
        "4\t2099-01-10\tOdottava ehdotus\tMaija Meikäläinen <maija@example.org>",
    ]
    assert "2 proposal(s)" in result.output


def test_approve_publishes_a_pending_proposal(client, runner, data_dir, instance_dir):
    assert client.get("/fi/tapahtumat/4/").status_code == 404
    result = kehto(runner, "approve", "4")
    assert result.exit_code == 0
    assert "Proposal 4 published in events.json: Odottava ehdotus" in result.output
    assert events_on_disk(data_dir)["4"]["title"] == "Odottava ehdotus"
    assert proposals_on_disk(instance_dir)["4"]["state"] == "approved"
    assert client.get("/fi/tapahtumat/4/").status_code == 200
    assert "4\t" not in kehto(runner, "pending").stdout


def test_the_file_stays_in_the_maintainers_format(runner, data_dir):
    kehto(runner, "approve", "4")
    text = (data_dir / "events.json").read_text(encoding="utf-8")
    assert "Odottava ehdotus" in text and "Meikäläinen" not in text and "\\u00e4" not in text
    assert text.endswith("}\n") and '\n  "_default": {\n    "1": {' in text
    assert list((data_dir / ".history").glob("events.json.*.json"))


def test_reject_keeps_a_proposal_out_of_sight(client, runner, data_dir, instance_dir):
    before = (data_dir / "events.json").read_bytes()
    result = kehto(runner, "reject", "4", "--reason", "Ei foorumin aihe")
    assert result.exit_code == 0
    assert "Proposal 4 rejected" in result.output
    assert proposals_on_disk(instance_dir)["4"]["state"] == "rejected"
    assert proposals_on_disk(instance_dir)["4"]["reason"] == "Ei foorumin aihe"
    assert (data_dir / "events.json").read_bytes() == before
    assert client.get("/fi/tapahtumat/4/").status_code == 404


@pytest.mark.parametrize("command", ["approve", "reject"])
@pytest.mark.parametrize(
    ("proposal_id", "says"),
    [("999", "There is no proposal 999"), ("1", "There is no proposal 1")],
)
def test_an_unknown_proposal_is_an_error(runner, data_dir, command, proposal_id, says):
    before = (data_dir / "events.json").read_bytes()
    result = kehto(runner, command, proposal_id)
    assert result.exit_code == 1
    assert says in result.output
    assert (data_dir / "events.json").read_bytes() == before


def test_a_proposal_cannot_be_approved_twice(runner, data_dir, instance_dir):
    assert kehto(runner, "approve", "4").exit_code == 0
    for command in ("approve", "reject"):
        again = kehto(runner, command, "4")
        assert again.exit_code == 1
        assert "Proposal 4 is approved; nothing changed." in again.output
    assert proposals_on_disk(instance_dir)["4"]["state"] == "approved"


def test_an_id_must_be_a_number(runner):
    assert kehto(runner, "approve", "kolme").exit_code == 2


def test_a_broken_events_file_is_reported_and_left_alone(runner, data_dir, instance_dir):
    (data_dir / "events.json").write_text('{"_default": {"3": ', encoding="utf-8")
    result = kehto(runner, "approve", "4")
    assert result.exit_code == 1
    assert "Nothing changed" in result.output and "events.json" in result.output
    assert "Traceback" not in result.output
    assert (data_dir / "events.json").read_text(encoding="utf-8") == '{"_default": {"3": '
    assert proposals_on_disk(instance_dir)["4"]["state"] == "pending"


def test_purge_removes_personal_data_from_events_that_ended_long_ago(runner, instance_dir):
    today = now().date()
    added = {
        "20": proposal((today - timedelta(days=40)).isoformat(), "approved"),
        "21": proposal((today - timedelta(days=50)).isoformat(), "rejected"),
        "22": proposal((today - timedelta(days=40)).isoformat(), "approved",
                       end=(today - timedelta(days=5)).isoformat()),
        "23": proposal((today + timedelta(days=5)).isoformat()),
    }  # fmt: skip
    edit_data(instance_dir, "proposals.json", lambda t: t.update(added))
    result = kehto(runner, "purge")
    assert result.exit_code == 0
    assert "from 2 proposal(s)" in result.output and ": 20, 21," in result.output
    proposals = proposals_on_disk(instance_dir)
    for kept in ("20", "21"):
        assert not PERSONAL & set(proposals[kept])
        assert proposals[kept]["title"] == "Ehdotus"
    for kept in ("4", "22", "23"):
        assert proposals[kept]["submitter_email"]
    again = kehto(runner, "purge")
    assert "from 0 proposal(s)" in again.output


def test_purge_follows_the_retention_setting(config, instance_dir):
    today = now().date()
    ended = proposal((today - timedelta(days=40)).isoformat())
    edit_data(instance_dir, "proposals.json", lambda t: t.update({"20": ended}))
    runner = create_app({**config, "RETENTION_DAYS": 60}).test_cli_runner()
    assert "from 0 proposal(s)" in kehto(runner, "purge").output
    runner = create_app({**config, "RETENTION_DAYS": 10}).test_cli_runner()
    assert "from 1 proposal(s)" in kehto(runner, "purge").output
    assert "submitter_name" not in proposals_on_disk(instance_dir)["20"]


def test_purge_forgets_clients_of_the_rate_limit_whose_window_has_passed(config, instance_dir):
    app = create_app({**config, "RATE_LIMIT": [5, 1]})
    limit = app.extensions["kehto_ratelimit"]
    assert limit.hit("192.0.2.1") and limit.hit("192.0.2.2")
    limit.seconds = 0
    result = kehto(app.test_cli_runner(), "purge")
    assert "Forgot 2 expired rate-limit entries." in result.output
