"""Hardened for the open internet, the deployment's side: deploy/'s nginx in front of a real
gunicorn on loopback, and gunicorn.conf.py's checks. The app's side is tests/test_hardening.py.

The nginx here is deploy/'s site as tests/test_deploy.py runs it, plus two things for the
test only: nginx believes an `X-Test-Client` header from 127.0.0.1 as the client's address
(the realip module), so that IPv6 clients can be played from loopback, and a small server
echoes the address maps of kehto.conf.
"""

from __future__ import annotations

import email.parser
import http.client
import ipaddress
import json
import os
import random
import re
import runpy
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import requests

from kehto_app.content.base import now
from kehto_app.serving.headers import HEADERS
from kehto_app.serving.headers import HSTS
from kehto_app.serving.logs import truncated
from kehto_app.serving.ratelimit import network
from tests.conftest import FIXTURES
from tests.helpers import edit_data
from tests.live import BIN
from tests.live import ROOT
from tests.live import free_port
from tests.live import gunicorn
from tests.live import stop
from tests.test_deploy import DOMAIN
from tests.test_deploy import NGINX
from tests.test_deploy import Reply
from tests.test_deploy import _wait_for_port
from tests.test_deploy import fetch
from tests.test_deploy import loopback_site
from tests.test_deploy import nginx_conf

CONF = ROOT / "gunicorn.conf.py"
FORM = "/fi/tapahtumat/uusi/"
SECURITY = {**HEADERS, "Strict-Transport-Security": HSTS}
URL_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Site:
    port: int
    http_port: int
    echo_port: int
    app_port: int
    data_dir: Path
    instance_dir: Path
    folder: Path


@contextmanager
def nginx_with_test_clients(folder: Path, upstream: str) -> Iterator[tuple[int, int, int]]:
    """deploy/'s nginx site, believing X-Test-Client from loopback; yields its three ports."""
    port, http_port, echo_port = free_port(), free_port(), free_port()
    site = folder / "kehto.conf"
    site.write_text(loopback_site(port, http_port, upstream, folder))
    extra = f"""    set_real_ip_from 127.0.0.1;
    real_ip_header X-Test-Client;
    server {{
        listen 127.0.0.1:{echo_port};
        location / {{ return 200 "$kehto_client $kehto_log_client"; }}
    }}
"""
    conf = folder / "nginx.conf"
    text = nginx_conf(folder, site)
    conf.write_text(text.replace(f"    include {site};\n", f"{extra}    include {site};\n"))
    log = folder / "nginx.log"
    command = [str(NGINX), "-p", str(folder), "-e", "stderr", "-c", str(conf), "-g", "daemon off;"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        _wait_for_port(port, proc, log)
        yield port, http_port, echo_port
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not NGINX.exists():
        pytest.skip("/usr/sbin/nginx is missing (.ci/run installs Debian's nginx)")
    folder = tmp_path_factory.mktemp("hardened")
    data_dir = folder / "data"
    shutil.copytree(FIXTURES, data_dir)
    instance_dir = folder / "instance"
    instance_dir.mkdir()
    env = {
        "KEHTO_PROXY_COUNT": "1",
        "KEHTO_TRUSTED_HOSTS": json.dumps([DOMAIN]),
        "KEHTO_RATE_LIMIT": "[2, 600]",
    }
    with gunicorn(data_dir, instance_dir, workers=2, env=env) as base:
        upstream = base.removeprefix("http://")
        with nginx_with_test_clients(folder, upstream) as (port, http_port, echo_port):
            app_port = int(upstream.rsplit(":", 1)[1])
            yield Site(port, http_port, echo_port, app_port, data_dir, instance_dir, folder)


def raw(port: int, data: bytes, timeout: float = 5) -> Reply:
    """Bytes as a client sends them, and the answer, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    message = http_message(lines[1:])
    return Reply(int(lines[0].split()[1]), message, body)


def http_message(lines: list[str]) -> http.client.HTTPMessage:
    parser = email.parser.Parser(_class=http.client.HTTPMessage)
    return parser.parsestr("\r\n".join(lines) + "\r\n")  # type: ignore[return-value]


def assert_headers_once(reply: Reply, kind: str = "") -> None:
    for name, value in SECURITY.items():
        assert reply.headers.get_all(name) == [value], (kind, reply.status, name)
    assert reply.headers.get("Server", "nginx") == "nginx", (kind, reply.headers.get("Server"))


# 1. Slow clients: gunicorn refuses an open bind with sync workers; nginx absorbs them


@dataclass
class FakeListener:
    sock: SimpleNamespace
    name: str

    def __str__(self) -> str:
        return self.name


def _fake_server(address: tuple[str, int] | str, worker: str = "sync") -> SimpleNamespace:
    from gunicorn.workers.gthread import ThreadWorker
    from gunicorn.workers.sync import SyncWorker

    classes = {"sync": SyncWorker, "gthread": ThreadWorker, "gevent": type("Gevent", (), {})}
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET6
    if isinstance(address, tuple) and "." in address[0]:
        family = socket.AF_INET
    sock = SimpleNamespace(family=family, getsockname=lambda: address)
    listener = FakeListener(sock, f"http://{address}")
    halted: list[tuple[str, int]] = []
    return SimpleNamespace(
        LISTENERS=[listener],
        cfg=SimpleNamespace(worker_class_str=worker),
        worker_class=classes[worker],
        halt=lambda reason, status: halted.append((reason, status)),
        log=SimpleNamespace(warning=lambda *a: None),
        halted=halted,
    )


@pytest.mark.parametrize(
    "address, worker, env, refused",
    [(("0.0.0.0", 8000), "sync", {}, True),
     (("::", 8000), "sync", {}, True),
     (("192.0.2.10", 8000), "gthread", {}, True),
     (("0.0.0.0", 8000), "sync", {"KEHTO_PROXY_COUNT": "0"}, True),
     (("0.0.0.0", 8000), "sync", {"KEHTO_PROXY_COUNT": "1"}, False),
     (("0.0.0.0", 8000), "sync", {"KEHTO_ALLOW_DIRECT": "1"}, False),
     (("0.0.0.0", 8000), "gevent", {}, False),
     (("127.0.0.1", 8000), "sync", {}, False),
     (("127.0.0.2", 8000), "sync", {}, False),
     (("::1", 8000), "sync", {}, False),
     ("/run/kehto/gunicorn.sock", "sync", {}, False)],
)  # fmt: skip
def test_gunicorn_serves_the_open_internet_only_on_purpose(
    monkeypatch, address, worker, env, refused
):
    for name in ("KEHTO_PROXY_COUNT", "KEHTO_ALLOW_DIRECT", "KEHTO_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = runpy.run_path(str(CONF))
    server = _fake_server(address, worker)
    settings["when_ready"](server)
    assert bool(server.halted) == refused
    if refused:
        reason, status = server.halted[0]
        assert status == 1
        assert "slowly" in reason and "KEHTO_PROXY_COUNT=1" in reason
        assert "KEHTO_ALLOW_DIRECT=1" in reason and "nginx" in reason


def test_the_readme_says_why_nginx_is_in_front():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Why nginx in front", 1)[1].split("\n## ", 1)[0]
    assert "slow" in section and "KEHTO_ALLOW_DIRECT" in section


@pytest.mark.slow
def test_slow_clients_through_nginx_leave_the_site_fast(site: Site):
    """Twelve sockets dribble header lines through nginx; real visitors are answered at once."""
    slow: list[socket.socket] = []
    started = time.monotonic()
    try:
        for _ in range(12):
            sock = socket.create_connection(("127.0.0.1", site.port), timeout=5)
            sock.sendall(f"GET /fi/ HTTP/1.1\r\nHost: {DOMAIN}\r\n".encode())
            slow.append(sock)
        took = []
        for second in range(6):
            for sock in slow:
                sock.sendall(f"X-Slow-{second}: 1\r\n".encode())
            begin = time.monotonic()
            reply = fetch(site.port, "/fi/yhteystiedot/", headers={"Cookie": f"visit={second}"})
            took.append(time.monotonic() - begin)
            assert reply.status == 200
            assert reply.headers["X-Cache-Status"] == "BYPASS"  # gunicorn answered it
            time.sleep(max(0.0, 1 - took[-1]))
        assert max(took) < 1.5, took
    finally:
        for sock in slow:
            sock.close()
    assert time.monotonic() - started < 15


def test_deploy_s_nginx_keeps_its_slow_client_timeouts():
    conf = (ROOT / "deploy" / "nginx" / "kehto.conf").read_text()
    for setting in ("client_header_timeout 10s;", "client_body_timeout 10s;", "send_timeout 10s;",
                    "proxy_request_buffering on;", "proxy_buffering on;"):  # fmt: skip
        assert setting in conf


# 2. Methods: a HEAD through nginx is not a submission either


@pytest.mark.slow
def test_a_head_through_nginx_stores_nothing(site: Site):
    before = sorted(p.read_bytes() for p in site.instance_dir.glob("*.json"))
    body = urlencode({"title": "Pään kautta", "website": ""})
    reply = fetch(site.port, FORM, method="HEAD", body=body, headers=URL_FORM)
    assert reply.status == 200
    assert sorted(p.read_bytes() for p in site.instance_dir.glob("*.json")) == before
    put = fetch(site.port, "/fi/", method="PUT", body="x")
    assert put.status == 405
    assert put.headers["Allow"] in ("GET, HEAD", "HEAD, GET")
    assert_headers_once(put)


# 3. /healthz through nginx is the public answer


@pytest.mark.slow
def test_health_through_nginx_names_the_file_and_nothing_more(site: Site):
    events = site.data_dir / "events.json"
    good = events.read_bytes()
    try:
        edit_data(site.data_dir, "events.json", lambda t: t["2"].update(start="ensi kesänä"))
        public = fetch(site.port, "/healthz")
        assert public.status == 503
        assert json.loads(public.body) == {"status": "degraded", "invalid": ["events.json"]}
        url = f"http://127.0.0.1:{site.app_port}/healthz"
        local = requests.get(url, headers={"Host": DOMAIN}, timeout=10)
        assert "ensi kesänä" in local.json()["problems"][0]
    finally:
        events.write_bytes(good)
        edit_data(site.data_dir, "events.json", ("{", "{"))
    assert fetch(site.port, "/healthz").status == 200


# 4. The form's limit counts an IPv6 /64, in nginx and in the app


def _samples() -> list[str]:
    """IPv6 addresses with zero groups in every pattern (so "::" falls everywhere)."""
    rng = random.Random(15)
    addresses = []
    for pattern in range(256):
        groups = [rng.randrange(1, 0x10000) if pattern >> i & 1 else 0 for i in range(8)]
        addresses.append(str(ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))))
    return [*addresses, "::1", "::", "::ffff:0:1", "2001:db8::", "fe80::1", "1::"]


@pytest.mark.slow
def test_nginx_masks_addresses_as_the_app_does(site: Site):
    conn = requests.Session()
    for address in [*_samples(), "203.0.113.77", "198.51.100.1"]:
        answer = conn.get(f"http://127.0.0.1:{site.echo_port}/", headers={"X-Test-Client": address})
        client, logged = answer.text.split()
        if "/" not in network(address):  # IPv4, or IPv4 mapped into IPv6
            assert client == network(address), address
        else:
            assert ipaddress.IPv6Network(client) == ipaddress.IPv6Network(network(address))
        assert ipaddress.ip_network(logged) == ipaddress.ip_network(truncated(address)), address


@pytest.mark.slow
def test_nginx_limits_the_form_per_ipv6_64(site: Site):
    def post(address: str) -> Reply:
        headers = {**URL_FORM, "X-Test-Client": address}
        return fetch(site.port, FORM, method="POST", body="x=1", headers=headers)

    answers = [post(f"2001:db8:15:64::{n:x}") for n in range(1, 16)]
    limited = [a for a in answers if a.status == 429 and "Too many requests" in a.text]
    assert len(limited) >= 3, [a.status for a in answers]
    assert_headers_once(limited[0])
    assert post("2001:db8:15:65::1").status != 429  # the next /64


@pytest.mark.slow
def test_the_app_counts_the_64_it_gets_through_nginx(site: Site):
    statuses = [_propose(site, f"2001:db8:aa:1::{n}").status for n in (1, 2, 3)]
    assert statuses == [303, 303, 429]
    assert _propose(site, "2001:db8:aa:2::1").status == 303


def _propose(site: Site, address: str) -> Reply:
    client = {"X-Test-Client": address}
    form = fetch(site.port, FORM, headers=client)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
    data = {
        "csrf_token": token,
        "title": "Työpaja verkosta",
        "start_date": (now().date() + timedelta(days=30)).isoformat(),
        "location": "Kuntatalo",
        "description": "Kuvaus.",
        "organiser": "Kuntaliitto",
        "submitter_name": "Maija",
        "submitter_email": "maija@esimerkki.fi",
        "consent": "y",
        "website": "",
    }
    headers = {**URL_FORM, **client, "Cookie": form.headers["Set-Cookie"].split(";", 1)[0]}
    return fetch(site.port, FORM, method="POST", body=urlencode(data), headers=headers)


# 8. Every response nginx sends carries the headers, once; no version; static caching


@pytest.mark.slow
def test_every_kind_of_nginx_answer_carries_the_headers_once(site: Site):
    host = f"Host: {DOMAIN}\r\n".encode()
    replies = {
        "page": fetch(site.port, "/fi/yhteystiedot/"),
        "app 404": fetch(site.port, "/fi/no-such-page/"),
        "form": fetch(site.port, FORM),
        "static": fetch(site.port, "/static/site.css"),
        "static 404": fetch(site.port, "/static/nothing.css"),
        "413": raw(site.port, b"POST /fi/tapahtumat/uusi/ HTTP/1.1\r\n" + host
                   + b"Content-Type: text/plain\r\nContent-Length: 2000000\r\n\r\n"),
        "414": raw(site.port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n" + host + b"\r\n"),
        "400": raw(site.port, b"GET / HTTP/1.1\r\n" + host + b"Bad header\r\n\r\n"),
        "400 no host": raw(site.port, b"GET / HTTP/1.1\r\n\r\n"),
        "port 80": fetch(site.http_port, "/fi/"),
        "port 80 414": raw(site.http_port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n"),
    }  # fmt: skip
    for kind, reply in replies.items():
        assert_headers_once(reply, kind)
    assert replies["413"].status == 413 and "too large" in replies["413"].text
    assert replies["414"].status == 414
    assert replies["400"].status == 400
    assert replies["port 80"].status == 301
    assert replies["static"].headers["Cache-Control"] == "no-cache"
    assert "nginx/" not in replies["414"].text and "nginx/" not in replies["port 80"].text


@pytest.mark.slow
def test_only_a_fingerprinted_static_url_is_immutable(site: Site):
    page = fetch(site.port, "/fi/").text
    href = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    assert fetch(site.port, href).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for url in ("/static/site.css", "/static/site.css?v=1", "/static/site.css?v=latest"):
        assert "immutable" not in fetch(site.port, url).headers["Cache-Control"]


@pytest.mark.slow
def test_gunicorn_s_own_errors_carry_the_headers(site: Site):
    long_line = raw(site.app_port, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    bad_header = raw(site.app_port, b"GET / HTTP/1.1\r\nHost: x\r\nBad header\r\n\r\n")
    assert long_line.status == 414 and bad_header.status == 400
    for reply in (long_line, bad_header):
        for name, value in HEADERS.items():
            assert reply.headers.get_all(name) == [value], name
        assert reply.headers["Cache-Control"] == "no-store"


def test_the_headers_snippet_sends_two_year_hsts_and_hides_the_app_s_copies():
    snippet = (ROOT / "deploy" / "nginx" / "kehto-headers.conf").read_text()
    added = dict(re.findall(r'add_header ([\w-]+) "([^"]*)" always;', snippet))
    assert added == SECURITY
    assert set(re.findall(r"proxy_hide_header ([\w-]+);", snippet)) == set(SECURITY)
    conf = (ROOT / "deploy" / "nginx" / "kehto.conf").read_text()
    servers = conf.count("\nserver {")
    assert conf.count("server_tokens off;") == servers
    for block in re.findall(r"\n    location [^{]*\{(.*?)\n    \}", conf, re.S):
        if "add_header" in block:
            assert "include /etc/nginx/snippets/kehto-headers.conf;" in block, block


# 10. One control socket per site


@pytest.mark.slow
def test_each_instance_has_its_own_private_control_socket(tmp_path: Path):
    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir()
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    folders = []
    for name in ("a", "b"):
        data_dir, instance_dir = tmp_path / name / "data", tmp_path / name / "instance"
        shutil.copytree(FIXTURES, data_dir)
        instance_dir.mkdir()
        folders.append((data_dir, instance_dir))
    (a_data, a_instance), (b_data, b_instance) = folders
    with gunicorn(b_data, b_instance, workers=1, env=env):
        with gunicorn(a_data, a_instance, workers=1, env=env):
            for instance in (a_instance, b_instance):
                control = _wait_for(instance / "gunicorn.ctl")
                assert stat.S_ISSOCK(control.stat().st_mode)
                assert stat.S_IMODE(control.stat().st_mode) == 0o600
        assert not (a_instance / "gunicorn.ctl").exists(), "the first removed its own"
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(b_instance / "gunicorn.ctl"))  # the other's still answers
    assert not (runtime / "gunicorn.ctl").exists()
    assert not (home / ".gunicorn").exists()


def _wait_for(path: Path, timeout: float = 10) -> Path:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path


# 11. Privacy: nginx logs the truncated address too


@pytest.mark.slow
def test_nginx_logs_a_truncated_address(site: Site):
    fetch(site.port, "/fi/?log=v6", headers={"X-Test-Client": "2001:db8:77:88::99"})
    fetch(site.port, "/fi/?log=v4")
    log = site.folder / "kehto.access.log"
    deadline = time.monotonic() + 5
    while "log=v4" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = log.read_text().splitlines()
    v6 = next(line for line in lines if "log=v6" in line)
    v4 = next(line for line in lines if "log=v4" in line)
    assert v6.startswith("2001:db8:77::/48 ") and "2001:db8:77:88" not in v6
    assert v4.startswith("127.0.0.0/24 ")


def test_nginx_logs_no_review_token(site: Site):
    paths = ("/fi/tapahtumat/tarkista/4/Wz_SECRET-1.x/?log=r1", "/sv/evenemang/granska/4/Wz_SECRET2/",
             "/fi/?log=plain", "/fi/events/review/4/Wz_SECRET3/?log=r3")  # fmt: skip
    for path in paths:
        fetch(site.port, path)
    log = site.folder / "kehto.access.log"
    deadline = time.monotonic() + 5
    while "log=r3" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "SECRET" not in text
    assert '"GET /fi/tapahtumat/tarkista/4/-/?log=r1 HTTP/1.1"' in text
    assert '"GET /sv/evenemang/granska/4/-/ HTTP/1.1"' in text
    assert '"GET /fi/?log=plain HTTP/1.1"' in text  # any other path is logged as asked


def test_gunicorn_s_own_access_log_has_no_client_address():
    settings = runpy.run_path(str(CONF))
    assert "%(h)s" not in settings["access_log_format"]
    assert "{x-forwarded-for}" not in settings["access_log_format"].lower()


@pytest.mark.slow
def test_gunicorn_stops_before_any_worker_when_it_faces_the_internet(tmp_path, data_dir):
    """The real arbiter, with its listener taken for a public one (the test binds loopback)."""
    wrapper = tmp_path / "public.conf.py"
    wrapper.write_text(
        f"__file__ = {str(CONF)!r}\n"
        "exec(compile(open(__file__).read(), __file__, 'exec'))\n\n"
        "def exposed_addresses(server):\n"
        "    return ['http://192.0.2.1:8000']\n"
    )
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("KEHTO_PROXY_COUNT", "KEHTO_ALLOW_DIRECT")
        },
        "KEHTO_DATA_DIR": str(data_dir),
        "KEHTO_INSTANCE_DIR": str(tmp_path / "instance"),
        "KEHTO_SECRET_KEY": "live-test-secret",
    }
    command = [str(BIN / "gunicorn"), "wsgi:app", "-c", str(wrapper), "--workers", "1",
               "--bind", f"127.0.0.1:{free_port()}"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "send their headers slowly" in done.stderr
    assert "Booting worker" not in done.stderr
    allowed = subprocess.Popen(command, cwd=ROOT, env={**env, "KEHTO_ALLOW_DIRECT": "1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        time.sleep(3)
        assert allowed.poll() is None, "KEHTO_ALLOW_DIRECT=1 lets it serve"
    finally:
        stop(allowed)
