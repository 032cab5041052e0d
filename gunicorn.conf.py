"""gunicorn settings; each can be overridden by a KEHTO_* variable or a command-line flag.

The site logs every request itself on stderr (request id, client, status, duration), so
gunicorn's own access log is off unless KEHTO_ACCESS_LOG names a file (or "-" for stdout).
`kill -HUP <master pid>` reloads gracefully: new workers start, the old ones finish their
requests, the listening socket stays open.
"""

import html
import ipaddress
import multiprocessing
import os
import socket
import sys
from pathlib import Path


def _int(name: str, default: int, least: int = 0) -> int:
    """A whole-number setting; a typo keeps the default, said on stderr, not a dead site."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if text.isdecimal() and int(text) >= least:
        return int(text)
    print(f"setting: {name}={text!r} is not a whole number at least {least}: "
          f"the default {default} is used", file=sys.stderr)  # fmt: skip
    return default


wsgi_app = "wsgi:app"
bind = os.environ.get("KEHTO_BIND", "127.0.0.1:8000").split(",")
workers = _int("KEHTO_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8), least=1)
threads = _int("KEHTO_THREADS", 1, least=1)
timeout = _int("KEHTO_TIMEOUT", 30)
graceful_timeout = _int("KEHTO_GRACEFUL_TIMEOUT", 20)
keepalive = _int("KEHTO_KEEPALIVE", 5)
max_requests = _int("KEHTO_MAX_REQUESTS", 0)
max_requests_jitter = _int("KEHTO_MAX_REQUESTS_JITTER", max_requests // 10)
preload_app = False  # each worker loads the code, so a HUP picks up a new release
accesslog = os.environ.get("KEHTO_ACCESS_LOG") or None
# No client address: gunicorn cannot truncate it as the site's own access line does.
access_log_format = '"%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("KEHTO_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("KEHTO_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "kehto"

# gunicorn's control socket (for `gunicornc`): this site's own, in its instance folder, so
# two instances on one machine never take over each other's (gunicorn's default is one
# path per user). KEHTO_CONTROL_SOCKET=0 turns it off; so does a folder whose path is too
# long for a Unix socket.
INSTANCE = Path(
    os.environ.get("KEHTO_INSTANCE_DIR") or Path(__file__).resolve().parent / "instance"
)
control_socket = str(INSTANCE / "gunicorn.ctl")
control_socket_mode = 0o600
control_socket_disable = (
    os.environ.get("KEHTO_CONTROL_SOCKET", "1") == "0" or len(os.fsencode(control_socket)) > 100
)


def on_starting(server) -> None:  # noqa: ANN001
    """Refuse to start, before any worker forks, when a data file has never been valid
    (one that was valid before is served from its last valid version)."""
    from kehto_app import create_app
    from kehto_app.content import InvalidData

    try:
        create_app()
    except InvalidData as exc:
        server.log.error("%s", exc.code)
        raise SystemExit(1) from None


def when_ready(server) -> None:  # noqa: ANN001
    """Refuse to serve the open internet with sync workers, unless it is meant (before any
    worker starts): a few slow clients would hold every worker (README, "Why nginx")."""
    exposed = exposed_addresses(server)
    if exposed and not _direct_on_purpose() and _one_request_per_worker(server):
        server.halt(
            f"gunicorn is bound to {', '.join(exposed)} with {server.cfg.worker_class_str} "
            "workers, each of which waits for one client's whole request: a few clients "
            "that send their headers slowly would hold every worker and the site would stop "
            "answering. Serve it behind nginx (deploy/nginx/kehto.conf) with "
            "KEHTO_PROXY_COUNT=1, bind to 127.0.0.1 (KEHTO_BIND), or set "
            "KEHTO_ALLOW_DIRECT=1 to serve clients directly on purpose.",
            1,
        )
    if control_socket_disable and os.environ.get("KEHTO_CONTROL_SOCKET", "1") != "0":
        server.log.warning("control socket off: %s is too long a path", control_socket)


def exposed_addresses(server) -> list[str]:  # noqa: ANN001
    """The addresses gunicorn listens on that other machines can reach."""
    exposed = []
    for listener in server.LISTENERS:
        if listener.sock.family == socket.AF_UNIX:
            continue
        host = str(listener.sock.getsockname()[0])
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            exposed.append(host)
            continue
        mapped = getattr(ip, "ipv4_mapped", None)
        if not (mapped or ip).is_loopback:
            exposed.append(str(listener))
    return exposed


def _direct_on_purpose() -> bool:
    proxies = os.environ.get("KEHTO_PROXY_COUNT", "").strip()
    return os.environ.get("KEHTO_ALLOW_DIRECT") == "1" or (proxies.isdecimal() and int(proxies) > 0)


def _one_request_per_worker(server) -> bool:  # noqa: ANN001
    from gunicorn.workers.gthread import ThreadWorker
    from gunicorn.workers.sync import SyncWorker

    return issubclass(server.worker_class, (SyncWorker, ThreadWorker))


def post_fork(server, worker) -> None:  # noqa: ANN001, ARG001
    """gunicorn's own answers to broken requests (400, 414, 431, 500) carry the site's
    security headers too: gunicorn has no setting for them, so its writer is wrapped."""
    from gunicorn import util

    from kehto_app.serving.headers import HEADERS
    from kehto_app.serving.headers import HSTS

    headers = {**HEADERS, "Cache-Control": "no-store"}
    if os.environ.get("KEHTO_HTTPS") == "1":
        headers["Strict-Transport-Security"] = HSTS
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())

    def write_error(sock, status_int, reason, mesg) -> None:  # noqa: ANN001
        body = f"<html><head><title>{reason}</title></head><body><h1>{reason}</h1>"
        body += f"<p>{html.escape(mesg)}</p></body></html>\n"
        head = f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        head += f"Content-Type: text/html\r\nContent-Length: {len(body.encode('latin-1'))}\r\n"
        util.write_nonblock(sock, (head + extra + "\r\n" + body).encode("latin-1", "replace"))

    util.write_error = write_error


def post_worker_init(worker) -> None:  # noqa: ANN001, ARG001
    """The worker's mail thread starts, and first names any proposal that a worker which
    died left unnamed (kehto_app/mail)."""
    from kehto_app import mail

    mail.start_in_this_process()


def worker_exit(server, worker) -> None:  # noqa: ANN001, ARG001
    """A worker that ends keeps in the outbox what its mail thread had still to name."""
    from kehto_app import mail

    mail.stop_in_this_process(timeout=5.0)
