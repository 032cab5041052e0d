"""`make bench`: the site and a bare Flask app under the same gunicorn settings, driven by wrk.

Environment: BENCH_DURATION (seconds per wrk run, 3), BENCH_ROUNDS (alternating rounds, 3).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from . import data
from . import load
from . import mail
from . import nginx
from . import proposals
from . import reload
from .load import Run
from .servers import GUNICORN
from .servers import Server
from .servers import gunicorn
from .servers import rss_mb
from .servers import site_env

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = float(os.environ.get("BENCH_DURATION", str(load.DURATION)))
SIZES = (50, 10_000)
PAGES = [  # label, path, conditional
    ("front page fi", "/fi/", False),
    ("front page sv", "/sv/", False),
    ("events page", "/fi/tapahtumat/", False),
    ("event page", "/fi/tapahtumat/1/", False),
    ("conditional GET (304)", "/fi/", True),
    ("news list", "/fi/ajankohtaista/", False),
    ("news item", "/fi/ajankohtaista/1/", False),
    ("search", "/fi/haku/?q=kunnissa", False),
    ("/events.ics", "/events.ics", False),
]
TARGETS = {"front page fi": 0.8, "front page sv": 0.8, "events page": 0.8, "event page": 0.8,
           "conditional GET (304)": 0.9, "news list": 0.8, "news item": 0.8}  # fmt: skip
TARGET_10K = 0.7


def say(text: str = "") -> None:
    print(text, flush=True)


def warm(site: Server, paths: list[str]) -> None:
    """Each path a few times at once, so that both workers have it rendered."""
    with ThreadPoolExecutor(4) as pool:
        for path in paths:
            answers = list(
                pool.map(lambda _, p=path: requests.get(site.base + p, timeout=300), range(6))
            )
            bad = [a.status_code for a in answers if a.status_code != 200]
            if bad:
                raise RuntimeError(f"{path} answered {bad}")


def cpu(hello: Server, site: Server, etag: str | None) -> dict[str, float]:
    """Worker CPU per request, sequential requests: a ratio that holds on a busy machine."""
    found = {"hello world": load.cpu_per_request(hello, "/")}
    for label, path, conditional in PAGES:
        if conditional and etag is None:
            continue
        headers = {"If-None-Match": etag} if conditional else None
        found[label] = load.cpu_per_request(site, path, headers)
    return found


def measure(hello: Server, site: Server, etag: str | None) -> tuple[dict[str, Run], Run]:
    """Alternating rounds: hello world, then two pages, hello world, two pages, ..."""
    runs: dict[str, list[Run]] = {label: [] for label, _, _ in PAGES}
    hellos: list[Run] = []
    for number in range(1, ROUNDS + 1):
        say(f"  round {number}/{ROUNDS}")
        for index, (label, path, conditional) in enumerate(PAGES):
            if index % 2 == 0:
                hellos.append(load.wrk(hello.base + "/", duration=DURATION))
            if conditional and etag is None:
                continue
            headers = {"If-None-Match": etag} if conditional else None
            runs[label].append(load.wrk(site.base + path, headers, duration=DURATION))
    return {k: load.median(v) for k, v in runs.items() if v}, load.median(hellos)


def front_etag(site: Server) -> str | None:
    tag = requests.get(site.base + "/fi/", timeout=60).headers.get("ETag")
    if (
        tag
        and requests.get(site.base + "/fi/", headers={"If-None-Match": tag}, timeout=60).status_code
        == 304
    ):
        return tag
    return None


def run_nginx(site: Server, folder: Path) -> tuple[Run, Run] | str:
    reason = nginx.missing()
    if reason:
        return reason
    page = requests.get(site.base + "/fi/", timeout=60).content
    host = {"Host": nginx.DOMAIN}
    with nginx.nginx(site.base.removeprefix("http://"), folder, page) as (proxied, static):
        for url in (proxied, static):
            answer = requests.get(url, headers=host, timeout=60)
            if answer.status_code != 200:
                return f"{url} answered {answer.status_code} through nginx"
        cached, files = [], []
        for _ in range(ROUNDS):
            files.append(load.wrk(static, host, duration=DURATION))
            cached.append(load.wrk(proxied, host, duration=DURATION))
        status = requests.get(proxied, headers=host, timeout=60).headers.get("X-Cache-Status", "?")
        say(f"  nginx cache status of the front page after the runs: {status}")
    return load.median(cached), load.median(files)


def fmt(run: Run, hello: Run) -> str:
    errors = f" ({run.errors} errors)" if run.errors else ""
    return f"{run.rps:8.0f} {run.p50:7.2f} {run.p99:7.2f} {run.rps / hello.rps:6.2f}x{errors}"


def main() -> int:
    if load.wrk_path() is None:
        say("wrk is missing: apt-get install wrk")
        return 1
    started = time.monotonic()
    say(f"make bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"gunicorn {' '.join(GUNICORN)}, "
        f"wrk -t{load.THREADS} -c{load.CONNECTIONS} -d{DURATION:g}s, {ROUNDS} rounds")  # fmt: skip
    results: dict[int, tuple[dict[str, Run], Run]] = {}
    rss: list[float] = []
    cpus: dict[int, dict[str, float]] = {}
    nginx_result: tuple[Run, Run] | str = "not run"
    posts: dict[int, tuple[float, float]] = {}
    writes: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kehto-bench-") as tmp:
        folder = Path(tmp)
        with gunicorn("bench.hello:app", folder) as hello:
            for count in SIZES:
                say(f"site with {count} events")
                data_dir = data.make(folder / f"data-{count}", count)
                instance = folder / f"instance-{count}"
                instance.mkdir()
                with gunicorn("wsgi:app", folder, site_env(data_dir, instance)) as site:
                    warm(site, [path for _, path, _ in PAGES])
                    etag = front_etag(site)
                    if etag is None:
                        say("  no ETag/304 on the front page: the conditional GET row is skipped")
                    results[count] = measure(hello, site, etag)
                    cpus[count] = cpu(hello, site, etag)
                    if count == SIZES[0]:
                        say("nginx: deploy/ site with its cache, against a static file")
                        nginx_result = run_nginx(site, folder / "nginx")
                    else:
                        rss = [rss_mb(pid) for pid in site.workers()]
                        say("event proposals over HTTP (form POST with CSRF, 2 workers)")
                        for n in (100, 1_000, 10_000):
                            posts[n] = proposals.percentiles(
                                proposals.http_posts(site.base, data_dir, n)
                            )
        say("event proposals through the store alone (one process)")
        for n in (100, 1_000, 10_000):
            store = data.make(folder / f"store-{n}", n)
            writes[n] = proposals.percentiles(proposals.store_writes(store, n))
        say("the reload after a proposal, 10,000 events")
        reloads = reload.reload_after_proposals(data.make(folder / "reload", 10_000), 10_000)
    report(results, rss, nginx_result, posts, writes)
    own, other = reloads
    say(
        f"\nreload after a proposal at 10,000 events (p50): the proposing worker {own:.1f} ms, "
        f"another worker {other:.1f} ms (target <= 120 ms) {'met' if other <= 120 else 'MISSED'}"
    )
    report_cpu(cpus)
    say("\nthe form's POST with mail on (a real SMTP server on loopback, or none), 1,000 events")
    say("mail targets: " + "; ".join(mail.main()))
    say(
        f"\nmake bench took {time.monotonic() - started:.0f} s; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    return 0


def report(results, rss, nginx_result, posts, writes) -> None:
    say(
        "\n                        "
        + "".join(f"| {count:>6} events: req/s  p50 ms  p99 ms  ratio " for count in SIZES)
    )
    labels = ["hello world"] + [label for label, _, _ in PAGES]
    for label in labels:
        cells = []
        for count in SIZES:
            pages, hello = results[count]
            run = hello if label == "hello world" else pages.get(label)
            cells.append(f"| {fmt(run, hello):<45}" if run else f"| {'skipped':<45}")
        say(f"{label:<24}" + "".join(cells))
    say("\nRatios to hello world (markdown):\n")
    say("| page | " + " | ".join(f"{c:,} events" for c in SIZES) + " | target |")
    say("| --- | " + " | ".join("---:" for _ in SIZES) + " | --- |")
    for label, _, _ in PAGES:
        cells = []
        for count in SIZES:
            pages, hello = results[count]
            run = pages.get(label)
            cells.append(f"{run.rps / hello.rps:.2f}x" if run else "skipped")
        target = TARGETS.get(label)
        goal = f">= {target}x, >= {TARGET_10K}x with 10,000" if target else "-"
        say(f"| {label} | " + " | ".join(cells) + f" | {goal} |")
    say("\n| event proposal | p50 ms (HTTP) | p99 ms (HTTP) | p50 ms (store) | p99 ms (store) |")
    say("| --- | ---: | ---: | ---: | ---: |")
    for n in posts or writes:
        http = posts.get(n, (float("nan"), float("nan")))
        store = writes.get(n, (float("nan"), float("nan")))
        say(f"| {n:,} events | {http[0]:.1f} | {http[1]:.1f} | {store[0]:.1f} | {store[1]:.1f} |")
    say(
        f"\nworker RSS with 10,000 events: {', '.join(f'{m:.0f} MB' for m in rss)} "
        "(target <= 120 MB)"
    )
    if isinstance(nginx_result, str):
        say(f"nginx: skipped, {nginx_result}")
    else:
        cached, files = nginx_result
        say(f"nginx front page from its cache: {cached.rps:.0f} req/s, p50 {cached.p50:.2f} ms; "
            f"static file: {files.rps:.0f} req/s, p50 {files.p50:.2f} ms; "
            f"ratio {cached.rps / files.rps:.2f}x (target >= 0.5x)")  # fmt: skip
    met = check(results, rss, nginx_result, posts, writes)
    say("\ntargets: " + "; ".join(met))


def report_cpu(cpus: dict[int, dict[str, float]]) -> None:
    say("\nWorker CPU per request (one request at a time), and hello world's CPU / the page's:\n")
    say("| page | " + " | ".join(f"{c:,} events: CPU us | ratio" for c in SIZES) + " |")
    say("| --- | " + " | ".join("---: | ---:" for _ in SIZES) + " |")
    for label in ["hello world"] + [label for label, _, _ in PAGES]:
        cells = []
        for count in SIZES:
            found = cpus.get(count, {})
            if label in found:
                cells.append(f"{found[label]:.0f} | {found['hello world'] / found[label]:.2f}x")
            else:
                cells.append("skipped | -")
        say(f"| {label} | " + " | ".join(cells) + " |")


def check(results, rss, nginx_result, posts, writes) -> list[str]:
    out = []
    for count in SIZES:
        pages, hello = results[count]
        for label, target in TARGETS.items():
            want = target if count == SIZES[0] else TARGET_10K
            run = pages.get(label)
            if run:
                ratio = run.rps / hello.rps
                out.append(f"{label} ({count}) {ratio:.2f}x {'met' if ratio >= want else 'MISSED'}")
    for n, limit in ((1_000, 10), (10_000, 50)):
        for how, got in (("HTTP", posts), ("store", writes)):
            if n in got:
                out.append(
                    f"proposal {n:,} {how} p50 {got[n][0]:.0f} ms "
                    + ("met" if got[n][0] <= limit else "MISSED")
                )
    if rss:
        out.append(f"RSS {max(rss):.0f} MB {'met' if max(rss) <= 120 else 'MISSED'}")
    if not isinstance(nginx_result, str):
        ratio = nginx_result[0].rps / nginx_result[1].rps
        out.append(f"nginx {ratio:.2f}x {'met' if ratio >= 0.5 else 'MISSED'}")
    return out


if __name__ == "__main__":
    sys.exit(main())
