"""deploy/'s nginx site on loopback (plain HTTP), beside a server block for one static file."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from .servers import ROOT
from .servers import free_port
from .servers import stop

NGINX = Path("/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx" / "kehto.conf"
HEADERS = ROOT / "deploy" / "nginx" / "kehto-headers.conf"
DOMAIN = "kehto.example.fi"


def missing() -> str | None:
    """Why the nginx part cannot run here, or None."""
    if not NGINX.exists():
        return f"{NGINX} is missing (apt-get install nginx)"
    if not SITE.exists():
        return "deploy/nginx/kehto.conf is not there yet"
    return None


def site_config(port: int, upstream: str, folder: Path) -> str:
    text = SITE.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server {upstream};",
        "/srv/kehto/static/": f"{ROOT / 'static'}/",
        "/var/cache/nginx/kehto": str(folder / "cache"),
        "/var/log/nginx/": f"{folder}/",
        "/etc/nginx/snippets/kehto-headers.conf": str(HEADERS),
    }
    for old, new in replacements.items():
        text = text.replace(old, new)
    lines = []
    for line in text.splitlines():
        if re.match(r"\s*(ssl_|listen \[::\])", line) or re.match(r"\s*listen 80\b", line):
            continue
        lines.append(re.sub(r"listen 443 ssl( http2)?", f"listen 127.0.0.1:{port}", line))
    return "\n".join(lines) + "\n"


def static_server(port: int, folder: Path) -> str:
    """The yardstick: nginx serving a file, with the site's logging and headers."""
    return f"""
server {{
    listen 127.0.0.1:{port};
    server_name {DOMAIN};
    access_log {folder}/static.access.log kehto;
    include {HEADERS};
    root {folder / "static"};
    location / {{ try_files $uri $uri/index.html =404; }}
}}
"""


def main_config(folder: Path, site: Path) -> str:
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}
    include {site};
}}
"""


@contextmanager
def nginx(upstream: str, folder: Path, page: bytes) -> Iterator[tuple[str, str]]:
    """Yield the proxied front page's URL and the same page as a static file's URL."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "static" / "fi").mkdir(parents=True, exist_ok=True)
    (folder / "static" / "fi" / "index.html").write_bytes(page)
    port, static_port = free_port(), free_port()
    site = folder / "kehto.conf"
    site.write_text(site_config(port, upstream, folder) + static_server(static_port, folder))
    conf = folder / "nginx.conf"
    conf.write_text(main_config(folder, site))
    command = [str(NGINX), "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf),
               "-g", "daemon off;"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc, folder)
        yield f"http://127.0.0.1:{port}/fi/", f"http://127.0.0.1:{static_port}/fi/"
    finally:
        stop(proc)


def _wait(port: int, proc: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
            raise RuntimeError(f"nginx exited: {log[-1500:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": DOMAIN}, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start in time")
