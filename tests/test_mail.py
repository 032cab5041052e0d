"""The maintainer hears of every proposal and moderates it from the mail; the proposer hears
of the decision. A real SMTP server (aiosmtpd) on loopback receives every mail."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kehto_app import create_app
from kehto_app.mail import mails
from kehto_app.mail.links import make_token
from kehto_app.mail.outbox import Outbox
from kehto_app.mail.settings import Settings
from kehto_app.mail.smtp import deliver
from tests.helpers import edit_data
from tests.helpers import events_on_disk
from tests.helpers import in_lang
from tests.helpers import proposals_on_disk
from tests.live import free_port
from tests.mailbox import Mailbox
from tests.mailbox import Received
from tests.mailbox import mail_settings
from tests.mailbox import smtp_server
from tests.test_proposals import csrf_token
from tests.test_proposals import valid_form

SITE = "https://kehto.example.fi"
MODERATORS = ["moderaattori@example.fi", "toinen@example.fi"]
PROPOSER = "pekka.proposer@example.org"


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mailbox(server: tuple[Mailbox, int]) -> Mailbox:
    return server[0]


def make_app(config: dict, port: int, **more: object) -> Flask:
    return create_app({**config, **mail_settings(port), **more})


@pytest.fixture
def mail_app(config: dict, server: tuple[Mailbox, int]) -> Iterator[Flask]:
    """The site with mail on, CSRF protection on, sending to the loopback server."""
    app = make_app(config, server[1], WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["kehto_mail"].stop()


def propose(client: FlaskClient, lang: str = "fi", **changes: str) -> None:
    """A person sends the form; the response is closed, as a WSGI server closes it; the
    worker's mail thread has done what the proposal woke it for."""
    form = client.get(in_lang(lang, "/events/new/"))
    data = valid_form(**changes)
    if "csrf_token" in form.text:
        data["csrf_token"] = csrf_token(form.text)
    answer = client.post(in_lang(lang, "/events/new/"), data=data)
    assert answer.status_code == 303, answer.text
    answer.close()
    client.application.extensions["kehto_mail"].settle()


def link(mail: Received, label: str) -> str:
    """The path of the review link after `label` in the mail, checked to be on KEHTO_SITE_URL."""
    match = re.search(rf"^{label}: (\S+)", mail.body, re.M)
    assert match, f"no {label} link in:\n{mail.body}"
    assert match.group(1).startswith(SITE + "/"), match.group(1)
    return match.group(1).removeprefix(SITE)


def confirm(client: FlaskClient, path: str, **form: str):
    page = client.get(path)
    assert page.status_code == 200, page.text
    answer = client.post(path, data={"csrf_token": csrf_token(page.text), **form})
    answer.close()
    return answer


def test_a_proposal_is_mailed_to_each_moderator_and_approved_from_the_link(
    mail_app, mailbox, data_dir, instance_dir
):
    client = mail_app.test_client()
    propose(client, title="Hulevesiseminaari", location="Tampere-talo", organiser="Tampere")
    (mail,) = mailbox.wait(1)
    assert sorted(mail.recipients) == sorted(MODERATORS), "one mail, to each moderator once"
    assert mail.subject == "Uusi tapahtumaehdotus: Hulevesiseminaari"
    assert mail.message["Content-Language"] == "fi"
    new_id = int(link(mail, "Hylkää").split("/")[4])
    for shown in ("Hulevesiseminaari", "Tampere-talo", "Järjestäjä: Tampere",
                  "Ensimmäinen kappale.", "Toinen kappale.", "Pekka Proposer-Testaaja", PROPOSER,
                  "https://www.esimerkki.fi/tyopaja", f"kehto events approve {new_id}",
                  f"kehto events reject {new_id}"):  # fmt: skip
        assert shown in mail.body, shown
    approve, reject = link(mail, "Hyväksy ja julkaise"), link(mail, "Hylkää")
    assert approve != reject
    assert proposals_on_disk(instance_dir)[str(new_id)]["title"] == "Hulevesiseminaari"

    before = events_on_disk(data_dir)
    page = client.get(approve)  # what a mail scanner does: nothing changes
    assert page.status_code == 200 and "Hulevesiseminaari" in page.text
    assert '<form method="post"' in page.text and 'name="csrf_token"' in page.text
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    assert "private" in page.headers["Cache-Control"]
    assert events_on_disk(data_dir) == before
    assert proposals_on_disk(instance_dir)[str(new_id)]["state"] == "pending"

    done = confirm(client, approve)
    assert done.status_code == 200 and "Tapahtuma on julkaistu" in done.text
    assert events_on_disk(data_dir)[str(new_id)]["title"] == "Hulevesiseminaari"
    assert "Hulevesiseminaari" in client.get("/fi/tapahtumat/").text
    calendar = icalendar.Calendar.from_ical(client.get("/events.ics").data)
    assert "Hulevesiseminaari" in [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]

    told = mailbox.wait(2)[1]
    assert told.recipients == [PROPOSER]
    assert told.subject == "Tapahtumasi on julkaistu: Hulevesiseminaari"
    assert f"{SITE}/fi/tapahtumat/{new_id}/" in told.body

    again = client.get(approve)
    assert again.status_code == 409 and "Ehdotus on jo käsitelty" in again.text
    published = events_on_disk(data_dir)
    posted = client.post(approve, data={"csrf_token": csrf_token(page.text)})
    assert posted.status_code == 409
    assert client.get(reject).status_code == 409, "the other link is used up too"
    assert events_on_disk(data_dir) == published
    assert proposals_on_disk(instance_dir)[str(new_id)]["state"] == "approved"
    assert len(mailbox.received) == 2


def test_rejecting_with_a_reason_tells_the_proposer_in_swedish(mail_app, mailbox, instance_dir):
    client = mail_app.test_client()
    propose(client, "sv", title="Gatuunderhåll i Vasa")
    (mail,) = mailbox.wait(1)
    assert mail.message["Content-Language"] == "fi", "the moderators read Finnish"
    reject = link(mail, "Hylkää")
    page = client.get(reject.replace("/fi/tapahtumat/tarkista/", "/sv/evenemang/granska/"))
    assert page.status_code == 200 and "Avslå evenemangsförslaget" in page.text
    assert 'for="reason"' in page.text
    answer = confirm(client, reject, reason="Evenemanget hör inte till forumets område.")
    assert answer.status_code == 200 and "Ehdotus on hylätty" in answer.text
    told = mailbox.wait(2)[1]
    assert told.recipients == [PROPOSER]
    assert told.message["Content-Language"] == "sv"
    assert told.subject == "Ditt evenemangsförslag publicerades inte: Gatuunderhåll i Vasa"
    assert "Motivering: Evenemanget hör inte till forumets område." in told.body
    assert f"{SITE}/sv/kontakt/" in told.body
    (stored,) = [p for p in proposals_on_disk(instance_dir).values() if p.get("lang") == "sv"]
    assert stored["state"] == "rejected"
    assert stored["reason"] == "Evenemanget hör inte till forumets område."


def _pending_links(app: Flask, mailbox: Mailbox) -> tuple[str, str, int]:
    client = app.test_client()
    propose(client, title="Linkkien testi")
    (mail,) = mailbox.wait(1)
    approve = link(mail, "Hyväksy ja julkaise")
    proposal_id = int(approve.split("/")[4])
    return approve, link(mail, "Hylkää"), proposal_id


def test_a_tampered_another_s_an_expired_or_unknown_link_and_a_get_publish_nothing(
    config, server, data_dir, instance_dir, clock
):
    mailbox, port = server
    app = make_app(config, port)
    approve, _, proposal_id = _pending_links(app, mailbox)
    client = app.test_client()
    before = events_on_disk(data_dir), proposals_on_disk(instance_dir)

    prefix, token = approve.rsplit("/", 2)[0], approve.rsplit("/", 2)[1]
    tampered = f"{prefix}/{token[:-3]}{'AAA' if token[-3:] != 'AAA' else 'BBB'}/"
    other = approve.replace(f"/tarkista/{proposal_id}/", "/tarkista/4/")
    with app.app_context():
        unknown = (
            f"/fi/tapahtumat/tarkista/999/{make_token('test-secret', 999, 'approve', 'pending')}/"
        )
    cases = {
        tampered: (400, "Linkki ei kelpaa"),
        other: (400, "Linkki ei kelpaa"),
        unknown: (404, "Ehdotusta ei löytynyt"),
    }
    for path, (status, says) in cases.items():
        for method in (client.get, client.post):
            answer = method(path)
            assert answer.status_code == status, (path, answer.status_code)
            assert says in answer.text
    swedish = client.get(tampered.replace("/fi/tapahtumat/tarkista/", "/sv/evenemang/granska/"))
    assert swedish.status_code == 400 and "Länken är inte giltig" in swedish.text
    assert client.get(approve).status_code == 200, "a plain GET of the link changes nothing"
    assert (events_on_disk(data_dir), proposals_on_disk(instance_dir)) == before

    clock.set(clock.at + timedelta(days=30, minutes=1))
    for method in (client.get, client.post):
        expired = method(approve)
        assert expired.status_code == 410 and "Linkki on vanhentunut" in expired.text
    assert (events_on_disk(data_dir), proposals_on_disk(instance_dir)) == before
    app.extensions["kehto_mail"].stop()


def test_a_link_made_for_the_pending_state_cannot_approve_after_a_rejection(
    config, server, data_dir, runner
):
    mailbox, port = server
    app = make_app(config, port)
    approve, reject, proposal_id = _pending_links(app, mailbox)
    client = app.test_client()
    assert client.post(reject, data={"reason": ""}).status_code == 200
    assert client.post(approve).status_code == 409
    assert str(proposal_id) not in events_on_disk(data_dir)
    app.extensions["kehto_mail"].stop()


def test_with_the_mail_server_down_five_proposals_succeed_and_are_sent_once_later(
    config, instance_dir
):
    port = free_port()  # nothing listens there yet
    app = make_app(config, port)
    client = app.test_client()
    for number in range(5):
        propose(client, title=f"Ehdotus numero {number}")
    mailer = app.extensions["kehto_mail"]
    mailer.stop()  # no more tries from the worker's thread: the command sends
    proposals = {int(i) for i, p in proposals_on_disk(instance_dir).items()
                 if p["title"].startswith("Ehdotus numero")}  # fmt: skip
    assert len(proposals) == 5
    waiting = mailer.outbox.waiting()
    assert {i for m in waiting for i in m.proposals} == proposals, "nothing is lost"

    status = app.test_cli_runner().invoke(args=["kehto", "mail", "status"])
    assert "ConnectionRefusedError" in status.output
    with smtp_server(port) as (mailbox, _):
        sent = app.test_cli_runner().invoke(args=["kehto", "mail", "send"])
        assert sent.exit_code == 0, sent.output
        again = app.test_cli_runner().invoke(args=["kehto", "mail", "send"])
        assert again.exit_code == 0 and "Sent 0 mail(s); 0 waiting." in again.output
    mentioned = [
        int(n) for r in mailbox.received for n in re.findall(r"^Ehdotus (\d+):", r.body, re.M)
    ]
    assert sorted(mentioned) == sorted(proposals), "each proposal in exactly one mail"
    assert len(mailbox.received) <= 2, "gathered, not one mail each"
    assert mailer.outbox.waiting() == []


def test_a_forged_host_header_never_reaches_the_links(config, server, mailbox):
    app = make_app(config, server[1])
    client = app.test_client()
    answer = client.post(
        "/fi/tapahtumat/uusi/", data=valid_form(), headers={"Host": "evil.example"}
    )
    assert answer.status_code == 303
    answer.close()
    (mail,) = mailbox.wait(1)
    assert "evil.example" not in mail.message.as_string()
    ours = [url for url in mail.links() if url != valid_form()["link"]]
    assert len(ours) == 2 and all(url.startswith(SITE + "/fi/tapahtumat/tarkista/") for url in ours)
    app.extensions["kehto_mail"].stop()


def test_proposals_faster_than_one_per_five_minutes_are_gathered_into_one_mail(
    config, server, clock, instance_dir
):
    mailbox, port = server
    app = make_app(config, port)
    client = app.test_client()
    propose(client, title="Ensimmäinen")
    (first,) = mailbox.wait(1)
    assert "Ensimmäinen" in first.subject
    clock.set(clock.at + timedelta(minutes=1))
    propose(client, title="Toinen")
    propose(client, title="Kolmas")
    mailer = app.extensions["kehto_mail"]
    (waiting,) = mailer.outbox.waiting()
    assert len(waiting.proposals) == 2 and waiting.due_at == clock.at + timedelta(minutes=4)
    assert len(mailbox.received) == 1, "not sent before five minutes have passed"
    clock.set(clock.at + timedelta(minutes=4, seconds=1))
    mailer.send_soon()
    gathered = mailbox.wait(2)[1]
    assert gathered.subject == "2 uutta tapahtumaehdotusta"
    assert "Toinen" in gathered.body and "Kolmas" in gathered.body
    assert gathered.body.count("Hyväksy ja julkaise: ") == 2
    mailer.stop()


def test_a_failed_mail_is_tried_again_with_backoff(config, instance_dir, clock):
    port = free_port()
    app = make_app(config, port)
    mailer = app.extensions["kehto_mail"]
    mailer.stop()
    with app.app_context():
        mailer.outbox.add("test", "noreply@kehto.example.fi", ["a@example.fi"], "Subject: x\n\nx\n")
    for attempt, wait in enumerate([60, 120, 240, 480], start=1):
        report = mailer.send_waiting()
        assert len(report.failed) == 1 and report.failed[0].attempts == attempt
        assert report.failed[0].due_at == clock.at + timedelta(seconds=wait)
        assert mailer.send_waiting().failed == [], "not tried again before its time"
        clock.set(clock.at + timedelta(seconds=wait))
    assert mails.backoff(50) == timedelta(hours=6)
    with smtp_server(port) as (mailbox, _):
        assert len(mailer.send_waiting().sent) == 1
    assert len(mailbox.received) == 1
    status = app.test_cli_runner().invoke(args=["kehto", "mail", "status"])
    assert (
        "0 mail(s) waiting." in status.output
        and "Last error: ConnectionRefusedError" in status.output
    )


def test_no_two_senders_send_one_mail(tmp_path):
    """Workers share the outbox: each claims under its lock, so each mail goes once."""
    with smtp_server(delay=0.2) as (mailbox, port):
        settings = Settings.of(mail_settings(port))
        first = Outbox(tmp_path / "outbox")
        for number in range(6):
            first.add(
                "test", settings.sender, [f"r{number}@example.fi"], f"Subject: {number}\n\nx\n"
            )
        workers = [Outbox(tmp_path / "outbox") for _ in range(4)]
        threads = [threading.Thread(target=deliver, args=(box, settings)) for box in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(r.recipients[0] for r in mailbox.received) == [
            f"r{n}@example.fi" for n in range(6)
        ]
        assert first.waiting() == []


def test_mail_test_sends_a_message_and_says_when_it_cannot(config, server):
    mailbox, port = server
    runner = make_app(config, port).test_cli_runner()
    done = runner.invoke(args=["kehto", "mail", "test", "maija@example.fi"])
    assert done.exit_code == 0, done.output
    (mail,) = mailbox.wait(1)
    assert mail.recipients == ["maija@example.fi"] and mail.subject == "KEHTO-foorumin testiviesti"
    down = make_app(config, free_port()).test_cli_runner()
    failed = down.invoke(args=["kehto", "mail", "test", "maija@example.fi"])
    assert failed.exit_code == 1 and "ConnectionRefusedError" in failed.output
    assert "Traceback" not in failed.output


def test_without_a_mail_server_nothing_is_kept_and_check_says_so_once(client, runner, instance_dir):
    propose(client)
    assert not (instance_dir / "outbox").exists() or not list((instance_dir / "outbox").glob("m*"))
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 0
    assert result.output.count("Mail is off") == 1
    sent = runner.invoke(args=["kehto", "mail", "send"])
    assert sent.exit_code == 0 and "Mail is off" in sent.output


def test_check_reports_wrong_mail_settings(config):
    app = create_app({**config, "MAIL_SERVER": "127.0.0.1", "MAIL_SECURITY": "tls",
                      "MODERATORS": ["not an address"], "SITE_URL": "kehto.example.fi"})  # fmt: skip
    result = app.test_cli_runner().invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    for said in ("KEHTO_MAIL_SECURITY", "KEHTO_MODERATORS", "KEHTO_SITE_URL", "KEHTO_MAIL_SENDER"):
        assert said in result.output


def test_the_command_line_decision_tells_the_proposer_too(config, server, instance_dir):
    mailbox, port = server
    runner = make_app(config, port).test_cli_runner()
    result = runner.invoke(args=["kehto", "events", "reject", "4", "--reason", "Päällekkäinen."])
    assert result.exit_code == 0, result.output
    assert "The proposer was sent a mail" in result.output
    (told,) = mailbox.wait(1)
    assert told.recipients == [proposals_on_disk(instance_dir)["4"]["submitter_email"]]
    assert "Perustelu: Päällekkäinen." in told.body


def test_the_purge_removes_unsent_mails_about_purged_proposals(config, instance_dir):
    app = make_app(config, free_port(), RETENTION_DAYS=0)
    mailer = app.extensions["kehto_mail"]
    mailer.stop()
    ended = {"title": "Mennyt", "start": "2012-06-14", "location": "Oulu", "description": "x",
             "organiser": "Oulu", "state": "pending", "submitter_name": "Maija",
             "submitter_email": "maija@example.org"}  # fmt: skip
    edit_data(instance_dir, "proposals.json", lambda t: t.update({"9": ended}))
    with app.app_context():
        mailer.outbox.add("notification", "a@b.fi", ["m@b.fi"], "maija@example.org", [9])
        mailer.outbox.add("notification", "a@b.fi", ["m@b.fi"], "other", [4])
    result = app.test_cli_runner().invoke(args=["kehto", "events", "purge"])
    assert result.exit_code == 0, result.output
    left = mailer.outbox.waiting()
    assert [m.proposals for m in left] == [[4]]
    files = " ".join(p.read_text() for p in (instance_dir / "outbox").iterdir() if p.is_file())
    assert "maija@example.org" not in files


def test_the_outbox_is_private_and_its_mails_whole(config, server, instance_dir):
    port = free_port()
    app = make_app(config, port)
    propose(app.test_client())
    app.extensions["kehto_mail"].stop()
    folder = instance_dir / "outbox"
    assert folder.stat().st_mode & 0o777 == 0o700
    (mail,) = folder.glob("m*.json")
    assert mail.stat().st_mode & 0o777 == 0o600
    stored = json.loads(mail.read_text(encoding="utf-8"))
    assert stored["kind"] == "notification" and stored["recipients"] == MODERATORS
    assert not list(folder.glob(".*.tmp")), "no temp file is left behind"


def test_the_notification_lists_every_field_of_the_proposal(config, server, mailbox):
    app = make_app(config, server[1])
    propose(app.test_client(), end_date="", end_time="15:00")
    (mail,) = mailbox.wait(1)
    app.extensions["kehto_mail"].stop()
    from kehto_app.content.kinds import PROPOSALS

    labels = {"title": "Tapahtuman nimi", "start": "Alkaa", "end": "Päättyy", "location": "Paikka",
              "description": "Kuvaus", "organiser": "Järjestäjä", "link": "Verkkosivu",
              "submitter_name": "Ehdottaja", "submitter_email": "Ehdottajan sähköposti",
              "submitted": "Lähetetty", "lang": "Lomakkeen kieli"}  # fmt: skip
    for name in PROPOSALS.fields:
        if name in labels:
            assert f"{labels[name]}:" in mail.body, name


@pytest.mark.parametrize("path", ["/fi/tapahtumat/tarkista/4/x/", "/en/events/review/4/x/"])
def test_review_pages_are_never_cached_or_listed(client, path):
    page = client.get(path)
    assert page.status_code == 400
    assert "private" in page.headers["Cache-Control"]
    assert "review" not in client.get("/sitemap.xml").text


def test_the_daily_timer_sends_the_mail(tmp_path: Path):
    unit = (Path(__file__).parent.parent / "deploy" / "kehto-purge.service").read_text()
    assert "kehto mail send" in unit


def test_a_proposal_whose_worker_died_before_its_mail_is_named_in_the_next_one(
    config, server, instance_dir
):
    mailbox, port = server
    app = make_app(config, port)
    mailer = app.extensions["kehto_mail"]
    mailer.stop()
    mailer.outbox.notified_through(4)
    lost = {"title": "Unohtunut", "start": "2099-01-01", "location": "Oulu", "description": "x",
            "organiser": "Oulu", "state": "pending", "submitter_name": "Maija",
            "submitter_email": "maija@example.org"}  # fmt: skip
    edit_data(instance_dir, "proposals.json", lambda t: t.update({"9": lost}))
    status = app.test_cli_runner().invoke(args=["kehto", "mail", "status"])
    assert "Not in a notification yet: proposal(s) 9 " in status.output
    result = app.test_cli_runner().invoke(args=["kehto", "mail", "send"])
    assert result.exit_code == 0, result.output
    (mail,) = mailbox.wait(1)
    assert mail.subject == "Uusi tapahtumaehdotus: Unohtunut"
    assert "Ehdotus 4:" not in mail.body, "the ones named before are not named again"


def test_a_review_link_s_token_is_not_in_the_access_log(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="kehto_app.access"):
        client.get("/fi/tapahtumat/tarkista/4/c2VjcmV0LXRva2Vu.abc/")
    lines = [r.getMessage() for r in caplog.records if r.name == "kehto_app.access"]
    assert lines and all("c2VjcmV0LXRva2Vu" not in line for line in lines)
    assert any("/fi/tapahtumat/tarkista/4/-" in line for line in lines)
