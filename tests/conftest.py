from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from kehto_app import create_app
from kehto_app.content import base
from kehto_app.content.base import HELSINKI

FIXTURES = Path(__file__).parent / "data"
INSTANCE_FIXTURES = Path(__file__).parent / "instance"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the small test data set, for one test to read and change."""
    folder = tmp_path / "data"
    shutil.copytree(FIXTURES, folder)
    return folder


@pytest.fixture
def instance_dir(tmp_path: Path) -> Path:
    """The site's own folder, with the test proposals file (one pending proposal, id 3)."""
    folder = tmp_path / "instance"
    shutil.copytree(INSTANCE_FIXTURES, folder)
    return folder


@pytest.fixture
def config(data_dir: Path, instance_dir: Path) -> dict:
    return {
        "TESTING": True,
        "DATA_DIR": str(data_dir),
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "MIN_FILL_SECONDS": 0,  # tests post the form at once; tests/test_spam.py turns it on
    }


@pytest.fixture
def app(config: dict) -> Flask:
    return create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class Clock:
    """The site's one clock (`base.now`), stopped: it reads the time last set, in Helsinki."""

    DEFAULT = datetime(2026, 11, 28, 10, 0, tzinfo=HELSINKI)

    def __init__(self, at: datetime = DEFAULT) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        """From now on every page, query and writer reads `at` (an aware time) as the time."""
        assert at.tzinfo is not None, "a time with its time zone"
        self.at = at.astimezone(HELSINKI)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock stopped at 28 November 2026, 10.00 in Helsinki; `clock.set(...)` moves it.

    The application reads the time through `base.now`; a module of it that imported `now`
    itself (`from .base import now`) holds its own name for it, so that name is stopped too.
    """
    stopped = Clock()
    running = base.now
    for name, module in list(sys.modules.items()):
        if name.startswith("kehto_app") and getattr(module, "now", None) is running:
            monkeypatch.setattr(module, "now", stopped)
    return stopped
