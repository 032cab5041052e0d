"""wrk: one run, parsed into requests/s and latency percentiles."""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass

from .servers import Server
from .servers import cpu_seconds

DURATION = 3
THREADS = 2
CONNECTIONS = 16
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Run:
    rps: float
    p50: float
    p99: float
    errors: int


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk(url: str, headers: dict[str, str] | None = None, duration: float = DURATION) -> Run:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration:g}s", "--latency",
               "--timeout", "30s"]  # fmt: skip
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse(out)


def parse(out: str) -> Run:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.MULTILINE))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += int(found.group(1)) + int(found.group(3)) + int(found.group(4))
    return Run(rps, _ms(percentiles["50"]), _ms(percentiles["99"]), errors)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * UNITS[unit]


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50 for r in runs),
        statistics.median(r.p99 for r in runs),
        sum(r.errors for r in runs),
    )


def cpu_per_request(
    server: Server, path: str, headers: dict[str, str] | None = None, count: int = 400
) -> float:
    """The workers' CPU microseconds per request, one request at a time (steady under load)."""

    def get() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("GET", path, headers=headers or {})
        conn.getresponse().read()
        conn.close()

    for _ in range(10):
        get()
    pids = server.workers()
    before = cpu_seconds(pids)
    for _ in range(count):
        get()
    return (cpu_seconds(pids) - before) / count * 1e6
