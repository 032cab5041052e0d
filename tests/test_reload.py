"""The maintainer edits files while the site runs: new content shows, broken files don't."""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from kehto_app import create_app
from kehto_app.content import InvalidData
from tests.helpers import edit_data
from tests.live import gunicorn


def rename_save(path: Path, old: str, new: str) -> None:
    """As vim does: write a new file beside it, then rename it over the old one."""
    swap = path.with_name(f".{path.name}.swp")
    swap.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.replace(swap, path)


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda p: p.write_text('{"_default": {"1": '), id="malformed"),
        pytest.param(lambda p: p.write_text(""), id="empty"),
        pytest.param(lambda p: p.unlink(), id="deleted"),
    ],
)
def test_a_broken_file_keeps_the_last_good_content(client, data_dir, caplog, breakage):
    pages = data_dir / "pages.json"
    good = pages.read_text(encoding="utf-8")
    assert client.get("/healthz").status_code == 200
    with caplog.at_level(logging.ERROR, logger="kehto_app.content.store"):
        breakage(pages)
        response = client.get("/fi/")
    assert response.status_code == 200
    assert "Foorumin testiteksti." in response.text
    assert any(
        r.levelno == logging.ERROR and "pages.json" in r.getMessage() for r in caplog.records
    )
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["status"] == "degraded"
    assert health.json["files"]["pages.json"] == "invalid"
    assert health.json["files"]["events.json"] == "ok"
    assert health.json["problems"][0].startswith("pages.json: ")
    pages.write_text(good.replace("Foorumin testiteksti.", "Korjattu teksti."), encoding="utf-8")
    assert client.get("/healthz").status_code == 200
    assert "Korjattu teksti." in client.get("/fi/").text


def test_a_schema_error_keeps_the_last_good_events(client, data_dir):
    edit_data(data_dir, "events.json", ('"start": "2099-06-14T09:30"', '"start": "ensi kesänä"'))
    assert "Tuleva foorumi" in client.get("/fi/").text
    assert client.get("/healthz").json["problems"] == [
        'events.json: document 2: start: "ensi kesänä" is not a date '
        "(use YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
    ]


def test_edits_show_without_a_restart(client, data_dir):
    assert "Testi Henkilö" in client.get("/fi/yhteystiedot/").text
    edit_data(data_dir, "contacts.json", ("Testi Henkilö", "Uusi Henkilö"))
    assert "Uusi Henkilö" in client.get("/fi/yhteystiedot/").text
    rename_save(data_dir / "contacts.json", "Uusi Henkilö", "Kolmas Henkilö")
    assert "Kolmas Henkilö" in client.get("/fi/yhteystiedot/").text


def test_the_site_refuses_to_start_on_a_file_that_was_never_valid(config, data_dir):
    edit_data(data_dir, "events.json", ('"status": "hidden"', '"status": "odottaa"'))
    with pytest.raises(InvalidData) as raised:
        create_app(config)
    assert 'events.json: document 3: status: "odottaa" is not a status' in str(raised.value)


@pytest.mark.slow
def test_every_gunicorn_worker_sees_edits(data_dir, instance_dir):
    contacts = data_dir / "contacts.json"
    workers = 3
    with gunicorn(data_dir, instance_dir, workers=workers) as base:
        log = next(instance_dir.glob("gunicorn-*.log"))

        def all_show(text: str) -> bool:
            """Until every worker has answered (its pid is in the access log), all show `text`."""
            start = log.stat().st_size
            answers: list[bool] = []

            def ask(_: int) -> bool:
                with requests.get(
                    f"{base}/fi/yhteystiedot/", timeout=5, headers={"Connection": "close"}
                ) as r:
                    return text in r.text

            with ThreadPoolExecutor(6) as pool:
                for _ in range(20):
                    answers += pool.map(ask, range(12))
                    lines = log.read_bytes()[start:].decode().splitlines()
                    pids = {
                        re.search(r"\[(\d+)\]", ln).group(1)
                        for ln in lines
                        if "GET /fi/yhteystiedot/" in ln
                    }
                    if len(pids) == workers:
                        return all(answers)
            raise AssertionError(f"only {len(pids)} of {workers} workers answered")

        assert all_show("Testi Henkilö")
        edit_data(data_dir, "contacts.json", ("Testi Henkilö", "Paikan Päällä"))
        assert all_show("Paikan Päällä"), "an in-place edit"
        rename_save(contacts, "Paikan Päällä", "Vaihdettu Tiedosto")
        assert all_show("Vaihdettu Tiedosto"), "a rename-save"
        contacts.write_text("{ rikki", encoding="utf-8")
        assert all_show("Vaihdettu Tiedosto"), "the last good version"
        health = requests.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 503 and "contacts.json" in health.text


@pytest.mark.slow
def test_gunicorn_refuses_to_start_with_the_problems_in_its_log(data_dir, instance_dir):
    edit_data(data_dir, "jobs.json", ("{}", '{"1": {"title": "x"}}'))
    with pytest.raises(RuntimeError, match="gunicorn exited"), gunicorn(data_dir, instance_dir):
        pass
    log = "".join(p.read_text() for p in instance_dir.glob("gunicorn-*.log"))
    assert "jobs.json: document 1: employer: is missing" in log
