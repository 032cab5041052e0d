"""The page cache: a page is rendered once, and never served stale after a data change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request
from flask import request_started
from flask import template_rendered

from kehto_app import create_app
from tests.helpers import edit_data


def doc(table: dict, **match: str) -> dict:
    return next(d for d in table.values() if all(d.get(k) == v for k, v in match.items()))


def set_text(document: dict, field: str, text: str) -> None:
    document[field] = {"fi": text, "sv": text, "en": text}


def new_page(table: dict) -> None:
    table["99"] = {"slug": "uusi-sivu", "title": "Uusi sivu", "body": "Uusi."}


def new_job(table: dict) -> None:
    table["1"] = {"title": "Uusi työpaikka", "employer": "Espoo", "location": "Espoo",
                  "deadline": "2099-12-31", "link": "https://example.org/job"}  # fmt: skip


# (what, URL, file, change, text that must appear after the change)
CASES = [
    ("front page", "/fi/", "pages.json",
     lambda t: set_text(doc(t, slug="index"), "title", "Muokattu etusivu"), "Muokattu etusivu"),
    ("front page contacts", "/sv/", "contacts.json",
     lambda t: t["1"].update(name="Uusi Yhteyshenkilö"), "Uusi Yhteyshenkilö"),
    ("front page jobs", "/fi/", "jobs.json", new_job, "Uusi työpaikka"),
    ("content page", "/fi/saavutettavuusseloste/", "pages.json",
     lambda t: set_text(doc(t, slug="saavutettavuusseloste"), "body", "Muokattu teksti."),
     "Muokattu teksti."),
    ("contacts", "/en/contact/", "contacts.json",
     lambda t: t["1"].update(phone="09 123 4567"), "09 123 4567"),
    ("events list", "/fi/tapahtumat/", "events.json",
     lambda t: set_text(t["2"], "title", "Muokattu tuleva"), "Muokattu tuleva"),
    ("events list, page 1", "/fi/tapahtumat/?page=1", "events.json",
     lambda t: set_text(t["2"], "title", "Muokattu sivu 1"), "Muokattu sivu 1"),
    ("past list", "/fi/tapahtumat/menneet/", "events.json",
     lambda t: set_text(t["1"], "title", "Muokattu mennyt"), "Muokattu mennyt"),
    ("event page", "/sv/evenemang/2/", "events.json",
     lambda t: set_text(t["2"], "location", "Muokattu paikka"), "Muokattu paikka"),
    ("event .ics", "/fi/tapahtumat/2/event.ics", "events.json",
     lambda t: set_text(t["2"], "title", "Muokattu kalenteri"), "Muokattu kalenteri"),
    ("calendar feed", "/events.ics", "events.json",
     lambda t: set_text(t["2"], "title", "Muokattu syöte"), "Muokattu syöte"),
    ("calendar feed in Swedish", "/events.ics?lang=sv", "events.json",
     lambda t: set_text(t["2"], "title", "Ändrat flöde"), "Ändrat flöde"),
    ("published event", "/fi/tapahtumat/", "events.json",
     lambda t: t["3"].update(status="published"), "Piilotettu tapahtuma"),
    ("sitemap", "/sitemap.xml", "pages.json", new_page, "uusi-sivu"),
]  # fmt: skip


@pytest.fixture
def renders(app):
    """How many templates the app has rendered."""
    seen: list[str] = []

    def count(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(count, app)
    yield seen
    template_rendered.disconnect(count, app)


@pytest.mark.parametrize("what, url, name, change, text", CASES, ids=[c[0] for c in CASES])
def test_a_cached_page_shows_a_data_change_on_the_next_request(
    client, data_dir, what, url, name, change, text
):
    first = client.get(url)
    assert first.status_code == 200
    assert text not in first.get_data(as_text=True)
    assert client.get(url).data == first.data

    edit_data(data_dir, name, change)

    after = client.get(url)
    assert after.status_code == 200
    assert text in after.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/fi/", "/sv/evenemang/", "/en/events/2/", "/fi/yhteystiedot/"])
def test_a_public_page_is_rendered_once_and_served_from_the_cache(client, renders, url):
    first = client.get(url)
    rendered = len(renders)
    assert rendered > 0
    again = client.get(url)
    assert len(renders) == rendered
    assert again.data == first.data
    assert again.headers["Content-Type"] == first.headers["Content-Type"]


def test_the_cached_bytes_are_what_a_fresh_render_gives(config):
    urls = ["/fi/", "/sv/", "/en/events/", "/fi/tapahtumat/menneet/", "/sv/evenemang/2/", "/fi/yhteystiedot/",
            "/fi/tietosuojaseloste/", "/events.ics?lang=en", "/fi/tapahtumat/2/event.ics", "/sitemap.xml"]  # fmt: skip
    cached = create_app(config).test_client()
    fresh = create_app({**config, "PAGE_CACHE": False}).test_client()
    for url in urls:
        cached.get(url)
        hit, rendered = cached.get(url), fresh.get(url)
        assert hit.status_code == rendered.status_code == 200, url
        assert hit.data == rendered.data, url
        assert hit.headers["Content-Type"] == rendered.headers["Content-Type"], url
        assert hit.headers.get("Content-Disposition") == rendered.headers.get("Content-Disposition")


def test_languages_and_hosts_get_their_own_pages(client):
    fi, sv = client.get("/fi/"), client.get("/sv/")
    assert b'lang="fi"' in fi.data and b'lang="sv"' in sv.data
    other = client.get("/fi/", base_url="http://kehto.example.org")
    assert b"kehto.example.org" in other.data
    assert b"kehto.example.org" not in client.get("/fi/").data


def test_an_event_that_ends_leaves_the_upcoming_list_without_a_data_change(client, clock):
    assert "Tuleva foorumi" in client.get("/fi/tapahtumat/").get_data(as_text=True)
    clock.set(clock() + timedelta(days=365 * 80))
    page = client.get("/fi/tapahtumat/").get_data(as_text=True)
    assert "Tuleva foorumi" not in page
    assert "Tuleva foorumi" in client.get("/fi/tapahtumat/menneet/").get_data(as_text=True)


def test_the_form_errors_and_unknown_arguments_are_never_cached(app, client, renders):
    for url in ["/fi/tapahtumat/uusi/", "/fi/ei-ole/", "/fi/tapahtumat/999/", "/fi/?utm_source=x"]:
        client.get(url)
        before = len(renders)
        client.get(url)
        assert len(renders) > before, url
    assert len(app.extensions["kehto_pagecache"]) == 0


def test_a_head_request_is_answered_from_the_same_page(client):
    page = client.get("/fi/")
    head = client.head("/fi/")
    assert head.status_code == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(page.data)


def test_the_cache_keeps_within_its_byte_budget(config):
    app = create_app({**config, "PAGE_CACHE_BYTES": 24_000})
    client = app.test_client()
    for url in ["/fi/", "/sv/", "/en/", "/fi/yhteystiedot/", "/sv/kontakt/", "/en/contact/"]:
        assert client.get(url).status_code == 200
    cache = app.extensions["kehto_pagecache"]
    assert 0 < cache.size <= 24_000
    assert len(cache) < 6


@pytest.fixture
def flask_calls(config):
    """An app that counts the requests Flask itself handled (the fast path skips Flask)."""
    app = create_app({**config, "WTF_CSRF_ENABLED": True})
    calls: list[str] = []

    def handled(sender, **extra):
        calls.append("flask")

    request_started.connect(handled, app)
    yield app, calls
    request_started.disconnect(handled, app)


def test_a_cached_page_is_replayed_whole_before_flask_runs(flask_calls):
    app, calls = flask_calls
    client = app.test_client()
    first = client.get("/fi/tapahtumat/2/")
    second = client.get("/fi/tapahtumat/2/")
    assert len(calls) == 1, "the second request never reached Flask"
    assert second.data == first.data
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                 "Permissions-Policy", "Cross-Origin-Opener-Policy", "ETag", "Last-Modified",
                 "Cache-Control", "Content-Type"):  # fmt: skip
        assert second.headers[name] == first.headers[name], name
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert int(second.headers["Content-Length"]) == len(first.data)
    again = client.get("/fi/tapahtumat/2/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    head = client.head("/fi/tapahtumat/2/")
    assert head.data == b"" and int(head.headers["Content-Length"]) == len(first.data)
    assert len(calls) == 1


def test_the_fast_path_never_serves_stale_pages_or_private_ones(flask_calls, data_dir):
    app, calls = flask_calls
    client = app.test_client()
    client.get("/fi/yhteystiedot/")
    edit_data(data_dir, "contacts.json", lambda t: t["1"].update(name="Vaihtunut Nimi"))
    assert "Vaihtunut Nimi" in client.get("/fi/yhteystiedot/").get_data(as_text=True)
    assert len(calls) == 2
    assert "Set-Cookie" in client.get("/fi/tapahtumat/uusi/").headers
    client.get("/fi/yhteystiedot/")  # with the session cookie, through Flask
    assert len(calls) == 4


def test_the_fast_path_keeps_http_and_https_apart(config):
    app = create_app({**config, "PROXY_COUNT": 1})
    client = app.test_client()
    secure = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    for _ in range(2):
        assert "Strict-Transport-Security" in client.get("/fi/", headers=secure).headers
        plain = client.get("/fi/", headers={"X-Forwarded-For": "203.0.113.5"})
        assert "Strict-Transport-Security" not in plain.headers
        assert 'href="http://localhost/fi/"' in plain.get_data(as_text=True)


def test_a_proposal_leaves_every_cached_page_and_its_etag_as_they_are(client, app):
    handled: list[str] = []
    request_started.connect(lambda sender, **extra: handled.append(request.path), app, weak=False)
    first = client.get("/fi/")
    from tests.test_proposals import valid_form

    assert (
        client.post("/fi/tapahtumat/uusi/", data=valid_form(title="Ei näy vielä")).status_code
        == 303
    )
    handled.clear()
    again = client.get("/fi/")
    assert again.headers["ETag"] == first.headers["ETag"]
    assert handled == [], "served from the cache: the proposals file is not a page's data"
