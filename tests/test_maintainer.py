"""Nothing the maintainer does takes the site down or loses a byte (in one process).

The tests with real gunicorn processes are in test_maintainer_live.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kehto_app import create_app
from kehto_app.content import InvalidData
from kehto_app.content.store import history
from tests.helpers import edit_data
from tests.helpers import event
from tests.helpers import on_disk
from tests.test_proposals import PROPOSER
from tests.test_proposals import valid_form

FORM = "/fi/tapahtumat/uusi/"


def propose(client, title: str) -> int:
    answer = client.post(FORM, data=valid_form(title=title))
    assert answer.status_code == 303, answer.text
    return max(int(i) for i in on_disk(proposals_file(client)))


def proposals_file(client) -> Path:
    return Path(client.application.instance_path) / "proposals.json"


def kehto(runner, *args: str):
    return runner.invoke(args=["kehto", *args])


# 1. One writer per file --------------------------------------------------------------


def test_a_proposal_goes_to_the_sites_own_file_never_to_data(client, data_dir, instance_dir):
    before = (data_dir / "events.json").read_bytes()
    proposal_id = propose(client, "Oma tiedosto")
    assert (data_dir / "events.json").read_bytes() == before
    stored = on_disk(instance_dir / "proposals.json")[str(proposal_id)]
    assert stored["title"] == "Oma tiedosto" and stored["state"] == "pending"
    assert stored["submitter_email"] == PROPOSER[1] and stored["lang"] == "fi"
    assert os.stat(instance_dir / "proposals.json").st_mode & 0o777 == 0o600
    assert PROPOSER[1].encode() not in b"".join(
        p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
    )


def test_approving_copies_the_event_without_personal_data_under_the_same_id(
    client, runner, data_dir, instance_dir
):
    proposal_id = propose(client, "Hyväksytään")
    result = kehto(runner, "events", "approve", str(proposal_id))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Proposal {proposal_id} published in events.json: Hyväksytään\n"
    published = on_disk(data_dir / "events.json")[str(proposal_id)]
    assert published["title"] == "Hyväksytään"
    assert not {"submitter_name", "submitter_email", "submitted", "state"} & set(published)
    assert published["lang"] == "fi"  # the form's language: not personal, it marks the texts
    assert on_disk(instance_dir / "proposals.json")[str(proposal_id)]["state"] == "approved"
    assert "Hyväksytään" in client.get(f"/fi/tapahtumat/{proposal_id}/").text


def test_a_rejected_proposal_can_still_be_approved(client, runner, data_dir):
    proposal_id = propose(client, "Toinen ajatus")
    rejected = kehto(runner, "events", "reject", str(proposal_id), "--reason", "päällekkäin")
    assert rejected.exit_code == 0, rejected.output
    assert client.get(f"/fi/tapahtumat/{proposal_id}/").status_code == 404
    again = kehto(runner, "events", "reject", str(proposal_id))
    assert again.exit_code == 1 and f"Proposal {proposal_id} is rejected" in again.output
    approved = kehto(runner, "events", "approve", str(proposal_id))
    assert approved.exit_code == 0, approved.output
    assert client.get(f"/fi/tapahtumat/{proposal_id}/").status_code == 200


def test_pending_and_show_list_the_proposals(client, runner):
    proposal_id = propose(client, "Listattava")
    pending = kehto(runner, "events", "pending")
    assert pending.exit_code == 0
    lines = pending.stdout.splitlines()
    assert lines[0] == "4\t2099-01-10\tOdottava ehdotus\tMaija Meikäläinen <maija@example.org>"
    assert lines[1].startswith(f"{proposal_id}\t") and "\tListattava\t" in lines[1]
    shown = kehto(runner, "events", "show", str(proposal_id))
    assert shown.exit_code == 0
    for line in ("title: fi: Listattava", "state: pending", "lang: fi",
                 f"submitter_email: {PROPOSER[1]}"):  # fmt: skip
        assert line in shown.output.splitlines() or any(
            ln.startswith(line) for ln in shown.output.splitlines()
        ), line
    assert kehto(runner, "events", "show", "999").exit_code == 1


def test_without_moderation_the_site_approves_at_once(config, data_dir, instance_dir):
    app = create_app({**config, "MODERATION": False})
    client = app.test_client()
    proposal_id = propose(client, "Heti näkyviin")
    assert on_disk(data_dir / "events.json")[str(proposal_id)]["title"] == "Heti näkyviin"
    assert on_disk(instance_dir / "proposals.json")[str(proposal_id)]["state"] == "approved"
    authors = [v.author for v in history(data_dir / ".history", "events.json")]
    assert authors[0] == "site"


def test_a_stale_editor_save_of_events_json_loses_no_proposal(client, runner, data_dir):
    stale = (data_dir / "events.json").read_text(encoding="utf-8")  # the editor opens it
    ids = [propose(client, f"Ehdotus {n}") for n in range(3)]
    (data_dir / "events.json").write_text(stale.replace("Tuleva", "Muokattu"), encoding="utf-8")
    listed = kehto(runner, "events", "pending").stdout
    for proposal_id in ids:
        assert any(line.startswith(f"{proposal_id}\t") for line in listed.splitlines())
    assert "Muokattu" in client.get("/fi/tapahtumat/").text


# 2. Never down because of a data file -------------------------------------------------


def test_a_restart_with_a_file_that_was_valid_before_serves_its_last_valid_version(
    config, data_dir
):
    create_app(config).test_client().get("/fi/")  # the site ran with valid data
    edit_data(data_dir, "jobs.json", ("{}", '{"1": {"title": "x"}}'))
    app = create_app(config)  # a restart: no InvalidData
    client = app.test_client()
    assert client.get("/fi/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503 and "jobs.json" in health.text


def test_a_file_that_was_never_valid_refuses_the_start(config, data_dir):
    edit_data(data_dir, "jobs.json", ("{}", '{"1": {"title": "x"}}'))
    with pytest.raises(InvalidData) as raised:
        create_app(config)
    assert "jobs.json: document 1: employer: is missing" in str(raised.value)


# 3. Every version kept, hand edits included -------------------------------------------


def test_a_hand_edit_is_in_the_history_and_can_be_restored(client, runner, data_dir):
    assert "Testi Henkilö" in client.get("/fi/yhteystiedot/").text
    edit_data(data_dir, "contacts.json", ("Testi Henkilö", "Väärä Nimi"))
    assert "Väärä Nimi" in client.get("/fi/yhteystiedot/").text
    edit_data(data_dir, "contacts.json", ("{", "{ rikki"))
    client.get("/fi/yhteystiedot/")
    lines = kehto(runner, "history", "contacts.json").stdout.splitlines()
    assert [line.split("\t")[2] for line in lines] == ["a hand edit"] * 3
    assert [line.split("\t")[4] for line in lines] == ["invalid", "valid", "valid"]
    assert lines[1].split("\t")[3] == "1 documents"
    first = lines[-1].split()[0]

    refused = kehto(runner, "restore", "contacts.json", lines[0].split()[0])
    assert refused.exit_code == 1 and "was not restored" in refused.output

    diff = kehto(runner, "diff", "contacts.json", first, lines[1].split()[0])
    assert '-      "name": "Testi Henkilö",' in diff.stdout
    assert '+      "name": "Väärä Nimi",' in diff.stdout

    restored = kehto(runner, "restore", "contacts.json", first)
    assert restored.exit_code == 0, restored.output
    assert "Testi Henkilö" in client.get("/fi/yhteystiedot/").text
    newest = kehto(runner, "history", "contacts.json").stdout.splitlines()[0].split("\t")
    assert newest[0] == first and newest[2] == "a command" and newest[4] == "valid"


def test_history_keeps_the_last_versions_only(config, data_dir):
    client = create_app({**config, "HISTORY_KEEP": 3}).test_client()
    for n in range(6):
        edit_data(data_dir, "contacts.json", ("Testi Henkilö" if n == 0 else f"Nimi {n - 1}",
                                             f"Nimi {n}"))  # fmt: skip
        client.get("/fi/yhteystiedot/")
    kept = history(data_dir / ".history", "contacts.json")
    assert len(kept) == 3
    assert b"Nimi 5" in kept[0].path.read_bytes()


# 4. No silent loss --------------------------------------------------------------------


def test_an_id_written_twice_is_an_error_naming_both_lines(runner, data_dir):
    path = data_dir / "events.json"
    text = path.read_text(encoding="utf-8")
    second = text.index('    "2": {')
    path.write_text(text[:second] + text[second:].replace('"2": {', '"1": {', 1), "utf-8")
    lines = text[:second].count("\n") + 1
    result = kehto(runner, "check")
    assert result.exit_code == 1
    assert (
        f"events.json: document 1: the id 1 is written twice (lines 3 and {lines}); only the "
        "last one would be read, so give the other document a new id"
    ) in result.stdout.splitlines()


def test_a_file_that_lost_most_documents_is_a_warning_naming_them(client, runner, data_dir):
    client.get("/fi/")
    (data_dir / "events.json").write_text("{}", encoding="utf-8")
    result = kehto(runner, "check")
    assert result.exit_code == 1
    assert (
        "warning: events.json: 7 of the 7 documents are gone since the previous version "
        "(ids 1, 2, 3, 70, 71, 72, 73); if that was a mistake, `kehto history events.json` lists the versions "
        "and `kehto restore events.json VERSION` puts one back"
    ) in result.stdout.splitlines()


def test_a_deleted_highest_id_is_not_reused(client, runner, data_dir):
    first = propose(client, "Ensimmäinen")
    kehto(runner, "events", "approve", str(first))
    edit_data(data_dir, "events.json", lambda table: table.pop(str(first)))
    assert client.get(f"/fi/tapahtumat/{first}/").status_code == 404
    assert propose(client, "Seuraava") == first + 1


def test_an_id_taken_by_a_different_event_is_an_error(client, runner, data_dir):
    client.get("/fi/")
    edit_data(data_dir, "events.json", lambda table: table.pop("2"))
    client.get("/fi/")
    edit_data(data_dir, "events.json", lambda table: table.update({"2": event(title="Uusi")}))
    result = kehto(runner, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "events.json: document 2: the id 2 was used before by a different event; give this "
        "one a new id (74 is free), so that its address and calendar entry never point to "
        "another event"
    )
    # A pending proposal's id is taken too.
    edit_data(
        data_dir,
        "events.json",
        lambda table: table.update({"2": event(title="Tuleva foorumi"), "4": event(title="Oma")}),
    )
    result = kehto(runner, "check")
    assert (
        "events.json: document 4: the id 4 was used before by a different event in "
        "proposals.json" in result.stdout
    )


# 6. Commands a person can trust -------------------------------------------------------


def test_commands_on_broken_files_print_the_problem_once_and_no_traceback(data_dir, instance_dir):
    edit_data(data_dir, "contacts.json", ("{", "{ rikki"))
    env = {**os.environ, "KEHTO_DATA_DIR": str(data_dir), "KEHTO_INSTANCE_DIR": str(instance_dir),
           "KEHTO_SECRET_KEY": "x"}  # fmt: skip
    root = Path(__file__).resolve().parent.parent
    flask = shutil.which("flask", path=str(Path(os.sys.executable).parent))
    for args in (["check"], ["translations"], ["events", "pending"]):
        done = subprocess.run([flask, "--app", "wsgi", "kehto", *args], cwd=root, env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output
        assert output.count("contacts.json: line 1") <= 1, output
        if args != ["events", "pending"]:
            assert done.returncode == 1 and output.count("contacts.json: line 1") == 1, output


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own files as another user")
def test_a_command_run_as_root_keeps_the_owner_and_mode(client, data_dir, instance_dir):
    proposal_id = propose(client, "Omistaja")
    for folder in (data_dir, instance_dir):
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 65534, 65534)
    env = {**os.environ, "KEHTO_DATA_DIR": str(data_dir), "KEHTO_INSTANCE_DIR": str(instance_dir)}
    root = Path(__file__).resolve().parent.parent
    flask = shutil.which("flask", path=str(Path(os.sys.executable).parent))
    done = subprocess.run([flask, "--app", "wsgi", "kehto", "events", "approve", str(proposal_id)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    owned = {p: p.stat().st_uid for f in (data_dir, instance_dir) for p in [f, *f.rglob("*")]}
    assert set(owned.values()) == {65534}, [str(p) for p, uid in owned.items() if uid != 65534]
    assert (data_dir / "events.json").stat().st_mode & 0o777 == 0o644
    assert (instance_dir / "proposals.json").stat().st_mode & 0o777 == 0o600


def test_the_purge_leaves_no_copy_of_the_proposers_data(
    client, runner, data_dir, instance_dir, clock
):
    proposal_id = propose(client, "Unohdettava")
    kehto(runner, "events", "approve", str(proposal_id))
    edit_data(data_dir, "events.json", lambda t: t[str(proposal_id)].update(title="Muokattu"))
    client.get("/fi/")
    folders = (data_dir, instance_dir)
    email, name = PROPOSER[1].encode(), PROPOSER[0].encode()
    assert any(email in p.read_bytes() for f in folders for p in f.rglob("*") if p.is_file())
    from datetime import timedelta

    clock.set(clock.at + timedelta(days=365 * 100))
    result = kehto(runner, "events", "purge")
    assert result.exit_code == 0, result.output
    left = [str(p) for f in folders for p in f.rglob("*")
            if p.is_file() and (email in p.read_bytes() or name in p.read_bytes())]  # fmt: skip
    assert left == []
    assert (
        json.loads((instance_dir / "proposals.json").read_text())["_default"][str(proposal_id)][
            "state"
        ]
        == "approved"
    )


def test_an_earlier_events_json_with_proposals_is_migrated(config, data_dir, instance_dir):
    def earlier(table: dict) -> None:
        table["2"] |= {"submitter_name": "Vanha Ehdottaja", "submitter_email": "vanha@example.org"}
        table["5"] = event(title="Odottaa vanhassa", status="pending",
                           submitter_email="vanha@example.org",
                           submitted="2026-11-01T10:00:00+02:00")  # fmt: skip

    edit_data(data_dir, "events.json", earlier)
    with pytest.raises(InvalidData) as raised:
        create_app(config)
    assert "`kehto events migrate` moves them there" in str(raised.value)
    env = {**os.environ, "KEHTO_DATA_DIR": str(data_dir), "KEHTO_INSTANCE_DIR": str(instance_dir),
           "KEHTO_SECRET_KEY": "x"}  # fmt: skip
    root = Path(__file__).resolve().parent.parent
    flask = shutil.which("flask", path=str(Path(os.sys.executable).parent))
    done = subprocess.run([flask, "--app", "wsgi", "kehto", "events", "migrate"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Moved 1 proposal(s) to the proposals file: 5; removed the proposer's data from 1 "
        "published event(s): 2.\n"
    )
    proposals = on_disk(instance_dir / "proposals.json")
    assert proposals["5"]["state"] == "pending" and proposals["2"]["state"] == "approved"
    assert b"vanha@example.org" not in (data_dir / "events.json").read_bytes()
    app = create_app(config)
    assert app.test_client().get("/fi/tapahtumat/2/").status_code == 200
    left = [
        p.name
        for p in data_dir.rglob("*")
        if p.is_file() and b"vanha@example.org" in p.read_bytes()
    ]
    assert left == [], "no copy in data/ keeps the proposer's address"
