"""gunicorn settings; each can be overridden by a KEHTO_* variable or a command-line flag.

The site logs every request itself on stderr (request id, client, status, duration), so
gunicorn's own access log is off unless KEHTO_ACCESS_LOG names a file (or "-" for stdout).
`kill -HUP <master pid>` reloads gracefully: new workers start, the old ones finish their
requests, the listening socket stays open.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "wsgi:app"
bind = os.environ.get("KEHTO_BIND", "127.0.0.1:8000").split(",")
workers = _int("KEHTO_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("KEHTO_THREADS", 1)
timeout = _int("KEHTO_TIMEOUT", 30)
graceful_timeout = _int("KEHTO_GRACEFUL_TIMEOUT", 20)
keepalive = _int("KEHTO_KEEPALIVE", 5)
max_requests = _int("KEHTO_MAX_REQUESTS", 0)
max_requests_jitter = _int("KEHTO_MAX_REQUESTS_JITTER", max_requests // 10)
preload_app = False  # each worker loads the code, so a HUP picks up a new release
accesslog = os.environ.get("KEHTO_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("KEHTO_LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("KEHTO_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "kehto"


def on_starting(server) -> None:  # noqa: ANN001
    """Refuse to start, before any worker forks, when a data file is invalid."""
    from kehto_app import create_app
    from kehto_app.content import InvalidData

    try:
        create_app()
    except InvalidData as exc:
        server.log.error("%s", exc.code)
        raise SystemExit(1) from None
