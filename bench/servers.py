"""Processes the benchmark starts: gunicorn and nginx, each stopped by its PID."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.live import free_port
from tests.live import stop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = 2
# The same settings for the site and for hello world: sync workers, no access log.
GUNICORN = ["--workers", str(WORKERS), "--worker-class", "sync", "--timeout", "300",
            "--log-level", "warning"]  # fmt: skip


def site_env(data_dir: Path, instance_dir: Path) -> dict[str, str]:
    return {
        "KEHTO_DATA_DIR": str(data_dir),
        "KEHTO_INSTANCE_DIR": str(instance_dir),
        "KEHTO_SECRET_KEY": "bench-secret",
        "KEHTO_RATE_LIMIT": "[1000000, 60]",
        "KEHTO_MIN_FILL_SECONDS": "0",  # the bench posts at once
    }


@contextmanager
def gunicorn(app: str, folder: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`gunicorn app` on a free loopback port, logging into `folder`."""
    port = free_port()
    command = [str(BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", *GUNICORN]
    log = open(folder / f"gunicorn-{port}.log", "wb")  # noqa: SIM115
    environment = {**os.environ, **(env or {})}
    proc = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    server = Server(proc, f"http://127.0.0.1:{port}", port)
    try:
        server.wait_until_up()
        yield server
    finally:
        stop(proc)
        log.close()


class Server:
    def __init__(self, proc: subprocess.Popen, base: str, port: int) -> None:
        self.proc = proc
        self.base = base
        self.port = port

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.proc.args[1]} exited with {self.proc.returncode}")
            try:
                requests.get(self.base + "/", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"{self.proc.args[1]} did not start in time")

    def workers(self) -> list[int]:
        """The gunicorn master's children."""
        pid = self.proc.pid
        path = Path(f"/proc/{pid}/task/{pid}/children")
        if path.exists():
            return [int(p) for p in path.read_text().split()]
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
        return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
