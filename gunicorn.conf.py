"""gunicorn settings; each can be overridden by a KEHTO_* variable or a command-line flag."""

import os

bind = os.environ.get("KEHTO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KEHTO_WORKERS", "2"))
threads = int(os.environ.get("KEHTO_THREADS", "1"))
timeout = int(os.environ.get("KEHTO_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("KEHTO_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("KEHTO_KEEPALIVE", "5"))
max_requests = int(os.environ.get("KEHTO_MAX_REQUESTS", "0"))
accesslog = os.environ.get("KEHTO_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("KEHTO_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("KEHTO_FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "wsgi:app"
