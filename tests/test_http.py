"""HTTP: security headers everywhere, caching that follows the data, hostile requests."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask import template_rendered
from flask.testing import FlaskClient

from kehto_app import create_app
from kehto_app.content.base import HELSINKI
from kehto_app.serving.caching import CodeVersion
from kehto_app.serving.caching import page_etag
from kehto_app.serving.headers import HEADERS
from tests.helpers import edit_data

PAGES = ["/fi/", "/sv/", "/en/", "/fi/yhteystiedot/", "/sv/evenemang/", "/en/events/past/",
         "/fi/tapahtumat/2/", "/fi/saavutettavuusseloste/", "/fi/tapahtumat/uusi/kiitos/"]  # fmt: skip
PUBLIC = re.compile(r"public, max-age=\d+, stale-while-revalidate=\d+\b.*")


def assert_security_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def fresh_client(config: dict, **changes) -> FlaskClient:
    return create_app({**config, **changes}).test_client()


# Headers on every kind of response


@pytest.mark.parametrize("url", [*PAGES, "/fi/tapahtumat/uusi/", "/events.ics", "/fi/tapahtumat/2/event.ics",
                                 "/robots.txt", "/sitemap.xml", "/healthz", "/"])  # fmt: skip
def test_every_answer_carries_the_security_headers(client: FlaskClient, url: str):
    response = client.get(url)
    assert response.status_code in (200, 302)
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP, KEHTO_HTTPS unset


@pytest.mark.parametrize("url", ["/fi/no-such-page/", "/xx/", "/fi/tapahtumat/999/", "/nope"])
def test_error_pages_carry_the_headers_and_are_not_cached(client: FlaskClient, url: str):
    response = client.get(url)
    assert response.status_code == 404
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_an_unexpected_error_is_a_500_page_with_the_headers(app: Flask):
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "kaboom" not in response.text


def test_static_files_have_fingerprinted_urls_and_a_year_long_cache(client: FlaskClient):
    page = client.get("/fi/").text
    href = re.search(r'href="(/static/site\.css\?v=([0-9a-f]{12}))"', page)
    assert href, "the stylesheet's URL has no fingerprint"
    response = client.get(href.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert_security_headers(response)
    plain = client.get("/static/site.css")
    assert "immutable" not in plain.headers.get("Cache-Control", "")
    stale = client.get("/static/site.css?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_the_fingerprint_follows_the_file(tmp_path: Path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body { color: black }")
    first = CodeVersion.of(tmp_path, "1.0.0")
    (tmp_path / "static" / "site.css").write_text("body { color: navy }")
    second = CodeVersion.of(tmp_path, "1.0.0")
    assert first.static["site.css"] != second.static["site.css"]
    assert first.tag != second.tag
    assert CodeVersion.of(tmp_path, "1.0.1").tag != second.tag


# HTTPS, cookies, proxies


def test_over_https_there_is_hsts_and_a_secure_session_cookie(config: dict):
    client = fresh_client(config, HTTPS=True, WTF_CSRF_ENABLED=True)
    response = client.get("/fi/tapahtumat/uusi/")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_httponly_and_lax_and_not_secure_over_http(config: dict):
    client = fresh_client(config, WTF_CSRF_ENABLED=True)
    cookie = client.get("/fi/tapahtumat/uusi/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_behind_a_proxy_its_https_and_client_address_are_believed(config: dict):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    browser = fresh_client(config, PROXY_COUNT=1, WTF_CSRF_ENABLED=True)
    response = browser.get("/fi/tapahtumat/uusi/", headers=forwarded)
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert "Secure" in response.headers["Set-Cookie"]
    client = fresh_client(config, PROXY_COUNT=1, RATE_LIMIT=(2, 600))
    statuses = [_spam(client, forwarded).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    other = {**forwarded, "X-Forwarded-For": "203.0.113.10"}
    assert _spam(client, other).status_code == 303


def test_over_https_behind_nginx_the_form_s_csrf_check_gets_its_referer(config: dict):
    from tests.test_proposals import valid_form

    client = fresh_client(config, PROXY_COUNT=1, WTF_CSRF_ENABLED=True)
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kehto.example.fi"}
    form = client.get("/fi/tapahtumat/uusi/", headers=proxy).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    data = {**valid_form(), "csrf_token": token}
    # strict-origin-when-cross-origin: a same-origin POST carries its full Referer.
    referer = {"Referer": "https://kehto.example.fi/fi/tapahtumat/uusi/"}
    without = client.post("/fi/tapahtumat/uusi/", data=data, headers=proxy)
    assert without.status_code == 400
    posted = client.post("/fi/tapahtumat/uusi/", data=data, headers={**proxy, **referer})
    assert posted.status_code == 303
    assert posted.headers["Location"] == "/fi/tapahtumat/uusi/kiitos/"


def test_without_a_proxy_forwarded_headers_are_ignored(config: dict):
    client = fresh_client(config, RATE_LIMIT=(2, 600))
    response = client.get("/fi/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    for address in ("203.0.113.1", "203.0.113.2"):
        assert _spam(client, {"X-Forwarded-For": address}).status_code == 303
    assert _spam(client, {"X-Forwarded-For": "203.0.113.3"}).status_code == 429


# Caching: ETag, Last-Modified, 304, Cache-Control


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_can_be_kept_briefly_by_shared_caches(client: FlaskClient, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert PUBLIC.fullmatch(response.headers["Cache-Control"])
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == response.headers["ETag"]
    assert PUBLIC.fullmatch(again.headers["Cache-Control"])
    assert_security_headers(again)


def test_if_modified_since_answers_304_until_the_data_changes(client: FlaskClient, data_dir: Path):
    modified = client.get("/fi/").headers["Last-Modified"]
    assert client.get("/fi/", headers={"If-Modified-Since": modified}).status_code == 304
    _edit_page(data_dir, "Uusi teksti.")
    assert client.get("/fi/", headers={"If-Modified-Since": modified}).status_code == 200


def test_a_304_is_answered_without_rendering_the_page(app: Flask, client: FlaskClient):
    tag = client.get("/fi/tapahtumat/").headers["ETag"]
    rendered = []

    def record(sender, template, context, **extra) -> None:
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        assert client.get("/fi/tapahtumat/", headers={"If-None-Match": tag}).status_code == 304
        assert rendered == []
        # A page not rendered yet (/fi/tapahtumat/ itself now comes from the page cache).
        assert client.get("/fi/tapahtumat/menneet/").status_code == 200
    assert rendered


def test_the_etag_changes_with_the_data(client: FlaskClient, data_dir: Path):
    before = client.get("/fi/")
    _edit_page(data_dir, "Muokattu etusivu.")
    after = client.get("/fi/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Muokattu etusivu." in after.text
    assert after.headers["ETag"] != before.headers["ETag"]


@pytest.mark.parametrize("kind", ["contacts", "events", "jobs", "pages"])
def test_every_data_file_changes_the_etag(client: FlaskClient, data_dir: Path, kind: str):
    before = client.get("/sv/").headers["ETag"]
    edit_data(data_dir, f"{kind}.json", ("{", "{\n"))  # a blank line: the same data, a new file
    assert client.get("/sv/").headers["ETag"] != before


def test_an_invalid_edit_keeps_the_etag_of_the_page_still_served(client, data_dir: Path):
    before = client.get("/fi/")
    (data_dir / "pages.json").write_text("{ broken")
    after = client.get("/fi/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 304


def test_the_etag_changes_with_the_language(client: FlaskClient):
    tags = {client.get(f"/{lang}/").headers["ETag"] for lang in ("fi", "sv", "en")}
    assert len(tags) == 3
    feeds = {client.get(f"/events.ics?lang={lang}").headers["ETag"] for lang in ("fi", "sv")}
    assert len(feeds) == 2
    fi = client.get("/fi/").headers["ETag"]
    assert client.get("/sv/", headers={"If-None-Match": fi}).status_code == 200


def test_the_etag_changes_with_the_code(app: Flask, client: FlaskClient):
    before = client.get("/fi/").headers["ETag"]
    code = app.extensions["kehto_code"]
    app.extensions["kehto_code"] = CodeVersion("another", code.modified, code.static)
    assert client.get("/fi/").headers["ETag"] != before


def test_the_etag_changes_when_an_event_ends(app: Flask, clock):
    with app.test_request_context("/fi/"):
        today = page_etag("fi")
        clock.set(datetime(2099, 6, 15, 12, tzinfo=HELSINKI))
        after_the_forum = page_etag("fi")
    assert today != after_the_forum


def test_the_form_and_anything_with_a_session_is_never_cached(client: FlaskClient):
    form = client.get("/fi/tapahtumat/uusi/")
    assert form.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in form.headers
    posted = client.post("/fi/tapahtumat/uusi/", data={"title": ""})
    assert posted.headers["Cache-Control"] == "private, no-store"
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"
    language = client.get("/", headers={"Accept-Language": "sv"})
    assert language.headers["Cache-Control"].startswith("private")


# Operations: request ids and logs


def test_a_request_id_is_echoed_or_made_and_logged(client, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="kehto_app.access")
    given = client.get("/fi/", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    hostile = client.get("/fi/", headers={"X-Request-ID": "x" * 500})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])
    line = next(r.getMessage() for r in caplog.records if "abc-123" in r.getMessage())
    assert re.fullmatch(r"abc-123 127\.0\.0\.0/24 GET /fi/ 200 \d+\.\dms", line)


# Hostile requests: never a 5xx, never a file outside static/


@pytest.mark.parametrize(
    "path",
    [
        "/static/../wsgi.py",
        "/static/%2e%2e/wsgi.py",
        "/static/%2E%2E/kehto_app/config.py",
        "/static/..%2fwsgi.py",
        "/static/%252e%252e/wsgi.py",
        "/static/%252e%252e%252fwsgi.py",
        "/static/....//wsgi.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/..\\wsgi.py",
        "/static/site.css%00.py",
        "/fi/../wsgi.py",
        "/fi/%2e%2e/%2e%2e/etc/passwd/",
    ],
)
def test_no_file_outside_static(client: FlaskClient, path: str):
    response = client.get(path)
    if response.status_code == 308:  # merged slashes: the same path, within static/
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", "localhost") and location.path.startswith("/static/")
        response = client.get(location.path)
    assert response.status_code in (400, 404), response.status_code
    assert b"create_app" not in response.data
    assert b"root:" not in response.data
    assert b"DEFAULTS" not in response.data


@pytest.mark.parametrize(
    "value",
    ["fi;q=0.5," * 1200, "\x00\xff;;;q=x,,,", "*;q=nan", "sv;q=1e999", "en-" + "x" * 9000, "  "],
)
@pytest.mark.parametrize("url", ["/", "/fi/", "/nope"])
def test_hostile_accept_language_never_breaks_a_page(client: FlaskClient, value: str, url: str):
    response = client.get(url, headers={"Accept-Language": value})
    assert response.status_code < 500
    if url == "/":
        assert response.headers["Location"] in ("/fi/", "/sv/", "/en/")


def test_a_forged_host_is_refused_when_the_hosts_are_known(config: dict):
    client = fresh_client(config, TRUSTED_HOSTS=["kehto.example.fi"])
    forged = client.get("/fi/", headers={"Host": "attacker.example"})
    assert forged.status_code == 400
    assert b"attacker.example" not in forged.data
    assert_security_headers(forged)
    good = client.get("/fi/", headers={"Host": "kehto.example.fi"})
    assert good.status_code == 200
    assert 'href="http://kehto.example.fi/fi/"' in good.text


@pytest.mark.parametrize(
    "host", ["attacker.example", "a" * 300, "a." * 200, "evil.example:99999", "[::1", "ä.example",
             "evil.example/x", "evil.example\\", "", "127.0.0.1:80:80", "%2e%2e"]
)  # fmt: skip
def test_a_forged_host_never_gives_a_5xx(client: FlaskClient, host: str):
    assert client.get("/fi/", headers={"Host": host}).status_code < 500


@pytest.mark.parametrize(
    "query",
    ["page=1%0d%0aSet-Cookie:%20evil=1", "lang=fi%0d%0aLocation:%20http://evil.example",
     "page=%0a%0a<script>", "page=" + "9" * 50, "lang=%ff%fe"],
)  # fmt: skip
@pytest.mark.parametrize("url", ["/fi/tapahtumat/", "/events.ics", "/", "/fi/"])
def test_crlf_in_the_query_string_goes_nowhere(client: FlaskClient, url: str, query: str):
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500
    assert "evil" not in response.headers.get("Set-Cookie", "")
    assert "evil.example" not in response.headers.get("Location", "")
    for name, value in response.headers.items():
        assert "\n" not in value and "\r" not in value, name
    assert "<script>" not in response.text


@pytest.mark.parametrize(
    "url",
    ["//evil.example/", "/\\evil.example", "/fi//evil.example/", "/fi/index/?next=//evil.example",
     "/%2f%2fevil.example", "/fi/tapahtumat/?page=//evil.example", "/fi/%5cevil.example/",
     "/?lang=//evil.example", "/fi/index//evil.example"],
)  # fmt: skip
def test_no_redirect_or_language_link_leaves_the_site(client: FlaskClient, url: str):
    response = client.get(url, headers={"Accept-Language": "sv"})
    assert response.status_code < 500
    location = response.headers.get("Location")
    if location:
        assert urlsplit(location).netloc in ("", "localhost"), location
        assert not location.startswith(("//", "/\\"))
    for href in re.findall(r'hreflang="\w+" href="([^"]+)"|href="([^"]+)" lang=', response.text):
        link = href[0] or href[1]
        assert "evil.example" not in link


def _spam(client: FlaskClient, headers: dict[str, str]):
    """A robot's post (the honeypot filled in): counted by the rate limit, then thanked."""
    return client.post(
        "/fi/tapahtumat/uusi/", data={"website": "http://spam.example"}, headers=headers
    )


def _edit_page(data_dir: Path, text: str) -> None:
    """The maintainer rewrites the front page's Finnish and Swedish text."""
    edit_data(data_dir, "pages.json", lambda t: t["1"]["body"].update(fi=text, sv=text))
