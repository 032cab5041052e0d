"""The form's POST with mail on: the server up, slow (2 s a message) or down, against mail off.

Part of `make bench`, or alone: `python -m bench.mail`. Each round starts the four sites
at once (1,000 events each, 2 workers, their own folders) and proposes to them in turn,
POSTS proposals each, so that all four meet the machine (its disk above all: a POST's time
is mostly the proposal's fsync) in the same state; p50 and p99 in ms over ROUNDS rounds.
Two paces: PAUSE seconds between any two proposals (people: each is told at once, the
worker's mail thread working between them), and back to back (a flood, gathered into one
mail). Target: each case's p50 within 10 % of mail off's.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tests.live import free_port
from tests.mailbox import smtp_server

from . import data
from . import proposals
from .servers import gunicorn
from .servers import site_env

EVENTS = 1_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
POSTS = 30
PAUSE = 0.5
TARGET = 1.10
CASES = ("mail off", "server up", "server slow (2 s)", "server down")


def mail_env(port: int) -> dict[str, str]:
    return {
        "KEHTO_MAIL_SERVER": "127.0.0.1", "KEHTO_MAIL_PORT": str(port),
        "KEHTO_MAIL_SECURITY": "none", "KEHTO_MAIL_SENDER": "noreply@kehto.example.fi",
        "KEHTO_MODERATORS": '["moderaattori@example.fi"]',
        "KEHTO_SITE_URL": "https://kehto.example.fi",
    }  # fmt: skip


def start(case: str, folder: Path, pause: float, stack: ExitStack) -> str:
    """One case's site (and its mail server), running until `stack` closes; its address."""
    data_dir = data.make(folder / "data", EVENTS)
    instance = folder / "instance"
    instance.mkdir()
    env = site_env(data_dir, instance)
    if case == "server up":
        env |= mail_env(stack.enter_context(smtp_server())[1])
    elif case.startswith("server slow"):
        env |= mail_env(stack.enter_context(smtp_server(delay=2.0))[1])
    elif case == "server down":
        env |= mail_env(free_port())
    if pause:
        env["KEHTO_MAIL_GATHER_SECONDS"] = "0"  # each person's proposal is told at once
    return stack.enter_context(gunicorn("wsgi:app", folder, env)).base


def one_round(pause: float) -> dict[str, list[float]]:
    took: dict[str, list[float]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory(prefix="kehto-bench-mail-") as tmp, ExitStack() as stack:
        posters = {}
        for number, case in enumerate(CASES):
            folder = Path(tmp) / str(number)
            folder.mkdir()
            poster = proposals.Poster(start(case, folder, pause, stack))
            posters[case] = stack.enter_context(poster)
        for _ in range(POSTS):
            for case, poster in posters.items():
                time.sleep(pause)
                took[case].append(poster.post())
    return took


def main() -> list[str]:
    """Print the table; return one line per case and pace: its ratio, target met or missed."""
    checks = []
    for pause, what in ((PAUSE, f"{PAUSE} s apart"), (0.0, "back to back")):
        results: dict[str, list[float]] = {case: [] for case in CASES}
        for _ in range(ROUNDS):
            for case, took in one_round(pause).items():
                results[case] += took
        base = statistics.median(results["mail off"])
        print(f"form POST {what}, {EVENTS} events, 2 workers, {ROUNDS} x {POSTS} posts", flush=True)
        for case, took in results.items():
            p50, p99 = proposals.percentiles(took)
            print(f"  {case:<20} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"({p50 / base:.2f}x mail off)", flush=True)  # fmt: skip
            if case != "mail off":
                met = "met" if p50 / base <= TARGET else "MISSED"
                checks.append(f"form POST, mail {case.removeprefix('server ')}, {what} "
                              f"{p50 / base:.2f}x mail off {met}")  # fmt: skip
    return checks


if __name__ == "__main__":
    for line in main():
        print(line)
