"""A real gunicorn on 127.0.0.1 for tests that need processes: started and ended by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    data_dir: Path,
    instance_dir: Path,
    *,
    workers: int = 2,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
) -> Iterator[str]:
    """Serve the site from `data_dir`; yield its base URL; stop it whatever happens."""
    port = free_port()
    log = open(instance_dir / f"gunicorn-{port}.log", "wb")  # noqa: SIM115
    environment = {
        **os.environ,
        "KEHTO_DATA_DIR": str(data_dir),
        "KEHTO_INSTANCE_DIR": str(instance_dir),
        "KEHTO_SECRET_KEY": "live-test-secret",
        "KEHTO_MIN_FILL_SECONDS": "0",  # scripted posts; a test that wants the rule sets it
        **(env or {}),
    }
    command = [
        str(BIN / "gunicorn"),
        "wsgi:app",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *(args or []),
    ]
    proc = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc)
        yield base
    finally:
        stop(proc)
        log.close()


def _wait_until_up(base: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start in time")


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """End a process we started, by its PID: TERM, then KILL."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def workers_of(master: int) -> set[int]:
    """The PIDs of a gunicorn master's workers (its child processes)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}
