"""The deployment: gunicorn reloads without dropping a request, and deploy/'s nginx site
(on loopback and plain HTTP) serves the site with its headers, its cache and its limits."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from kehto_app.content.base import now
from kehto_app.serving.headers import HEADERS
from kehto_app.serving.ratelimit import RateLimit
from tests.conftest import FIXTURES
from tests.helpers import edit_data
from tests.helpers import proposals_on_disk
from tests.live import ROOT
from tests.live import free_port
from tests.live import gunicorn
from tests.live import stop
from tests.live import workers_of

pytestmark = pytest.mark.slow

NGINX = Path("/usr/sbin/nginx")
needs_nginx = pytest.mark.skipif(
    not NGINX.exists(), reason="/usr/sbin/nginx is missing (.ci/run installs Debian's nginx)"
)
DEPLOY = ROOT / "deploy"
DOMAIN = "kehto.example.fi"
SECRET = "live-test-secret"  # what tests/live.py gives gunicorn
MAX_AGE = 2
STALE = 1
FORM = "/fi/tapahtumat/uusi/"


# The graceful reload


def test_a_hup_reloads_the_workers_and_no_request_fails(data_dir: Path, instance_dir: Path):
    pidfile = instance_dir / "gunicorn.pid"
    with gunicorn(data_dir, instance_dir, workers=2, args=["--pid", str(pidfile)]) as base:
        master = int(pidfile.read_text())
        before = workers_of(master)
        answers: list[int | str] = []
        done = threading.Event()

        def visit() -> None:
            with requests.Session() as session:
                while not done.is_set():
                    try:
                        answers.append(session.get(f"{base}/fi/", timeout=10).status_code)
                    except requests.RequestException as exc:
                        answers.append(repr(exc))

        visitors = [threading.Thread(target=visit) for _ in range(3)]
        for visitor in visitors:
            visitor.start()
        try:
            time.sleep(0.5)
            os.kill(master, signal.SIGHUP)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and (
                workers_of(master) & before or not workers_of(master)
            ):
                time.sleep(0.1)
            served_before = len(answers)
            while time.monotonic() < deadline and len(answers) < served_before + 10:
                time.sleep(0.1)  # the new workers serve too
        finally:
            done.set()
            for visitor in visitors:
                visitor.join(15)
        after = workers_of(master)
    assert after and not after & before, "the HUP did not replace the workers"
    assert len(answers) >= served_before + 10
    assert set(answers) == {200}, [a for a in answers if a != 200][:5]


# nginx in front of gunicorn, as deploy/ describes it


def loopback_site(port: int, http_port: int, upstream: str, folder: Path) -> str:
    """deploy/nginx/kehto.conf with loopback ports, plain HTTP and the test's folders."""
    text = (DEPLOY / "nginx" / "kehto.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server {upstream};",
        "/srv/kehto/static/": f"{ROOT / 'static'}/",
        "/var/cache/nginx/kehto": str(folder / "cache"),
        "/var/log/nginx/": f"{folder}/",
        "/etc/nginx/snippets/kehto-headers.conf": str(DEPLOY / "nginx" / "kehto-headers.conf"),
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/kehto.conf no longer has {old!r}"
        text = text.replace(old, new)
    lines = []
    for line in text.splitlines():
        if re.match(r"\s*(ssl_|listen \[::\])", line):
            continue
        line = re.sub(r"listen 443 ssl( http2)?", f"listen 127.0.0.1:{port}", line)
        line = re.sub(r"listen 80\b", f"listen 127.0.0.1:{http_port}", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def nginx_conf(folder: Path, site: Path) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log stderr notice;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}
    access_log off;
    include {site};
}}
"""


@dataclass
class Stack:
    port: int
    http_port: int
    app_port: int
    data_dir: Path
    instance_dir: Path
    folder: Path


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    source: str = "127.0.0.1",
    host: str = DOMAIN,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> Reply:
    """One request to nginx on 127.0.0.1, from a chosen loopback source address."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        answer = conn.getresponse()
        return Reply(answer.status, answer.headers, answer.read())
    finally:
        conn.close()


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text()[-2000:]}")
        try:
            fetch(port, "/static/favicon.svg")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not NGINX.exists():
        pytest.skip("/usr/sbin/nginx is missing (.ci/run installs Debian's nginx)")
    folder = tmp_path_factory.mktemp("nginx")
    data_dir = folder / "data"
    shutil.copytree(FIXTURES, data_dir)
    instance_dir = folder / "instance"
    instance_dir.mkdir()
    env = {
        "KEHTO_PROXY_COUNT": "1",
        "KEHTO_TRUSTED_HOSTS": json.dumps([DOMAIN]),
        "KEHTO_RATE_LIMIT": "[2, 600]",
        "KEHTO_CACHE_MAX_AGE": str(MAX_AGE),
        "KEHTO_CACHE_STALE": str(STALE),
    }
    with gunicorn(data_dir, instance_dir, workers=2, env=env) as base:
        upstream = base.removeprefix("http://")
        with nginx(folder, upstream) as (port, http_port):
            app_port = int(upstream.rsplit(":", 1)[1])
            yield Stack(port, http_port, app_port, data_dir, instance_dir, folder)


@contextmanager
def nginx(folder: Path, upstream: str) -> Iterator[tuple[int, int]]:
    """A real nginx with deploy/'s site in front of `upstream`; yields its two ports."""
    port, http_port = free_port(), free_port()
    site = folder / "kehto.conf"
    site.write_text(loopback_site(port, http_port, upstream, folder))
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(folder, site))
    log = folder / "nginx.log"
    command = [str(NGINX), "-p", str(folder), "-e", "stderr", "-c", str(conf)]
    command += ["-g", "daemon off;"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        _wait_for_port(port, proc, log)
        yield port, http_port
    finally:
        stop(proc)


@needs_nginx
def test_pages_come_through_nginx_with_every_header_then_from_its_cache(stack: Stack):
    first = fetch(stack.port, "/sv/kontakt/")
    second = fetch(stack.port, "/sv/kontakt/")
    assert first.status == second.status == 200
    for name, value in HEADERS.items():
        assert first.headers[name] == value
        assert second.headers[name] == value
    assert first.headers["Cache-Control"].startswith(f"public, max-age={MAX_AGE}")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert first.headers["X-Cache-Status"] == "MISS"
    assert second.headers["X-Cache-Status"] == "HIT"
    assert second.body == first.body
    assert f"http://{DOMAIN}/sv/kontakt/" in first.text  # the canonical link
    cached = fetch(stack.port, "/sv/kontakt/", headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status == 304
    assert cached.headers["X-Cache-Status"] == "HIT"


@needs_nginx
def test_a_visitor_with_a_cookie_bypasses_the_cache(stack: Stack):
    fetch(stack.port, "/en/contact/")
    assert fetch(stack.port, "/en/contact/").headers["X-Cache-Status"] == "HIT"
    with_cookie = fetch(stack.port, "/en/contact/", headers={"Cookie": "session=abc"})
    assert with_cookie.status == 200
    assert with_cookie.headers["X-Cache-Status"] == "BYPASS"


@needs_nginx
def test_an_edited_data_file_shows_within_the_cache_lifetime(stack: Stack):
    assert fetch(stack.port, "/en/").status == 200
    assert fetch(stack.port, "/en/").headers["X-Cache-Status"] == "HIT"
    body = "## What is it?\n\nEdited by the maintainer."
    edit_data(stack.data_dir, "pages.json", lambda t: t["1"]["body"].update(en=body))
    edited = time.monotonic()
    seen = []
    while time.monotonic() - edited < MAX_AGE + STALE + 10:
        reply = fetch(stack.port, "/en/")
        seen.append(reply.headers["X-Cache-Status"])
        if "Edited by the maintainer." in reply.text:
            break
        time.sleep(0.2)
    took = time.monotonic() - edited
    assert "Edited by the maintainer." in reply.text, seen
    assert seen[0] == "HIT"  # the cache did keep the old page for a while
    assert took < MAX_AGE + STALE + 3, (took, seen)
    print(f"edited page visible after {took:.1f}s; cache statuses: {seen}")


@needs_nginx
def test_the_form_works_through_nginx_and_is_never_cached(stack: Stack):
    form = fetch(stack.port, FORM, source="127.0.0.2")
    assert form.status == 200
    assert form.headers["Cache-Control"] == "private, no-store"
    assert "HttpOnly" in form.headers["Set-Cookie"]
    assert "SameSite=Lax" in form.headers["Set-Cookie"]
    again = fetch(stack.port, FORM, source="127.0.0.2")
    assert _token(again) != _token(form)  # not a cached copy
    posted = _propose(stack, form, "127.0.0.2", title="Välityspalvelimen kautta")
    assert posted.status == 303, posted.text[:500]
    assert posted.headers["Location"].endswith("/fi/tapahtumat/uusi/kiitos/")
    proposals = proposals_on_disk(stack.instance_dir)
    stored = [e for e in proposals.values() if e["title"] == "Välityspalvelimen kautta"]
    assert len(stored) == 1 and stored[0]["state"] == "pending"


@needs_nginx
def test_the_rate_limit_counts_the_client_nginx_saw(stack: Stack):
    form = fetch(stack.port, FORM, source="127.0.0.3")
    assert [_propose(stack, form, "127.0.0.3").status for _ in range(2)] == [303, 303]
    assert _propose(stack, form, "127.0.0.3").status == 429
    # A forged X-Forwarded-For does not help: nginx appends the real address.
    forged = _propose(stack, form, "127.0.0.3", forwarded="198.51.100.7")
    assert forged.status == 429
    assert "<html" in forged.text  # the app's localized page, not nginx's
    assert _propose(stack, form, "127.0.0.4", forwarded="127.0.0.3").status == 303
    limiter = RateLimit(stack.instance_dir / "ratelimit.sqlite3", 2, 600, SECRET)
    stored = {row[0] for row in _hits(stack)}
    assert limiter.client_id("127.0.0.3") in stored
    assert limiter.client_id("127.0.0.4") in stored
    assert limiter.client_id("127.0.0.1") not in stored  # nginx's own address
    assert limiter.client_id("198.51.100.7") not in stored


@needs_nginx
def test_nginx_limits_a_flood_of_posts_with_its_own_answer(stack: Stack):
    answers = [
        fetch(stack.port, FORM, method="POST", source="127.0.0.9", body="x=1", headers=_FORM)
        for _ in range(15)
    ]
    statuses = [a.status for a in answers]
    assert 429 in statuses, statuses
    limited = next(a for a in answers if a.status == 429 and "Too many requests" in a.text)
    for name, value in HEADERS.items():
        assert limited.headers[name] == value
    assert fetch(stack.port, FORM, source="127.0.0.9").status == 200  # GETs are not limited


@needs_nginx
def test_static_files_come_from_nginx_with_a_year_long_cache(stack: Stack):
    page = fetch(stack.port, "/fi/yhteystiedot/").text
    css = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', page)
    assert css, "no fingerprinted stylesheet"
    reply = fetch(stack.port, css.group(1))
    assert reply.status == 200
    assert reply.body == (ROOT / "static" / "site.css").read_bytes()
    assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Request-ID" not in reply.headers  # nginx answered, not the app
    for name, value in HEADERS.items():
        assert reply.headers[name] == value


@needs_nginx
@pytest.mark.parametrize(
    "path",
    [
        "/static/../wsgi.py",
        "/static/%2e%2e/wsgi.py",
        "/static/..%2fwsgi.py",
        "/static/%252e%252e/wsgi.py",
        "/static/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/static//etc/passwd",
        "/static/../../../../etc/passwd",
    ],
)
def test_no_file_outside_static_through_nginx(stack: Stack, path: str):
    reply = fetch(stack.port, path)
    assert reply.status < 500
    assert b"create_app" not in reply.body
    assert b"root:" not in reply.body


@needs_nginx
@pytest.mark.parametrize("server", ["nginx", "gunicorn"])
@pytest.mark.parametrize(
    "path, headers",
    [
        ("/static/../wsgi.py", {}),
        ("/static/%2e%2e/gunicorn.conf.py", {}),
        ("/static/%252e%252e/wsgi.py", {}),
        ("/fi/", {"Accept-Language": "fi;q=0.9, " * 1000}),
        ("/", {"Accept-Language": "\x7f;q=;;,,sv-" + "x" * 3000}),
        ("/fi/tapahtumat/?page=1%0d%0aSet-Cookie:%20evil=1", {}),
        ("/%2f%2fevil.example/", {}),
    ],
)
def test_hostile_requests_get_no_5xx_and_no_file(stack: Stack, server: str, path: str, headers):
    port = stack.port if server == "nginx" else stack.app_port
    reply = fetch(port, path, headers=headers)
    assert reply.status < 500
    assert b"create_app" not in reply.body and b"wsgi_app" not in reply.body
    assert "evil" not in reply.headers.get("Set-Cookie", "")
    assert "evil.example" not in reply.headers.get("Location", "")


@needs_nginx
def test_the_app_logs_each_request_with_nginx_s_request_id(stack: Stack):
    reply = fetch(stack.port, "/fi/tapahtumat/?page=1", headers={"Cookie": "skip=cache"})
    request_id = reply.headers["X-Request-ID"]
    log = next(stack.instance_dir.glob("gunicorn-*.log"))
    deadline = time.monotonic() + 5
    while request_id not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(x for x in log.read_text().splitlines() if request_id in x)
    assert re.search(
        rf"{request_id} 127\.0\.0\.0/24 GET /fi/tapahtumat/\?page=1 200 [\d.]+ms", line
    )


@needs_nginx
def test_a_forged_host_gets_no_page(stack: Stack):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        fetch(stack.port, "/fi/", host="attacker.example")


@needs_nginx
def test_plain_http_redirects_to_https(stack: Stack):
    reply = fetch(stack.http_port, "/fi/tapahtumat/?page=1")
    assert reply.status == 301
    assert reply.headers["Location"] == f"https://{DOMAIN}/fi/tapahtumat/?page=1"


@needs_nginx
def test_with_the_app_down_nginx_answers_503_with_the_headers(tmp_path: Path):
    nobody = f"127.0.0.1:{free_port()}"  # nothing listens there
    with nginx(tmp_path, nobody) as (port, _):
        down = fetch(port, "/fi/")
    assert down.status == 503
    assert down.headers["Retry-After"] == "30"
    assert down.headers["Cache-Control"] == "no-store"
    assert "not responding" in down.text
    for name, value in HEADERS.items():
        assert down.headers[name] == value


def test_nginx_adds_the_same_headers_as_the_app():
    snippet = (DEPLOY / "nginx" / "kehto-headers.conf").read_text()
    found = dict(re.findall(r'add_header ([\w-]+) "([^"]*)" always;', snippet))
    assert found.pop("Strict-Transport-Security") == "max-age=63072000"
    assert found == HEADERS


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _token(form: Reply) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    if match is None:
        match = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', form.text)
    assert match, "no CSRF token on the form"
    return match.group(1)


def _propose(
    stack: Stack, form: Reply, source: str, forwarded: str | None = None, title: str = "Työpaja"
) -> Reply:
    cookie = form.headers["Set-Cookie"].split(";", 1)[0]
    start = now().date() + timedelta(days=30)
    data = {
        "csrf_token": _token(form),
        "title": title,
        "start_date": start.isoformat(),
        "start_time": "9.30",
        "location": "Kuntatalo, Helsinki",
        "description": "Kuvaus.",
        "organiser": "Kuntaliitto",
        "submitter_name": "Maija Meikäläinen",
        "submitter_email": "maija@esimerkki.fi",
        "consent": "y",
        "website": "",
    }
    headers = {**_FORM, "Cookie": cookie, "Referer": f"http://{DOMAIN}{FORM}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return fetch(
        stack.port, FORM, method="POST", source=source, headers=headers, body=urlencode(data)
    )


def _hits(stack: Stack) -> list[tuple[str, float]]:
    import sqlite3

    db = sqlite3.connect(stack.instance_dir / "ratelimit.sqlite3")
    try:
        return db.execute("SELECT client, at FROM hits").fetchall()
    finally:
        db.close()
