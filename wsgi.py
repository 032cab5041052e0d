"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""

import sys

from kehto_app import create_app
from kehto_app.content import InvalidData

WORKER_BOOT_ERROR = 3
"""gunicorn's exit code for a worker that cannot boot: the master stops, it does not loop."""

try:
    app = create_app()
except InvalidData as exc:
    # Only a file that has never been valid gets here (one that was valid before is served
    # from its last valid version). gunicorn's on_starting refuses such data before any
    # worker starts; this covers a reload after the last valid versions were removed.
    print(exc.code, file=sys.stderr)
    sys.exit(WORKER_BOOT_ERROR)
