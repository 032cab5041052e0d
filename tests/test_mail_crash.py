"""A worker that dies right after answering a proposal, before its mail thread has named
it, loses nothing: the next worker names it, once. A restart right after a proposal keeps
its notification in the outbox. Real gunicorn, real SMTP server, workers killed by PID."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest
import requests

from tests.helpers import proposals_on_disk
from tests.live import free_port
from tests.live import gunicorn
from tests.live import workers_of
from tests.mailbox import Mailbox
from tests.mailbox import smtp_server
from tests.test_mail_live import fields
from tests.test_mail_live import mail_env

pytestmark = pytest.mark.slow
RECEIVED = re.compile(r"writers \[(\d+)\]: proposal \d+ received")
SENT = re.compile(r"mail\.smtp \[(\d+)\]: mail \S+ sent")


def named(mailbox: Mailbox) -> list[int]:
    return [int(n) for r in list(mailbox.received)
            for n in re.findall(r"^Ehdotus (\d+):", r.body, re.M)]  # fmt: skip


def wait_for(check, seconds: float = 30.0):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError("not in time")


def log_of(instance_dir: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in instance_dir.glob("gunicorn-*.log"))


def post(session: requests.Session, base: str, title: str) -> None:
    answer = session.post(f"{base}/fi/tapahtumat/uusi/", data=fields(session, base, title),
                          allow_redirects=False, timeout=10)  # fmt: skip
    assert answer.status_code == 303


def test_a_worker_killed_after_its_answer_loses_no_proposal_and_none_goes_twice(
    data_dir, instance_dir
):
    pidfile = instance_dir / "gunicorn.pid"
    with smtp_server() as (mailbox, port):
        # each worker's thread waits 3 s for quiet: it is killed long before
        env = mail_env(port, KEHTO_MAIL_GATHER_SECONDS="0", KEHTO_MAIL_QUIET_SECONDS="3")
        args = ["--pid", str(pidfile)]
        with gunicorn(data_dir, instance_dir, workers=1, env=env, args=args) as base:
            master = int(pidfile.read_text())
            killed = []
            with requests.Session() as session:
                for number in range(3):
                    (worker,) = wait_for(lambda: workers_of(master))
                    post(session, base, f"Kaatunut {number}")
                    os.kill(worker, signal.SIGKILL)  # well within the thread's quiet wait
                    killed.append(worker)
                    # the next worker's mail names it
                    wait_for(lambda told=number + 1: len(named(mailbox)) >= told)
            ids = sorted(int(i) for i, p in proposals_on_disk(instance_dir).items()
                         if p["title"].startswith("Kaatunut"))  # fmt: skip
            assert len(ids) == 3 and len(set(killed)) == 3
            time.sleep(1.0)  # time for a second mail, if one were to go
            assert sorted(named(mailbox)) == ids, "each proposal named once, none lost"
        log = sorted(log_of(instance_dir).splitlines())
        received = [int(m[1]) for m in map(RECEIVED.search, log) if m]
        sent = [int(m[1]) for m in map(SENT.search, log) if m]
        assert len(received) == len(sent) == 3
        assert all(a != b for a, b in zip(received, sent, strict=True)), (
            "a later worker named each one"
        )


def test_a_restart_right_after_a_proposal_keeps_its_notification(data_dir, instance_dir):
    down = free_port()
    quiet = mail_env(down, KEHTO_MAIL_QUIET_SECONDS="30")  # the thread never gets to it
    with (
        gunicorn(data_dir, instance_dir, workers=2, env=quiet) as base,
        requests.Session() as session,
    ):
        post(session, base, "Juuri ennen uudelleenkäynnistystä")
    # gunicorn ended (TERM) right after the answer: the worker, as it ended, kept the mail
    (kept,) = (instance_dir / "outbox").glob("m*.json")
    (new,) = [int(i) for i, p in proposals_on_disk(instance_dir).items()
              if p["title"] == "Juuri ennen uudelleenkäynnistystä"]  # fmt: skip
    stored = json.loads(kept.read_text(encoding="utf-8"))
    assert stored["proposals"] == [new]
    assert stored["attempts"] == 0, "kept by the ending worker, before its thread tried"
    with smtp_server(down) as (mailbox, _):
        with gunicorn(data_dir, instance_dir, workers=2, env=mail_env(down)):
            wait_for(lambda: named(mailbox))  # the new workers send it
            time.sleep(0.5)
        assert named(mailbox) == [new]
