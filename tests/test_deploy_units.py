"""The daily purge unit runs a command that exists and does what the privacy notice says."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_purge_unit_runs_the_purge_command(data_dir, instance_dir):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "kehto-purge.service")
    command = shlex.split(unit["Service"]["ExecStart"])
    assert command[0] == "/srv/kehto/.venv/bin/flask"
    command[0] = str(Path(sys.executable).parent / "flask")
    events = data_dir / "events.json"
    data = json.loads(events.read_text(encoding="utf-8"))
    data["_default"]["1"] |= {"submitter_name": "Maija", "submitter_email": "maija@example.org"}
    events.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    env = {**os.environ, "KEHTO_DATA_DIR": str(data_dir), "KEHTO_INSTANCE_DIR": str(instance_dir),
           "KEHTO_RETENTION_DAYS": "0"}  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kept = json.loads(events.read_text(encoding="utf-8"))["_default"]
    assert "submitter_email" not in kept["1"], "the ended event's proposer is forgotten"
    assert kept["3"]["submitter_email"] == "maija@example.org", "the upcoming one's is kept"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(ROOT / "deploy" / "kehto-purge.timer")
    assert timer["Timer"]["OnCalendar"] == "daily"
