"""The proposals file is the notifications' durable queue: the form's POST writes only the
proposal, the worker's thread names it later, and no proposal is named twice by workers
catching up at once. A decision's mail is in the outbox before the moderator's answer."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading

from kehto_app.content import writers
from kehto_app.mail.mails import DECISION
from kehto_app.mail.mails import NOTIFICATION
from kehto_app.mail.outbox import Outbox
from tests.helpers import proposals_on_disk
from tests.live import free_port
from tests.mailbox import smtp_server
from tests.test_mail import PROPOSER
from tests.test_mail import confirm
from tests.test_mail import link
from tests.test_mail import make_app
from tests.test_mail import propose
from tests.test_proposals import valid_form


def proposal(title: str) -> dict[str, str]:
    return {"title": title, "start": "2099-01-01", "location": "Oulu", "description": "x",
            "organiser": "Oulu", "state": "pending", "submitter_name": "Maija",
            "submitter_email": "maija@example.org"}  # fmt: skip


def named(bodies: list[str]) -> list[int]:
    return [int(n) for body in bodies for n in re.findall(r"^Ehdotus (\d+):", body, re.M)]


def test_the_form_s_post_writes_the_proposal_and_no_mail(config, instance_dir):
    app = make_app(config, free_port())
    mailer = app.extensions["kehto_mail"]
    mailer.stop()  # the worker died before its thread ran
    before = set(proposals_on_disk(instance_dir))
    answer = app.test_client().post("/fi/tapahtumat/uusi/", data=valid_form(title="Jonossa"))
    assert answer.status_code == 303
    answer.close()
    (new,) = set(proposals_on_disk(instance_dir)) - before
    assert mailer.outbox.waiting() == [], "nothing but the proposal is written for the answer"
    assert mailer.unnamed() == [int(new)]

    mailer.catch_up()  # what the next worker, the next proposal or `kehto mail send` does
    (mail,) = mailer.outbox.waiting()
    assert mail.kind == NOTIFICATION and mail.proposals == [int(new)]
    assert "Jonossa" in mail.message
    mailer.catch_up()
    assert len(mailer.outbox.waiting()) == 1 and mailer.unnamed() == []


def test_a_worker_that_ends_keeps_what_its_thread_had_still_to_name(config, instance_dir):
    app = make_app(config, free_port(), MAIL_QUIET_SECONDS=30)  # quiet for the whole test
    mailer = app.extensions["kehto_mail"]
    mailer.start()
    mailer.settle()
    answer = app.test_client().post("/fi/tapahtumat/uusi/", data=valid_form(title="Lopussa"))
    assert answer.status_code == 303
    assert mailer.outbox.waiting() == [], "the thread still waits for the requests to end"
    mailer.stop()  # what gunicorn's worker_exit does (gunicorn.conf.py)
    (kept,) = mailer.outbox.waiting()
    assert "Lopussa" in kept.message and kept.attempts == 0, "kept, not tried"


def test_workers_catching_up_at_once_name_each_proposal_once(config, instance_dir):
    with smtp_server() as (mailbox, port):
        apps = [make_app(config, port, MAIL_GATHER_SECONDS=0) for _ in range(2)]
        for app in apps:
            app.extensions["kehto_mail"].stop()
        with apps[0].app_context():
            new = [writers.propose(proposal(f"Yhtä aikaa {n}")) for n in range(5)]
        mailers = [apps[n % 2].extensions["kehto_mail"] for n in range(6)]
        threads = [threading.Thread(target=m.send_waiting) for m in mailers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(named([m.body for m in mailbox.received])) == sorted(new)


def test_the_decision_s_mail_is_in_the_outbox_before_the_answer(config, instance_dir):
    with smtp_server() as (mailbox, port):
        app = make_app(config, port, WTF_CSRF_ENABLED=True)
        client = app.test_client()
        propose(client, title="Päätettävä")
        (mail,) = mailbox.wait(1)
        reject = link(mail, "Hylkää")
        mailer = app.extensions["kehto_mail"]
        mailer.stop()  # nothing sends after the answer: what the answer left is on disk
        assert confirm(client, reject, reason="Ei sovi.").status_code == 200
        (kept,) = mailer.outbox.waiting()
        assert kept.kind == DECISION and "Perustelu: Ei sov" in kept.message.replace("=\n", "")
        assert [sent.id for sent in mailer.send_waiting().sent] == [kept.id]
        assert mailbox.wait(2)[1].recipients == [PROPOSER]


def test_a_claim_of_a_process_that_is_gone_is_taken_over_at_once(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    mail = outbox.add("test", "a@example.fi", ["b@example.fi"], "Subject: x\n\nx\n")
    (claimed,) = outbox.claim()
    assert claimed.claimer == f"{socket.gethostname()}/{os.getpid()}"
    assert outbox.claim() == [], "a live sender's claim holds"
    gone = subprocess.Popen(["true"])
    gone.wait()
    path = tmp_path / "outbox" / f"{mail.id}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(stored | {"claimer": f"{socket.gethostname()}/{gone.pid}"}))
    assert [m.id for m in outbox.claim()] == [mail.id], "its sender died: sent by another"
    stored = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(stored | {"claimer": f"another-machine/{gone.pid}"}))
    assert outbox.claim() == [], "a sender elsewhere is not known to be gone"
