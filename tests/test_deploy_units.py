"""The daily purge unit runs a command that exists and does what the privacy notice says."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.helpers import edit_data
from tests.helpers import proposals_on_disk

ROOT = Path(__file__).resolve().parent.parent


def test_the_purge_unit_runs_the_purge_command(data_dir, instance_dir):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "kehto-purge.service")
    command = shlex.split(unit["Service"]["ExecStart"])
    assert command[0] == "/srv/kehto/.venv/bin/flask"
    command[0] = str(Path(sys.executable).parent / "flask")
    ended = {"title": "Mennyt ehdotus", "start": "2012-06-14", "location": "Oulu",
             "description": "x", "organiser": "Oulu", "state": "approved",
             "submitted": "2012-05-01T10:00:00+03:00", "submitter_name": "Maija",
             "submitter_email": "maija@example.org"}  # fmt: skip
    edit_data(instance_dir, "proposals.json", lambda t: t.update({"9": ended}))
    env = {**os.environ, "KEHTO_DATA_DIR": str(data_dir), "KEHTO_INSTANCE_DIR": str(instance_dir),
           "KEHTO_RETENTION_DAYS": "0"}  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kept = proposals_on_disk(instance_dir)
    assert "submitter_email" not in kept["9"], "the ended event's proposer is forgotten"
    assert kept["4"]["submitter_email"] == "maija@example.org", "the upcoming one's is kept"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(ROOT / "deploy" / "kehto-purge.timer")
    assert timer["Timer"]["OnCalendar"] == "daily"
