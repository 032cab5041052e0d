"""The form's POST with mail on: the server up, slow (2 s a message) or down, against mail off.

`python -m bench.mail`: 1,000 events, 2 workers, the same POSTs as `make bench`
(`proposals.http_posts`), ROUNDS runs of each, p50 and p99 in ms: back to back (a flood,
gathered into one mail) and PAUSE seconds apart (people, each told at once).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tests.live import free_port
from tests.mailbox import smtp_server

from . import data
from . import proposals
from .__main__ import site_env
from .servers import gunicorn

EVENTS = 1_000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CASES = ("mail off", "server up", "server slow (2 s)", "server down")


def mail_env(port: int) -> dict[str, str]:
    return {
        "KEHTO_MAIL_SERVER": "127.0.0.1", "KEHTO_MAIL_PORT": str(port),
        "KEHTO_MAIL_SECURITY": "none", "KEHTO_MAIL_SENDER": "noreply@kehto.example.fi",
        "KEHTO_MODERATORS": '["moderaattori@example.fi"]',
        "KEHTO_SITE_URL": "https://kehto.example.fi",
    }  # fmt: skip


PAUSE = 0.5


def run(case: str, folder: Path, pause: float) -> list[float]:
    data_dir = data.make(folder / "data", EVENTS)
    instance = folder / "instance"
    instance.mkdir()
    with ExitStack() as stack:
        env = site_env(data_dir, instance)
        if case == "server up":
            _, port = stack.enter_context(smtp_server())
            env |= mail_env(port)
        elif case.startswith("server slow"):
            _, port = stack.enter_context(smtp_server(delay=2.0))
            env |= mail_env(port)
        elif case == "server down":
            env |= mail_env(free_port())
        if pause:
            env["KEHTO_MAIL_GATHER_SECONDS"] = "0"  # each person's proposal is told at once
        site = stack.enter_context(gunicorn("wsgi:app", folder, env))
        return proposals.http_posts(site.base, data_dir, EVENTS, pause=pause)


def main() -> None:
    for pause, what in ((PAUSE, f"{PAUSE} s apart"), (0.0, "back to back")):
        results: dict[str, list[float]] = {case: [] for case in CASES}
        for _ in range(ROUNDS):
            for case in CASES:
                with tempfile.TemporaryDirectory(prefix="kehto-bench-mail-") as tmp:
                    results[case] += run(case, Path(tmp), pause)
        base = statistics.median(results["mail off"])
        print(f"form POST {what}, {EVENTS} events, 2 workers, {ROUNDS} x {proposals.WRITES} posts")
        for case, took in results.items():
            p50, p99 = proposals.percentiles(took)
            print(f"  {case:<20} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"({p50 / base:.2f}x mail off)")  # fmt: skip


if __name__ == "__main__":
    main()
