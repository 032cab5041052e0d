"""News ("Ajankohtaista"): the list, a page per item, the front page's newest three, Atom."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kehto_app import create_app
from tests.helpers import edit_data
from tests.helpers import in_lang

ATOM = "{http://www.w3.org/2005/Atom}"


def news_item(n: int, day: str) -> dict:
    return {"title": f"Uutinen {n:02}", "date": day, "summary": f"Tiivistelmä {n}.",
            "body": f"Teksti {n}."}  # fmt: skip


def test_the_list_is_newest_first_and_paginated(client, data_dir):
    edit_data(data_dir, "news.json", lambda t: t.update(
        {str(n): news_item(n, f"2026-01-{n:02}") for n in range(1, 13)}))  # fmt: skip
    first = client.get("/fi/ajankohtaista/").text
    assert first.index("Uutinen 12") < first.index("Uutinen 11") < first.index("Uutinen 03")
    assert "Uutinen 02" not in first and "Tiivistelmä 12." in first
    second = client.get("/fi/ajankohtaista/?page=2")
    assert second.status_code == 200 and "Uutinen 02" in second.text
    assert "Uutinen 01" in second.text
    assert client.get("/fi/ajankohtaista/?page=3").status_code == 404
    assert client.get("/fi/ajankohtaista/?page=²").status_code == 404


def test_an_item_has_its_page_with_the_date_and_updated(client):
    page = client.get("/fi/ajankohtaista/2/")
    assert page.status_code == 200
    assert "<h1>Uusi uutinen</h1>" in page.text
    assert '<time datetime="2026-11-20">20.11.2026</time>' in page.text
    assert 'Päivitetty <time datetime="2026-11-25">25.11.2026</time>' in page.text
    sv = client.get("/sv/aktuellt/1/").text
    assert "<h1>Gammal nyhet</h1>" in sv and "<h2>" not in sv.split("<main")[1].split("</main>")[0]
    fallback = client.get("/sv/aktuellt/2/").text
    assert 'lang="fi"' in fallback, "Finnish shown on a Swedish page says so"
    assert client.get("/fi/ajankohtaista/99/").status_code == 404
    assert client.get("/fi/ajankohtaista/٣/").status_code == 404


def test_the_front_page_shows_the_newest_three(config, data_dir):
    edit_data(data_dir, "news.json", lambda t: t.update(
        {str(n): news_item(n, f"2026-02-{n:02}") for n in range(3, 8)}))  # fmt: skip
    client = create_app(config).test_client()
    main = client.get("/fi/").text.split("<main")[1]
    shown = [n for n in range(3, 8) if f"Uutinen {n:02}" in main]
    assert shown == [6, 7] and "Uusi uutinen" in main, "2026-11-20, 7.2. and 6.2."
    assert main.index("Uusi uutinen") < main.index("Uutinen 07") < main.index("Uutinen 06")
    assert main.index("Lisätietoja") < main.index("Tapahtumat") < main.index("Ajankohtaista")
    assert main.index("Ajankohtaista") < main.index("Avoimet työpaikat")


def test_an_empty_news_file_leaves_the_front_page_without_the_block(client, data_dir):
    edit_data(data_dir, "news.json", lambda t: t.clear())
    main = client.get("/fi/").text.split("<main")[1]
    assert "Ajankohtaista" not in main
    assert "Ei uutisia." in client.get("/fi/ajankohtaista/").text


def test_the_menu_has_the_news(client):
    page = client.get("/fi/ajankohtaista/1/").text
    nav = page[page.index('class="main-nav"') :].split("</nav>")[0]
    assert '<a href="/fi/ajankohtaista/" aria-current="page">Ajankohtaista</a>' in nav
    sv = client.get("/sv/").text
    assert '<a href="/sv/aktuellt/">Aktuellt</a>' in sv


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_atom_feed_is_valid_and_linked_from_the_list(client, lang):
    listing = client.get(in_lang(lang, "/news/")).text
    feed = in_lang(lang, "/news/feed.atom")
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in listing
    answer = client.get(in_lang(lang, "/news/feed.atom"))
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    assert answer.headers["Cache-Control"].startswith("public")
    feed = ET.fromstring(answer.data)
    assert feed.tag == f"{ATOM}feed"
    for required in ("title", "id", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        "http://localhost" + in_lang(lang, "/news/2/"),
        "http://localhost" + in_lang(lang, "/news/1/"),
    ]
    for entry in entries:
        for required in ("title", "id", "updated", "published", "summary", "content"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    assert entries[1].find(f"{ATOM}content").text.startswith("<p")
    if lang != "fi":
        assert entries[0].get("{http://www.w3.org/XML/1998/namespace}lang") == "fi"


def test_news_are_in_the_sitemap(client):
    sitemap = client.get("/sitemap.xml").text
    for lang in ("fi", "sv", "en"):
        for path in ("/news/", "/news/1/", "/news/2/", "/news/feed.atom"):
            assert f"<loc>http://localhost{in_lang(lang, path)}</loc>" in sitemap, (lang, path)


def test_a_news_item_can_not_take_the_slug_of_a_page(client, runner, data_dir):
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(slug="news"))
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert 'pages.json: document 4: slug: "news" is reserved' in result.stdout
