"""Hardened for the open internet: what a probe of the site found, each answered in the app.

The deployment's side (nginx, gunicorn) is in tests/test_deploy_hardening.py.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kehto_app import create_app
from kehto_app.content import fields
from kehto_app.content import links
from kehto_app.serving.headers import HEADERS
from kehto_app.serving.ratelimit import network
from tests.helpers import edit_data
from tests.helpers import in_lang
from tests.test_proposals import translated
from tests.test_proposals import valid_form

FORM = "/fi/tapahtumat/uusi/"
PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_security_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


def stored(data_dir: Path, instance_dir: Path) -> dict[str, bytes]:
    """Every file the site keeps, but the rate limit's (see `hits`)."""
    return {
        str(path): path.read_bytes()
        for folder in (data_dir, instance_dir)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("ratelimit")
    }


def hits(instance_dir: Path) -> list[tuple]:
    with sqlite3.connect(instance_dir / "ratelimit.sqlite3") as db:
        return db.execute("SELECT client FROM hits").fetchall()


# Methods: GET and HEAD, POST where a form is; a HEAD never submits


def test_a_head_with_a_form_body_stores_nothing(config, data_dir, instance_dir):
    client = create_app({**config, "WTF_CSRF_ENABLED": True}).test_client()
    form = client.get(FORM, base_url="https://localhost").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    before = stored(data_dir, instance_dir)
    head = client.open(
        FORM,
        method="HEAD",
        data={**valid_form(), "csrf_token": token},
        base_url="https://localhost",
    )
    assert head.status_code == 200
    assert head.data == b""
    assert stored(data_dir, instance_dir) == before
    assert hits(instance_dir) == []
    # The same body as a POST meets the HTTPS Referer check that a HEAD skipped.
    post = client.post(
        FORM, data={**valid_form(), "csrf_token": token}, base_url="https://localhost"
    )
    assert post.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
@pytest.mark.parametrize(
    "url, allowed",
    [("/fi/", {"GET", "HEAD"}), ("/fi/tapahtumat/2/", {"GET", "HEAD"}),
     (FORM, {"GET", "HEAD", "POST"}), ("/healthz", {"GET", "HEAD"}),
     ("/static/site.css", {"GET", "HEAD"})],
)  # fmt: skip
def test_other_methods_get_405_with_allow(client: FlaskClient, method, url, allowed):
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_405_page_is_in_the_page_s_language(app: Flask, client: FlaskClient):
    response = client.put("/sv/kontakt/")
    assert response.status_code == 405
    assert '<html lang="sv"' in response.text


# /healthz: ok or degraded, and which files, for anyone; details only on the machine


def _break_events(data_dir: Path) -> None:
    edit_data(data_dir, "events.json", lambda t: t["2"].update(start="ensi kesänä"))


@pytest.mark.parametrize(
    "environ, headers",
    [({"REMOTE_ADDR": "203.0.113.5"}, {}),
     ({"REMOTE_ADDR": "2001:db8::5"}, {}),
     ({}, {"X-Forwarded-For": "203.0.113.5"}),  # through a proxy on this machine
     ({}, {"Forwarded": "for=203.0.113.5"})],
)  # fmt: skip
def test_public_health_says_degraded_and_names_the_file_only(client, data_dir, environ, headers):
    assert client.get("/healthz", environ_base=environ, headers=headers).json == {
        "status": "ok",
        "invalid": [],
    }
    _break_events(data_dir)
    health = client.get("/healthz", environ_base=environ, headers=headers)
    assert health.status_code == 503
    assert health.json == {"status": "degraded", "invalid": ["events.json"]}
    assert "ensi" not in health.text and "version" not in health.text
    assert health.headers["Cache-Control"] == "no-store"


def test_health_from_the_machine_itself_has_the_details(client, data_dir):
    _break_events(data_dir)
    health = client.get("/healthz")  # from 127.0.0.1, straight to the app
    assert health.status_code == 503
    assert health.json["status"] == "degraded"
    assert health.json["invalid"] == ["events.json"]
    assert "ensi kesänä" in health.json["problems"][0]
    assert health.json["version"] and health.json["code"]
    assert health.json["files"]["pages.json"] == "ok"


def test_behind_a_proxy_health_details_stay_on_the_machine(config, data_dir):
    client = create_app({**config, "PROXY_COUNT": 1}).test_client()
    _break_events(data_dir)
    public = client.get("/healthz", headers={"X-Forwarded-For": "127.0.0.1"})
    assert public.json == {"status": "degraded", "invalid": ["events.json"]}
    assert "problems" in client.get("/healthz").json


# The rate limit counts an IPv6 /64 as one client; robots have their own budget


def test_addresses_of_one_ipv6_64_share_one_limit(config):
    client = create_app({**config, "RATE_LIMIT": [2, 600]}).test_client()
    answers = [
        client.post(FORM, data=valid_form(), environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{n:x}"})
        for n in range(1, 16)
    ]
    assert [a.status_code for a in answers[:2]] == [303, 303]
    assert {a.status_code for a in answers[2:]} == {429}
    other = {"REMOTE_ADDR": "2001:db8:1:3::1"}  # the next /64
    assert client.post(FORM, data=valid_form(), environ_base=other).status_code == 303
    v4 = [{"REMOTE_ADDR": f"192.0.2.{n}"} for n in (1, 2, 3)]
    assert [client.post(FORM, data=valid_form(), environ_base=e).status_code for e in v4] == [
        303,
        303,
        303,
    ]


def test_the_limit_key_is_the_address_or_its_64():
    assert network("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert network("2001:db8:1:2::1") == network("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert network("2001:db8:1:2::1") != network("2001:db8:1:3::1")
    assert network("::ffff:192.0.2.1") == network("192.0.2.1") == "192.0.2.1"
    assert network("192.0.2.1") != network("192.0.2.2")
    assert network("not an address") == "not an address"


def test_a_robot_s_hits_never_use_up_a_person_s_limit(config, instance_dir):
    client = create_app({**config, "RATE_LIMIT": [2, 600]}).test_client()
    same = {"REMOTE_ADDR": "198.51.100.20"}
    robot = [client.post(FORM, data=valid_form(website="x"), environ_base=same) for _ in range(4)]
    assert [r.status_code for r in robot] == [303, 303, 429, 429]
    person = [client.post(FORM, data=valid_form(), environ_base=same) for _ in range(3)]
    assert [p.status_code for p in person] == [303, 303, 429]
    assert len(hits(instance_dir)) == 4


# Page numbers and ids: ASCII digits only; canonical links never echo what was sent


NOT_DIGITS = ["²", "①", "١", "１", "𝟏", "-1", "+1", " 1", "1 ", "0x1", "1.0", "", "1234567"]


@pytest.mark.parametrize("value", NOT_DIGITS)
@pytest.mark.parametrize("url", ["/fi/tapahtumat/", "/sv/evenemang/tidigare/"])
def test_a_page_number_that_is_not_ascii_digits_is_a_404(client, url, value):
    response = client.get(f"{url}?page={quote(value)}")
    assert response.status_code == 404
    assert_security_headers(response)


@pytest.mark.parametrize("value", ["²", "①", "١", "１", "𝟏", "1e3", "01x"])
def test_an_event_id_that_is_not_ascii_digits_is_a_404(client, value):
    assert client.get(f"/fi/tapahtumat/{quote(value)}/").status_code == 404
    assert client.get(f"/fi/tapahtumat/{quote(value)}/event.ics").status_code == 404
    assert client.get("/fi/tapahtumat/" + "9" * 40 + "/").status_code == 404


def test_the_canonical_link_shows_the_page_as_the_site_counts_it(client):
    page = client.get("/fi/tapahtumat/?page=01").text
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page).group(1)
    assert canonical == "http://localhost/fi/tapahtumat/?page=1"
    assert "page=01" not in page


URL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
PATHS = st.builds(
    lambda prefix, tail: prefix + quote(tail, safe="/?=&%"),
    st.sampled_from(["/", "/fi/", "/sv/evenemang/", "/en/events/past/", "/fi/tapahtumat/",
                     "/fi/tapahtumat/2/", "/events.ics", "/static/", "/fi/tapahtumat/uusi/", "/healthz"]),
    URL_TEXT,
)  # fmt: skip


@PROPERTY
@given(path=PATHS)
def test_no_path_gives_a_5xx_and_every_answer_has_the_headers(client, path):
    response = client.get(path)
    assert response.status_code < 500, path
    assert_security_headers(response)


QUERY_TEXT = st.one_of(
    st.sampled_from(NOT_DIGITS),
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=3),
    URL_TEXT,
)


@PROPERTY
@given(
    url=st.sampled_from(["/fi/tapahtumat/", "/en/events/past/", "/events.ics", "/fi/", "/"]),
    query=st.dictionaries(st.sampled_from(["page", "lang", "v", "x"]), QUERY_TEXT, max_size=3),
)
def test_no_query_gives_a_5xx_and_every_answer_has_the_headers(client, url, query):
    response = client.get(url, query_string=query)
    assert response.status_code < 500, (url, query)
    assert_security_headers(response)
    for value in query.values():
        if value and not value.isascii():
            assert f"page={quote(value)}" not in response.text


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


@PROPERTY
@given(
    name=st.sampled_from(["Accept-Language", "If-None-Match", "If-Modified-Since", "Cookie",
                          "X-Request-ID", "Host", "Range", "If-Match", "Content-Type",
                          "X-Forwarded-For", "Forwarded"]),
    value=HEADER_TEXT,
    url=st.sampled_from(["/", "/fi/", "/fi/tapahtumat/?page=2", "/fi/tapahtumat/2/", FORM, "/healthz"]),
)  # fmt: skip
def test_no_header_gives_a_5xx_and_every_answer_has_the_headers(client, name, value, url):
    response = client.get(url, headers={name: value})
    assert response.status_code < 500, (name, value)
    assert_security_headers(response)


# Validators belong to one URL: a 404 never answers 304, a redirect is never a public 304


def test_an_etag_belongs_to_one_url(client: FlaskClient):
    contacts = client.get("/fi/yhteystiedot/").headers["ETag"]
    events = client.get("/fi/tapahtumat/").headers["ETag"]
    assert contacts != events
    assert client.get("/fi/tapahtumat/", headers={"If-None-Match": contacts}).status_code == 200
    assert client.get("/fi/tapahtumat/?page=1").headers["ETag"] != events


@pytest.mark.parametrize(
    "url", ["/fi/tapahtumat/" + "9" * 18 + "/", "/fi/no-such-page/", "/fi/tapahtumat/?page=999999",
            "/fi/tapahtumat/?page=%C2%B2", "/fi/tapahtumat/999/event.ics", "/nope"]
)  # fmt: skip
def test_a_page_that_does_not_exist_never_answers_304(client: FlaskClient, url: str):
    tag = client.get("/fi/").headers["ETag"]
    modified = client.get("/fi/").headers["Last-Modified"]
    for headers in (
        {"If-None-Match": tag},
        {"If-None-Match": "*"},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
        {"If-Modified-Since": modified},
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, headers
        assert "ETag" not in response.headers
    with_cookie = client.get(url, headers={"If-None-Match": "*", "Cookie": "a=b"})
    assert with_cookie.status_code == 404


def test_the_language_redirect_varies_and_is_never_a_public_304(client: FlaskClient):
    future = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT", "If-None-Match": "*"}
    response = client.get("/", headers={**future, "Accept-Language": "sv"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sv/"
    assert "Accept-Language" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "private, max-age=0"
    assert "ETag" not in response.headers


def test_an_unchanged_page_still_answers_304_through_flask(config):
    client = create_app({**config, "PAGE_CACHE": False}).test_client()
    first = client.get("/fi/tapahtumat/2/")
    again = client.get("/fi/tapahtumat/2/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"].startswith("public")
    assert_security_headers(again)


# Bodies: a chunked body over the limit is refused whole


def _chunked(client: FlaskClient, lang: str, body: bytes):
    return client.post(
        in_lang(lang, "/events/new/"),
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_gets_the_localized_413(app, client, data_dir, instance_dir):
    before = stored(data_dir, instance_dir)
    body = "&".join(f"{k}={quote(v)}" for k, v in valid_form().items()).encode()
    response = _chunked(client, "sv", body + b"&padding=" + b"x" * 70_000)
    assert response.status_code == 413
    assert translated(app, "sv", "Lähetys on liian suuri") in response.text
    assert_security_headers(response)
    assert stored(data_dir, instance_dir) == before


def test_a_chunked_body_within_the_limit_is_read_whole(client: FlaskClient):
    body = "&".join(f"{k}={quote(v)}" for k, v in valid_form(title="").items()).encode()
    response = _chunked(client, "fi", body + b"&padding=" + b"x" * 60_000)
    assert response.status_code == 422  # the form was parsed: the empty title is named
    assert 'id="title-error"' in response.text
    assert _chunked(client, "fi", body.replace(b"title=&", b"title=Paloittain&")).status_code == 303


# Headers on every response


def test_every_response_has_corp_and_two_year_hsts(config):
    client = create_app({**config, "HTTPS": True}).test_client()
    for url in ("/fi/", "/nope", "/static/site.css", "/healthz"):
        response = client.get(url)
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert response.headers["Strict-Transport-Security"] == "max-age=63072000"


def test_a_bad_host_answer_has_the_headers(client: FlaskClient):
    response = client.get("/fi/", headers={"Host": "evil.example/x"})
    assert response.status_code == 400
    assert_security_headers(response)


# Links that say where they go


DECEIVING = {
    "https://kehto.example.fi@evil.example/": links.Problem.USERINFO,
    "https://user:pass@kunta.fi/": links.Problem.USERINFO,
    "https://evil.example\u200b.fi/": links.Problem.HIDDEN,
    "https://kunta.fi/\u200etapahtuma": links.Problem.HIDDEN,
    "https://kunta.fi/?q=\u202egpj.exe": links.Problem.HIDDEN,
    "https://kunta.fi/\u2066x\u2069": links.Problem.HIDDEN,
    "https://kun\u00adta.fi/": links.Problem.HIDDEN,
    "https://kunta.fi/\ufeff": links.Problem.HIDDEN,
    "https://ex\u0430mple.fi/": links.Problem.MIXED_SCRIPT,  # a Cyrillic а
    "https://xn--exmple-4nf.fi/": links.Problem.MIXED_SCRIPT,  # the same, as IDNA
    "https://p\u0430ypal.com/": links.Problem.MIXED_SCRIPT,
    "https://kunta.fi:99999/": links.Problem.PORT,
    "https://kunta.fi:0/": links.Problem.PORT,
    "https://kunta.fi:/": links.Problem.PORT,
    "https://kunta.fi:\u0668\u0660/": links.Problem.PORT,
    "https://[::1/": links.Problem.NOT_WEB,
    "https://kunta.fi\\@evil.example/": links.Problem.NOT_WEB,
    "https:///evil.example/": links.Problem.HOST,
    "https://ev%69l.example/": links.Problem.HOST,
    "http://0x7f.1/": links.Problem.HOST,
    "https://[fe80::1%25eth0]/": links.Problem.HOST,
    "https://my_site.fi/": links.Problem.HOST,
}
GOOD_LINKS = ["https://jyväskylä.fi/", "https://xn--jyvskyl-7wae.fi/tapahtumat", "HTTP://Kunta.FI",
              "https://www.esimerkki.fi/a?b=1#c", "https://kunta.fi:8443/x", "https://東京.jp/",
              "https://пример.рф/", "http://192.0.2.1/", "https://[2001:db8::1]/",
              "https://kunta.fi/kevät/@tapahtuma"]  # fmt: skip


@pytest.mark.parametrize("link, problem", DECEIVING.items())
def test_a_deceiving_link_is_refused_in_a_data_file(link: str, problem: links.Problem):
    found = links.problem(link)
    assert found is not None and found[0] is problem
    with pytest.raises(fields.Invalid) as refused:
        fields.URL(link)
    assert problem.value in str(refused.value)
    assert "\u200b" not in str(refused.value) and "\u202e" not in str(refused.value)


@pytest.mark.parametrize("link", GOOD_LINKS)
def test_finnish_letters_and_other_honest_links_are_accepted(link: str):
    assert links.problem(link) is None
    assert fields.URL(link) == link


FORM_MESSAGES = {
    links.Problem.USERINFO: "Osoitteessa ei voi olla käyttäjätunnusta ennen palvelimen nimeä "
    "(nimi@palvelin).",
    links.Problem.HIDDEN: "Osoitteessa on näkymättömiä tai tekstin suuntaa muuttavia merkkejä. "
    "Kirjoita osoite uudelleen.",
    links.Problem.MIXED_SCRIPT: "Palvelimen nimessä on sekaisin eri aakkostojen kirjaimia.",
    links.Problem.PORT: "Porttinumeron pitää olla välillä 1–65535.",
}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize(
    "link",
    ["https://kehto.example.fi@evil.example/", "https://evil.example\u200b.fi/",
     "https://kunta.fi/\u200etapahtuma", "https://ex\u0430mple.fi/", "https://kunta.fi:99999/"],
)  # fmt: skip
def test_the_form_refuses_a_deceiving_link_in_the_page_s_language(app, client, lang, link):
    from tests.test_proposals import field_error

    page = client.post(in_lang(lang, "/events/new/"), data=valid_form(link=link))
    assert page.status_code == 422
    expected = translated(app, lang, FORM_MESSAGES[DECEIVING[link]])
    assert field_error(page.text, "link") == expected
    if lang != "fi":
        assert expected != str(FORM_MESSAGES[DECEIVING[link]])


@pytest.mark.parametrize("link", ["https://jyväskylä.fi/tapahtuma", "https://kunta.fi:8443/"])
def test_the_form_accepts_finnish_letters_and_a_real_port(client, link):
    assert client.post(FORM, data=valid_form(link=link)).status_code == 303


@PROPERTY
@given(value=st.text(max_size=60) | st.builds(lambda s: "https://" + s, st.text(max_size=40)))
def test_the_link_rule_never_raises_anything_but_its_own_refusal(value: str):
    try:
        accepted = fields.URL(value)
    except fields.Invalid:
        return
    assert accepted == value
    # What passes parses as a browser would read it: the host a visitor sees is its host.
    shown = links.shown(value)
    assert links.problem(shown) is None
    assert "@" not in shown.split("//", 1)[1].split("/", 1)[0]


def test_an_event_page_shows_an_idna_host_in_its_own_letters(client, data_dir):
    link = "https://xn--jyvskyl-7wae.fi/tapahtuma"
    edit_data(data_dir, "events.json", lambda t: t["2"].update(link=link))
    page = client.get("/fi/tapahtumat/2/").text
    assert f'<a href="{link}" rel="nofollow noopener">https://jyväskylä.fi/tapahtuma</a>' in page


# Privacy: the logs keep a truncated address; the instance folder is the site's alone


@pytest.mark.parametrize(
    "address, logged",
    [("203.0.113.77", "203.0.113.0/24"), ("2001:db8:1:2::77", "2001:db8:1::/48"),
     ("::ffff:198.51.100.9", "198.51.100.0/24")],
)  # fmt: skip
def test_the_access_line_has_a_truncated_address(client, caplog, address, logged):
    caplog.set_level(logging.INFO, logger="kehto_app.access")
    client.get("/fi/", environ_base={"REMOTE_ADDR": address}, headers={"X-Request-ID": "probe-1"})
    line = next(r.getMessage() for r in caplog.records if "probe-1" in r.getMessage())
    assert line.split()[1] == logged
    assert address not in line


def test_the_instance_folder_and_its_files_are_private(config, instance_dir):
    instance_dir.chmod(0o755)
    client = create_app({**config, "SECRET_KEY": None}).test_client()
    client.post(FORM, data=valid_form())
    assert stat.S_IMODE(instance_dir.stat().st_mode) == 0o700
    files = [p for p in instance_dir.iterdir() if p.is_file()]
    assert {"secret_key", "ratelimit.sqlite3"} <= {p.name for p in files}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_an_old_rate_limit_file_is_made_private(config, instance_dir):
    old = instance_dir / "ratelimit.sqlite3"
    sqlite3.connect(old).close()
    old.chmod(0o644)
    create_app(config)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_the_privacy_notice_lists_where_personal_data_is_kept():
    pages = json.loads((Path(__file__).parent.parent / "data" / "pages.json").read_text())
    notice = next(p for p in pages["_default"].values() if p["slug"] == "tietosuojaseloste")
    for lang, words in {
        "fi": ["ehdotustiedosto sivuston instanssikansiossa", "lähetysrajoituksen tietokanta",
               "lokit", "14 päivää"],
        "sv": ["förslagsfilen i webbplatsens instansmapp", "inskicksbegränsningen", "loggar",
               "14 dagar"],
        "en": ["the proposals file in the site's instance folder", "the rate limit's database",
               "logs", "14 days"],
    }.items():  # fmt: skip
        body = notice["body"][lang]
        for word in [*words, "/24", "/48", "/64"]:
            assert word in body, (lang, word)
