"""The maintainer reviews proposals and removes old proposers' data from the command line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from kehto_app import create_app
from kehto_app.content.base import now


def events_on_disk(data_dir: Path) -> dict[str, dict]:
    return json.loads((data_dir / "events.json").read_text(encoding="utf-8"))["_default"]


def add_events(data_dir: Path, **docs: dict) -> None:
    path = data_dir / "events.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["_default"].update(docs)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def proposal(start: str, status: str = "pending", **fields: str) -> dict:
    return {"title": "Ehdotus", "start": start, "location": "Oulu", "description": "Kuvaus.",
            "organiser": "Oulu", "status": status, "submitter_name": "Essi Ehdottaja",
            "submitter_email": "essi@example.org", "submitted": "2026-01-01T10:00:00+02:00",
            **fields}  # fmt: skip


def kehto(runner, *args: str):
    return runner.invoke(args=["kehto", "events", *args])


def test_pending_lists_proposals_with_ids_titles_starts_and_proposers(runner, data_dir):
    add_events(data_dir, **{"5": proposal("2099-02-03T10:00", title="Toinen ehdotus")})
    result = kehto(runner, "pending")
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines == [  # the oldest proposal first
        "5\t2099-02-03 10:00\tToinen ehdotus\tEssi Ehdottaja <essi@example.org>",
        "3\t2099-01-10\tOdottava ehdotus\tMaija Meikäläinen <maija@example.org>",
    ]
    assert "2 proposal(s)" in result.output


def test_approve_publishes_a_pending_proposal(client, runner, data_dir):
    assert client.get("/fi/events/3/").status_code == 404
    result = kehto(runner, "approve", "3")
    assert result.exit_code == 0
    assert "Event 3 published: Odottava ehdotus" in result.output
    assert events_on_disk(data_dir)["3"]["status"] == "published"
    assert client.get("/fi/events/3/").status_code == 200
    assert "3\t" not in kehto(runner, "pending").stdout


def test_the_file_stays_in_the_maintainers_format(runner, data_dir):
    kehto(runner, "approve", "3")
    text = (data_dir / "events.json").read_text(encoding="utf-8")
    assert "Meikäläinen" in text and "\\u00e4" not in text
    assert text.endswith("}\n") and '\n  "_default": {\n    "1": {' in text
    assert list((data_dir / ".history").glob("events.json.*.json"))


def test_reject_keeps_a_proposal_out_of_sight(client, runner, data_dir):
    result = kehto(runner, "reject", "3")
    assert result.exit_code == 0
    assert "Event 3 rejected" in result.output
    assert events_on_disk(data_dir)["3"]["status"] == "rejected"
    assert client.get("/fi/events/3/").status_code == 404


@pytest.mark.parametrize("command", ["approve", "reject"])
@pytest.mark.parametrize(
    ("event_id", "says"),
    [("999", "There is no event 999"), ("1", "Event 1 is not pending (its status is published)")],
)
def test_an_unknown_or_decided_event_is_an_error(runner, data_dir, command, event_id, says):
    before = (data_dir / "events.json").read_bytes()
    result = kehto(runner, command, event_id)
    assert result.exit_code == 1
    assert says in result.output
    assert (data_dir / "events.json").read_bytes() == before


def test_an_event_cannot_be_decided_twice(runner, data_dir):
    assert kehto(runner, "reject", "3").exit_code == 0
    again = kehto(runner, "approve", "3")
    assert again.exit_code == 1
    assert "its status is rejected" in again.output
    assert events_on_disk(data_dir)["3"]["status"] == "rejected"


def test_an_id_must_be_a_number(runner):
    assert kehto(runner, "approve", "kolme").exit_code == 2


def test_a_broken_file_is_reported_and_left_alone(runner, data_dir):
    (data_dir / "events.json").write_text('{"_default": {"3": ', encoding="utf-8")
    result = kehto(runner, "approve", "3")
    assert result.exit_code == 1
    assert "Nothing changed" in result.output and "events.json" in result.output
    assert (data_dir / "events.json").read_text(encoding="utf-8") == '{"_default": {"3": '


def test_purge_removes_personal_data_from_events_that_ended_long_ago(runner, data_dir):
    today = now().date()
    add_events(data_dir, **{
        "20": proposal((today - timedelta(days=40)).isoformat(), "published"),
        "21": proposal((today - timedelta(days=50)).isoformat(), "rejected"),
        "22": proposal((today - timedelta(days=40)).isoformat(), "published",
                       end=(today - timedelta(days=5)).isoformat()),
        "23": proposal((today + timedelta(days=5)).isoformat()),
    })  # fmt: skip
    result = kehto(runner, "purge")
    assert result.exit_code == 0
    assert "from 2 event(s)" in result.output and ": 20, 21." in result.output
    events = events_on_disk(data_dir)
    for kept in ("20", "21"):
        assert not {"submitter_name", "submitter_email", "submitted"} & set(events[kept])
        assert events[kept]["title"] == "Ehdotus"
    for kept in ("3", "22", "23"):
        assert events[kept]["submitter_email"]
    again = kehto(runner, "purge")
    assert "from 0 event(s)" in again.output


def test_purge_follows_the_retention_setting(config, data_dir):
    today = now().date()
    add_events(data_dir, **{"20": proposal((today - timedelta(days=40)).isoformat())})
    runner = create_app({**config, "RETENTION_DAYS": 60}).test_cli_runner()
    assert "from 0 event(s)" in kehto(runner, "purge").output
    runner = create_app({**config, "RETENTION_DAYS": 10}).test_cli_runner()
    assert "from 1 event(s)" in kehto(runner, "purge").output
    assert "submitter_name" not in events_on_disk(data_dir)["20"]


def test_purge_forgets_clients_of_the_rate_limit_whose_window_has_passed(config, instance_dir):
    app = create_app({**config, "RATE_LIMIT": [5, 1]})
    limit = app.extensions["kehto_ratelimit"]
    assert limit.hit("192.0.2.1") and limit.hit("192.0.2.2")
    limit.seconds = 0
    result = kehto(app.test_cli_runner(), "purge")
    assert "Forgot 2 expired rate-limit entries." in result.output
