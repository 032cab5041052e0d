"""Nothing the maintainer does takes the site down or loses a byte: real gunicorn processes.

Each test starts gunicorn on 127.0.0.1 from the repository's gunicorn.conf.py, reloads or
restarts it as systemd would (HUP, TERM and start again), and runs the maintainer's
commands as processes of their own.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.helpers import edit_data
from tests.live import ROOT
from tests.live import gunicorn
from tests.test_proposals_live import propose

pytestmark = pytest.mark.slow

FLASK = str(Path(sys.executable).parent / "flask")


def kehto(data_dir: Path, instance_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KEHTO_DATA_DIR": str(data_dir),
        "KEHTO_INSTANCE_DIR": str(instance_dir),
        "KEHTO_SECRET_KEY": "live-test-secret",
    }
    return subprocess.run(
        [FLASK, "--app", "wsgi", "kehto", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def boots(instance_dir: Path) -> int:
    return sum(p.read_text().count("Booting worker") for p in instance_dir.glob("gunicorn-*.log"))


def master_of(base: str, instance_dir: Path) -> int:
    port = base.rsplit(":", 1)[1]
    log = (instance_dir / f"gunicorn-{port}.log").read_text()
    found = re.search(r"\[(\d+)\] \[INFO\] Starting gunicorn", log)
    assert found, log
    return int(found.group(1))


def every_page_shows(base: str, text: str) -> bool:
    pages = ["/fi/", "/sv/", "/en/", "/fi/tapahtumat/", "/fi/yhteystiedot/", "/events.ics"]
    answers = [requests.get(base + page, timeout=10) for page in pages for _ in range(3)]
    return all(a.status_code == 200 for a in answers) and text in answers[0].text


def test_a_reload_and_a_restart_with_an_invalid_file_keep_the_site_up(data_dir, instance_dir):
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        assert every_page_shows(base, "Avoimet työpaikat")
        edit_data(data_dir, "jobs.json", ("{}", '{"1": {"title": "rikki"}}'))
        os.kill(master_of(base, instance_dir), signal.SIGHUP)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            assert every_page_shows(base, "Avoimet työpaikat")
            time.sleep(0.5)
        health = requests.get(base + "/healthz", timeout=10)
        assert health.status_code == 503 and "jobs.json" in health.text
    with gunicorn(data_dir, instance_dir, workers=2) as base:  # a restart, or a reboot
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            assert every_page_shows(base, "Avoimet työpaikat")
            time.sleep(0.5)
        assert requests.get(base + "/healthz", timeout=10).status_code == 503
    # 2 workers at the start, 2 after the HUP, 2 after the restart: no crash loop.
    started = boots(instance_dir)
    assert started < 10
    # Logged once per process that read the change (each worker, and the restarted
    # master's check), never in a loop.
    logs = "".join(p.read_text() for p in instance_dir.glob("gunicorn-*.log"))
    assert logs.count("jobs.json: document 1: employer: is missing") <= started + 1


def test_a_stale_save_of_events_json_during_proposals_loses_none(data_dir, instance_dir):
    events = data_dir / "events.json"
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        stale = events.read_text(encoding="utf-8")  # the maintainer opens the file
        answers = [propose(base, f"Ehdotus {n}") for n in range(5)]
        events.write_text(stale.replace("Tuleva foorumi", "Tuleva foorumi!"), encoding="utf-8")
        assert answers == [303] * 5
        assert "Tuleva foorumi!" in requests.get(base + "/fi/tapahtumat/", timeout=10).text
    pending = kehto(data_dir, instance_dir, "events", "pending")
    assert pending.returncode == 0, pending.stderr
    titles = [line.split("\t")[2] for line in pending.stdout.splitlines()]
    assert sorted(t for t in titles if t.startswith("Ehdotus")) == [
        f"Ehdotus {n}" for n in range(5)
    ]


def test_a_hand_edit_is_in_the_history_and_a_restore_shows_without_a_restart(
    data_dir, instance_dir
):
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        assert "Testi Henkilö" in requests.get(base + "/fi/yhteystiedot/", timeout=10).text
        edit_data(data_dir, "contacts.json", ("Testi Henkilö", "Vahinko Poistettu"))
        assert "Vahinko Poistettu" in requests.get(base + "/fi/yhteystiedot/", timeout=10).text
        listed = kehto(data_dir, instance_dir, "history", "contacts.json")
        lines = [line.split("\t") for line in listed.stdout.splitlines()]
        assert [line[2] for line in lines] == ["a hand edit", "a hand edit"], listed.stdout
        restored = kehto(data_dir, instance_dir, "restore", "contacts.json", lines[1][0])
        assert restored.returncode == 0, restored.stderr
        for _ in range(6):  # each worker
            assert "Testi Henkilö" in requests.get(base + "/fi/yhteystiedot/", timeout=10).text


def test_a_deleted_highest_id_is_not_reused(data_dir, instance_dir):
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        assert propose(base, "Korkein") == 303
        first = max(int(line.split("\t")[0]) for line in
                    kehto(data_dir, instance_dir, "events", "pending").stdout.splitlines())  # fmt: skip
        assert kehto(data_dir, instance_dir, "events", "approve", str(first)).returncode == 0
        assert requests.get(f"{base}/fi/tapahtumat/{first}/", timeout=10).status_code == 200
        edit_data(data_dir, "events.json", lambda table: table.pop(str(first)))
        assert requests.get(f"{base}/fi/tapahtumat/{first}/", timeout=10).status_code == 404
        assert propose(base, "Seuraava") == 303
    pending = kehto(data_dir, instance_dir, "events", "pending").stdout.splitlines()
    assert [line.split("\t")[0] for line in pending if "\tSeuraava\t" in line] == [str(first + 1)]


def test_after_a_purge_no_copy_of_the_proposers_data_remains(data_dir, instance_dir):
    with gunicorn(data_dir, instance_dir, workers=2) as base:
        assert propose(base, "Unohdettava") == 303
        requests.get(base + "/fi/", timeout=10)
    email = b"pekka.proposer@example.org"
    folders = (data_dir, instance_dir)
    assert any(email in p.read_bytes() for f in folders for p in f.rglob("*") if p.is_file())
    purge = kehto(data_dir, instance_dir, "events", "purge")
    assert purge.returncode == 0, purge.stderr
    # The event is still to come: its proposer is kept until 30 days after it ends.
    assert any(email in p.read_bytes() for f in folders for p in f.rglob("*") if p.is_file())
    env_days = {"KEHTO_RETENTION_DAYS": "-36500"}
    os.environ.update(env_days)
    try:
        purge = kehto(data_dir, instance_dir, "events", "purge")
    finally:
        os.environ.pop("KEHTO_RETENTION_DAYS")
    assert purge.returncode == 0, purge.stderr
    left = [
        p.name for f in folders for p in f.rglob("*") if p.is_file() and email in p.read_bytes()
    ]
    assert left == []
