"""The daily purge unit runs a command that exists and does what the privacy notice says."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

from kehto_app.mail.outbox import Outbox
from tests.helpers import edit_data
from tests.helpers import proposals_on_disk
from tests.mailbox import smtp_server

ROOT = Path(__file__).resolve().parent.parent


def exec_starts(unit: Path) -> list[list[str]]:
    """The unit's ExecStart= commands in order (systemd runs each of a oneshot in turn)."""
    lines = unit.read_text(encoding="utf-8").splitlines()
    commands = [
        shlex.split(line.partition("=")[2]) for line in lines if line.startswith("ExecStart=")
    ]
    for command in commands:
        assert command[0] == "/srv/kehto/.venv/bin/flask"
        command[0] = str(Path(sys.executable).parent / "flask")
    return commands


def test_the_daily_unit_purges_then_sends_the_waiting_mail(data_dir, instance_dir):
    purge, send = exec_starts(ROOT / "deploy" / "kehto-purge.service")
    assert purge[-2:] == ["events", "purge"] and send[-2:] == ["mail", "send"]
    ended = {"title": "Mennyt ehdotus", "start": "2012-06-14", "location": "Oulu",
             "description": "x", "organiser": "Oulu", "state": "approved",
             "submitted": "2012-05-01T10:00:00+03:00", "submitter_name": "Maija",
             "submitter_email": "maija@example.org"}  # fmt: skip
    edit_data(instance_dir, "proposals.json", lambda t: t.update({"9": ended}))
    env = {**os.environ, "KEHTO_DATA_DIR": str(data_dir), "KEHTO_INSTANCE_DIR": str(instance_dir),
           "KEHTO_RETENTION_DAYS": "0"}  # fmt: skip
    done = subprocess.run(purge, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kept = proposals_on_disk(instance_dir)
    assert "submitter_email" not in kept["9"], "the ended event's proposer is forgotten"
    assert kept["4"]["submitter_email"] == "maija@example.org", "the upcoming one's is kept"
    off = subprocess.run(send, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert off.returncode == 0 and "Mail is off" in off.stderr, "no mail server: nothing to do"
    Outbox(instance_dir / "outbox").add("test", "noreply@kehto.example.fi", ["m@example.fi"],
                                        "Subject: odottanut\n\nx\n")  # fmt: skip
    with smtp_server() as (mailbox, port):
        env |= {"KEHTO_MAIL_SERVER": "127.0.0.1", "KEHTO_MAIL_PORT": str(port),
                "KEHTO_MAIL_SECURITY": "none", "KEHTO_MAIL_SENDER": "noreply@kehto.example.fi",
                "KEHTO_SITE_URL": "https://kehto.example.fi"}  # fmt: skip
        sent = subprocess.run(send, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        assert [r.subject for r in mailbox.wait(1)] == ["odottanut"]
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(ROOT / "deploy" / "kehto-purge.timer")
    assert timer["Timer"]["OnCalendar"] == "daily"
