"""Addresses in the visitor's language: each page's own, the old ones answering 301."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kehto_app import create_app
from kehto_app.serving.logs import SECRET_IN_PATH
from tests.helpers import edit_data
from tests.test_site import parse

ADDRESSES = {
    # page: its address in fi, sv, en
    "contacts": ("/fi/yhteystiedot/", "/sv/kontakt/", "/en/contact/"),
    "events": ("/fi/tapahtumat/", "/sv/evenemang/", "/en/events/"),
    "past": ("/fi/tapahtumat/menneet/", "/sv/evenemang/tidigare/", "/en/events/past/"),
    "year": ("/fi/tapahtumat/menneet/2012/", "/sv/evenemang/tidigare/2012/",
             "/en/events/past/2012/"),
    "subscribe": ("/fi/tapahtumat/tilaa/", "/sv/evenemang/prenumerera/",
                  "/en/events/subscribe/"),
    "event": ("/fi/tapahtumat/2/", "/sv/evenemang/2/", "/en/events/2/"),
    "event.ics": ("/fi/tapahtumat/2/event.ics", "/sv/evenemang/2/event.ics",
                  "/en/events/2/event.ics"),
    "form": ("/fi/tapahtumat/uusi/", "/sv/evenemang/ny/", "/en/events/new/"),
    "thanks": ("/fi/tapahtumat/uusi/kiitos/", "/sv/evenemang/ny/tack/",
               "/en/events/new/thanks/"),
    "news": ("/fi/ajankohtaista/", "/sv/aktuellt/", "/en/news/"),
    "news item": ("/fi/ajankohtaista/1/", "/sv/aktuellt/1/", "/en/news/1/"),
    "news feed": ("/fi/ajankohtaista/feed.atom", "/sv/aktuellt/feed.atom",
                  "/en/news/feed.atom"),
    "search": ("/fi/haku/?q=foorumi", "/sv/sok/?q=foorumi", "/en/search/?q=foorumi"),
    "accessibility": ("/fi/saavutettavuusseloste/", "/sv/tillganglighetsutlatande/",
                      "/en/accessibility-statement/"),
    "privacy": ("/fi/tietosuojaseloste/", "/sv/dataskyddsbeskrivning/", "/en/privacy-notice/"),
}  # fmt: skip

OLD = {
    # an address as it was before (or in another language's words): where it goes now
    "/fi/events/": "/fi/tapahtumat/",
    "/sv/events/": "/sv/evenemang/",
    "/fi/events/2/": "/fi/tapahtumat/2/",
    "/sv/events/2/event.ics": "/sv/evenemang/2/event.ics",
    "/fi/events/past/2012/": "/fi/tapahtumat/menneet/2012/",
    "/fi/events/subscribe/": "/fi/tapahtumat/tilaa/",
    "/fi/events/new/": "/fi/tapahtumat/uusi/",
    "/sv/events/new/thanks/": "/sv/evenemang/ny/tack/",
    "/fi/contacts/": "/fi/yhteystiedot/",
    "/sv/contacts/": "/sv/kontakt/",
    "/en/contacts/": "/en/contact/",
    "/fi/news/": "/fi/ajankohtaista/",
    "/sv/news/1/": "/sv/aktuellt/1/",
    "/fi/news/feed.atom": "/fi/ajankohtaista/feed.atom",
    "/fi/search/": "/fi/haku/",
    "/sv/search/": "/sv/sok/",
    "/sv/saavutettavuusseloste/": "/sv/tillganglighetsutlatande/",
    "/en/tietosuojaseloste/": "/en/privacy-notice/",
    # a visitor who changed only the language prefix
    "/sv/tapahtumat/2/": "/sv/evenemang/2/",
    "/en/tapahtumat/uusi/": "/en/events/new/",
    "/fi/evenemang/": "/fi/tapahtumat/",
    "/fi/privacy-notice/": "/fi/tietosuojaseloste/",
    "/en/dataskyddsbeskrivning/": "/en/privacy-notice/",
}


@pytest.mark.parametrize("page", ADDRESSES)
def test_every_page_has_its_address_in_each_language(client, page):
    for lang, address in zip(("fi", "sv", "en"), ADDRESSES[page], strict=True):
        answer = client.get(address)
        assert answer.status_code == 200, address
        if answer.mimetype == "text/html":
            assert f'<html lang="{lang}">' in answer.text


@pytest.mark.parametrize(("old", "new"), OLD.items())
def test_an_old_address_answers_301_to_the_new_one(client, old, new):
    answer = client.get(old)
    assert (answer.status_code, answer.headers["Location"]) == (301, new)
    assert client.get(new).status_code == 200


def test_a_moved_address_keeps_its_query(client):
    answer = client.get("/fi/events/past/?page=1")
    assert answer.headers["Location"] == "/fi/tapahtumat/menneet/?page=1"
    answer = client.get("/sv/search/?q=kommuner%20och%20%C3%A4r")
    assert answer.headers["Location"] == "/sv/sok/?q=kommuner%20och%20%C3%A4r"


def test_a_post_to_the_old_form_address_keeps_its_method(client):
    answer = client.post("/fi/events/new/", data={"title": "x"})
    assert (answer.status_code, answer.headers["Location"]) == (308, "/fi/tapahtumat/uusi/")


def test_the_calendar_feed_keeps_its_address(client):
    assert client.get("/events.ics").status_code == 200
    assert client.get("/events.ics?lang=sv").status_code == 200
    assert 'href="/events.ics"' in client.get("/sv/evenemang/").text


@pytest.mark.parametrize("page", ["contacts", "event", "news item", "privacy", "past"])
def test_the_switcher_canonical_and_hreflang_use_the_new_addresses(client, page):
    fi, sv, en = (urlsplit(a).path for a in ADDRESSES[page])
    html = client.get(sv).text
    assert f'<link rel="canonical" href="http://localhost{sv}">' in html
    for lang, address in (("fi", fi), ("sv", sv), ("en", en)):
        assert f'hreflang="{lang}" href="http://localhost{address}"' in html
        assert f'<a href="{address}" lang="{lang}" hreflang="{lang}"' in html
    assert f'hreflang="x-default" href="http://localhost{fi}"' in html


def test_the_sitemap_lists_only_the_new_addresses(client):
    sitemap = client.get("/sitemap.xml").text
    for addresses in ADDRESSES.values():
        for address in addresses:
            if "?" not in address and "event.ics" not in address and "kiitos" not in address:
                if "/uusi/" in address or "/ny/" in address or "/new/" in address:
                    continue  # the form and its thanks page are not for search engines
                assert f"<loc>http://localhost{address}</loc>" in sitemap, address
    for old in OLD:
        assert f"http://localhost{old}<" not in sitemap
        assert f'href="http://localhost{old}"' not in sitemap


def test_a_page_may_give_its_address_in_swedish_and_english(client, data_dir):
    edit_data(data_dir, "pages.json",
              lambda t: t["4"].update(slugs={"sv": "bara-pa-finska", "en": "finnish-only"}))  # fmt: skip
    assert client.get("/sv/bara-pa-finska/").status_code == 200
    assert client.get("/en/finnish-only/").status_code == 200
    assert client.get("/fi/vain-suomeksi/").status_code == 200
    moved = client.get("/sv/vain-suomeksi/")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/sv/bara-pa-finska/")
    assert client.get("/fi/finnish-only/").headers["Location"] == "/fi/vain-suomeksi/"


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        ({"sv": "kontakt"}, 'pages.json: document 4: slugs.sv: "kontakt" is reserved for the site\'s own pages'),
        ({"en": "tapahtumat"}, 'pages.json: document 4: slugs.en: "tapahtumat" is reserved for the site\'s own pages'),
        ({"sv": "tietosuojaseloste"}, 'pages.json: document 4: slugs.sv: "tietosuojaseloste" is already used by document 3'),
        ({"en": "privacy-notice"}, 'pages.json: document 4: slugs.en: "privacy-notice" is already used by document 3'),
        ({"fi": "x"}, "pages.json: document 4: slugs: has \"fi\": the Finnish address is the page's slug (use sv, en)"),
        ({"de": "x"}, 'pages.json: document 4: slugs: unknown language "de" (use sv, en)'),
        ({"sv": "Åbo"}, 'pages.json: document 4: slugs: sv: "Åbo" is not a slug (use a-z, 0-9 and -, e.g. "uutiset-2026")'),
        ("sv", "pages.json: document 4: slugs: must be {\"sv\": ..., \"en\": ...}, not text"),
    ],
)  # fmt: skip
def test_a_wrong_address_is_a_problem_naming_the_field(runner, data_dir, slugs, message):
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(slugs=slugs))
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert message in result.stdout.splitlines()


def test_a_page_slug_in_another_language_s_words_is_reserved(runner, data_dir):
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(slug="evenemang"))
    result = runner.invoke(args=["kehto", "check"])
    assert 'pages.json: document 4: slug: "evenemang" is reserved for the site\'s own pages' in (
        result.stdout.splitlines()
    )


def test_a_review_token_is_masked_in_every_language_s_path():
    for path in ("/fi/tapahtumat/tarkista/12/SECRET/", "/sv/evenemang/granska/12/SECRET/",
                 "/en/events/review/12/SECRET/", "/fi/events/review/12/SECRET/"):  # fmt: skip
        assert "SECRET" not in SECRET_IN_PATH.sub(r"\1-", path), path


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # the client is read-only
@given(st.sampled_from(sorted(OLD)), st.text(max_size=30))
def test_no_query_on_a_moved_address_gives_a_5xx(client, old, query):
    answer = client.get(old, query_string={"q": query, "page": query})
    assert answer.status_code in (301, 404), answer.status_code
    if answer.status_code == 301:
        assert answer.headers["Location"].startswith(OLD[old])
        assert all(32 < ord(c) < 127 for c in answer.headers["Location"])


def site_on_shipped_data(tmp_path: Path):
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", tmp_path / "data")
    (tmp_path / "instance").mkdir()
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"),
                       "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": "test"})  # fmt: skip


def test_a_crawl_of_the_shipped_site_from_the_three_front_pages_finds_no_broken_link(tmp_path):
    """Every link (menus, text, hreflang, canonical, feeds) of every page reached answers
    200. A link in the old words would answer 301 to a page that answers 200 (checked),
    but the shipped pages have none."""
    client = site_on_shipped_data(tmp_path).test_client()
    seen: set[str] = set()
    todo = ["/fi/", "/sv/", "/en/"]
    moved: list[str] = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        answer = client.get(path)
        if answer.status_code == 301:
            moved.append(path)
            target = answer.headers["Location"]
            assert client.get(target).status_code == 200, (path, target)
            continue
        assert answer.status_code == 200, path
        if answer.mimetype != "text/html":
            continue
        for href in parse(answer.text).hrefs:
            url = urlsplit(href)
            if url.netloc not in ("", "localhost") or url.scheme not in ("", "http"):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            if link.startswith("/") and link not in seen:
                todo.append(link)
    assert {"/fi/ajankohtaista/", "/sv/evenemang/", "/en/contact/",
            "/sv/dataskyddsbeskrivning/", "/en/news/feed.atom"} <= seen  # fmt: skip
    assert len(seen) > 40
    assert not moved, f"the shipped pages link to old addresses: {moved}"
