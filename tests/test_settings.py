"""A typo in a `KEHTO_*` setting never takes the site down: the setting keeps its default,
the site logs it, and `kehto check` names it word for word and exits 1; gunicorn's own
settings (gunicorn.conf.py) keep theirs too."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kehto_app import create_app
from kehto_app.config import DEFAULTS
from kehto_app.config import LOG_LEVELS
from kehto_app.config import RULES
from kehto_app.config import SWITCH
from kehto_app.config import WHOLE
from tests.live import gunicorn
from tests.test_proposals import valid_form

PAGES = ("/fi/", "/fi/tapahtumat/", "/sv/evenemang/", "/fi/tapahtumat/uusi/", "/fi/ajankohtaista/")


def site_with(config: dict, monkeypatch: pytest.MonkeyPatch, name: str, text: str):  # noqa: ANN201
    """The site with `KEHTO_<name>` set to `text` in its environment, as a host sets it."""
    monkeypatch.setenv(f"KEHTO_{name}", text)
    return create_app({key: value for key, value in config.items() if key != name})


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        (
            "EVENTS_PER_PAGE",
            "0",
            "KEHTO_EVENTS_PER_PAGE=0 is not a whole number at least 1: the default 20 is used",
        ),
        (
            "EVENTS_PER_PAGE",
            "kaksikymmentä",
            "KEHTO_EVENTS_PER_PAGE='kaksikymmentä' is not a "
            "whole number at least 1: the default 20 is used",
        ),
        (
            "MAX_CONTENT_LENGTH",
            "64k",
            "KEHTO_MAX_CONTENT_LENGTH='64k' is not a whole number at "
            "least 1024: the default 65536 is used",
        ),
        (
            "MAIL_PORT",
            "58 7",
            "KEHTO_MAIL_PORT='58 7' is not a whole number from 1 to 65535: it is left unset",
        ),
        (
            "MAIL_TIMEOUT",
            "Infinity",
            "KEHTO_MAIL_TIMEOUT=inf is not a number at least 1: the default 10 is used",
        ),
        (
            "MODERATION",
            "off",
            "KEHTO_MODERATION='off' is not true or false (or 1 or 0): the default True is used",
        ),
        (
            "LOG_LEVEL",
            "verbose",
            "KEHTO_LOG_LEVEL='verbose' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL: "
            "the default 'INFO' is used",
        ),
        (
            "RATE_LIMIT",
            "10/600",
            "KEHTO_RATE_LIMIT='10/600' is not a pair of whole numbers, "
            "proposals and seconds, like [10, 600]: the default [10, 600] is used",
        ),
    ],  # fmt: skip
)
def test_check_names_a_mistyped_setting_and_the_site_keeps_its_default(
    config, monkeypatch, name, text, said
):
    app = site_with(config, monkeypatch, name, text)
    assert app.config[name] == DEFAULTS[name]
    result = app.test_cli_runner().invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert f"settings: {said}\n" in result.output
    client = app.test_client()
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_good_settings_are_taken_as_they_are(config, monkeypatch):
    for name, text in {"EVENTS_PER_PAGE": "5", "MAIL_GATHER_SECONDS": "2.5", "MODERATION": "false",
                       "RATE_LIMIT": "[3, 60]", "MAIL_PORT": "2525"}.items():  # fmt: skip
        monkeypatch.setenv(f"KEHTO_{name}", text)
    app = create_app(config)
    assert app.config["SETTING_PROBLEMS"] == []
    assert (app.config["EVENTS_PER_PAGE"], app.config["MAIL_GATHER_SECONDS"]) == (5, 2.5)
    assert (app.config["MODERATION"], app.config["RATE_LIMIT"]) == (False, [3, 60])
    assert app.config["MAIL_PORT"] == 2525


TEXTS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),  # env text
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(json.dumps),
    st.lists(st.integers(-5, 700), max_size=3).map(json.dumps),
    st.sampled_from(["true", "false", "null", "0", "1", "[]", "{}", '"20"', "1e9", "debug"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from([*RULES, "RATE_LIMIT", "LOG_LEVEL"]), text=TEXTS)
def test_whatever_a_setting_holds_the_pages_answer(config, name, text):
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = site_with(config, monkeypatch, name, text)
    value = app.config[name]
    if name == "LOG_LEVEL":
        assert str(value).upper() in LOG_LEVELS
    elif name == "RATE_LIMIT":
        assert len(value) == 2 and all(isinstance(n, int) and n >= 1 for n in value)
    else:
        kind, least, most = RULES[name]
        if kind == SWITCH:
            assert value in (True, False, 0, 1)
        elif value is not None:
            assert isinstance(value, int if kind == WHOLE else int | float)
            assert (least is None or value >= least) and (most is None or value <= most)
    client = app.test_client()
    for path in PAGES[:2]:
        assert client.get(path).status_code == 200, path
    answer = client.post("/fi/tapahtumat/uusi/", data=valid_form())
    assert answer.status_code in (303, 400, 429), answer.status_code


@pytest.mark.slow
def test_gunicorn_with_mistyped_settings_serves_and_says_so(data_dir, instance_dir):
    env = {"KEHTO_THREADS": "two", "KEHTO_TIMEOUT": "-1", "KEHTO_EVENTS_PER_PAGE": "0",
           "KEHTO_LOG_LEVEL": "verbose"}  # fmt: skip
    with gunicorn(data_dir, instance_dir, workers=1, env=env) as base:
        assert requests.get(f"{base}/fi/tapahtumat/", timeout=10).status_code == 200
    log = "".join(p.read_text() for p in instance_dir.glob("gunicorn-*.log"))
    for said in ("KEHTO_THREADS='two' is not a whole number at least 1: the default 1 is used",
                 "KEHTO_TIMEOUT='-1' is not a whole number at least 0: the default 30 is used",
                 "KEHTO_EVENTS_PER_PAGE=0 is not a whole number at least 1",
                 "KEHTO_LOG_LEVEL='verbose' is not one of"):  # fmt: skip
        assert said in log, said
