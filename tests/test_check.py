"""`kehto check` tells the maintainer exactly what is wrong, word for word."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import edit_data

ROOT = Path(__file__).resolve().parent.parent


MISTAKES = [
    pytest.param(
        "events.json",
        '"status": "published"\n    },',
        '"status": "published"\n    }',
        'events.json: line 18, column 6: a comma is missing here, between two documents ("1" and "2")',
        id="missing comma",
    ),
    pytest.param(
        "events.json",
        '"status": "published"\n    },',
        '"status": "published",\n    },',
        "events.json: line 17, column 28: a comma after the last field is not allowed in JSON: "
        "delete this comma",
        id="trailing comma",
    ),
    pytest.param(
        "events.json",
        '"start": "2012-06-14"',
        '"start": "14.6.2012"',
        'events.json: document 1: start: "14.6.2012" is not a date '
        "(use YYYY-MM-DD or YYYY-MM-DDTHH:MM: 2012-06-14)",
        id="Finnish date format",
    ),
    pytest.param(
        "events.json",
        '"start": "2012-06-14"',
        '"start": "2026-13-01"',
        'events.json: document 1: start: "2026-13-01" is not a date '
        "(use YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        id="impossible date",
    ),
    pytest.param(
        "pages.json",
        '"fi": "Vain suomeksi"',
        '"sv": "Bara på finska"',
        "pages.json: document 4: title: the Finnish text (fi) is missing",
        id="missing Finnish title",
    ),
    pytest.param(
        "events.json",
        '"status": "hidden"',
        '"status": "draft"',
        'events.json: document 3: status: "draft" is not a status (use published or hidden)',
        id="unknown status",
    ),
    pytest.param(
        "events.json",
        '"https://example.org/foorumi"',
        '"www.example.org/foorumi"',
        'events.json: document 2: link: "www.example.org/foorumi" is not a web address '
        "(it must start with https:// or http://)",
        id="URL without scheme",
    ),
    pytest.param(
        "pages.json",
        '"slug": "vain-suomeksi"',
        '"slug": "index"',
        'pages.json: document 4: slug: "index" is already used by document 1',
        id="duplicate slug",
    ),
    pytest.param(
        "contacts.json",
        '"email": "testi.henkilo(a)hel.fi",',
        "",
        "contacts.json: document 1: email: is missing",
        id="missing field",
    ),
    pytest.param(
        "events.json",
        '"organiser": "KEHTO-foorumi"',
        '"organizer": "KEHTO-foorumi"',
        "events.json: document 1: organiser: is missing",
        id="misspelt field",
    ),
    pytest.param(
        "events.json",
        '"end": "2099-06-14T16:00"',
        '"end": "2099-06-13T16:00"',
        "events.json: document 2: end: is before the start",
        id="end before start",
    ),
    pytest.param(
        "pages.json",
        '"slug": "vain-suomeksi"',
        "'slug': 'vain-suomeksi'",
        "pages.json: line 51, column 7: the field name 'slug' must be in double quotes: \"slug\"",
        id="single quotes",
    ),
    pytest.param(
        "pages.json",
        '"slug": "tietosuojaseloste"',
        '"slug": "tietosuoja"',
        'pages.json: the page "tietosuojaseloste" is missing',
        id="required page gone",
    ),
    pytest.param(
        "events.json",
        '"sv": "Tidigare möte"',
        '"se": "Tidigare möte"',
        'events.json: document 1: title: unknown language "se" (use fi, sv, en)',
        id="unknown language",
    ),
    pytest.param(
        "jobs.json",
        "{}",
        '{"1": {"title": "Insinööri", "employer": "Oulu", '
        '"location": "Oulu", "deadline": "31.12.2026", "link": "https://example.org"}}',
        'jobs.json: document 1: deadline: "31.12.2026" is not a date (use YYYY-MM-DD)',
        id="job deadline",
    ),
    pytest.param(
        "contacts.json",
        '"testi.henkilo(a)hel.fi"',
        '"testi.henkilo at hel.fi"',
        'contacts.json: document 1: email: "testi.henkilo at hel.fi" is not an email address',
        id="email",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), MISTAKES)
def test_check_names_each_mistake(app, runner, data_dir, file, old, new, message):
    edit_data(data_dir, file, (old, new))
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert message in result.stdout.splitlines()


def test_misspelt_field_is_named_too(app, runner, data_dir):
    edit_data(data_dir, "events.json", ('"location": "Jyväskylä"', '"locaton": "Jyväskylä"'))
    lines = runner.invoke(args=["kehto", "check"]).stdout.splitlines()
    assert lines[-1].startswith(
        "events.json: document 1: locaton: is not a known field (known: title"
    )


def test_empty_and_missing_files(app, runner, data_dir):
    (data_dir / "jobs.json").write_text("")
    (data_dir / "contacts.json").unlink()
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "contacts.json: the file is missing",
        'jobs.json: the file is empty (an empty file is {"_default": {}})',
    ]


def test_check_passes_on_valid_data(app, runner):
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "All data files are valid." in result.stderr


def flask_check(data: Path, instance: Path) -> subprocess.CompletedProcess:
    """`flask --app wsgi kehto check`, as the maintainer types it."""
    env = {**os.environ, "KEHTO_DATA_DIR": str(data), "KEHTO_INSTANCE_DIR": str(instance)}
    flask = Path(sys.executable).parent / "flask"
    command = [str(flask), "--app", "wsgi", "kehto", "check"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_real_command_runs_on_broken_files(data_dir, tmp_path):
    edit_data(data_dir, "events.json", ('"start": "2012-06-14"', '"start": "2012-06-31"'))
    done = flask_check(data_dir, tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        'events.json: document 1: start: "2012-06-31" is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)'
    ]


def test_the_shipped_data_passes_the_check(tmp_path):
    done = flask_check(ROOT / "data", tmp_path)
    assert done.returncode == 0, done.stdout
    assert "note:" in done.stderr, "the maintainer's notes are shown as reminders"


def test_translations_lists_what_is_missing(app, runner):
    result = runner.invoke(args=["kehto", "translations"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "pages.json: document 4: title: missing sv, en",
        "pages.json: document 4: body: missing sv, en",
        "events.json: document 2: location: missing en",
        "events.json: document 2: description: missing sv, en",
        "news.json: document 1: body: missing en",
        "news.json: document 2: title: missing sv, en",
    ]
