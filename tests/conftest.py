from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from kehto_app import create_app

FIXTURES = Path(__file__).parent / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the small test data set, for one test to read and change."""
    folder = tmp_path / "data"
    shutil.copytree(FIXTURES, folder)
    return folder


@pytest.fixture
def instance_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


@pytest.fixture
def config(data_dir: Path, instance_dir: Path) -> dict:
    return {
        "TESTING": True,
        "DATA_DIR": str(data_dir),
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
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
