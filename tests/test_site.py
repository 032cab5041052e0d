"""A visitor reads the forum's pages in Finnish, Swedish and English."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.helpers import edit_data
from tests.helpers import event
from tests.helpers import in_lang

LANGS = ("fi", "sv", "en")
PAGES = (
    "/",
    "/contacts/",
    "/events/",
    "/events/past/",
    "/events/1/",
    "/events/2/",
    "/events/new/",
    "/events/new/thanks/",
    "/vain-suomeksi/",
)
CONTENT_PAGES = {
    "fi": ("/fi/saavutettavuusseloste/", "/fi/tietosuojaseloste/"),
    "sv": ("/sv/tillganglighetsutlatande/", "/sv/dataskyddsbeskrivning/"),
    "en": ("/en/accessibility-statement/", "/en/privacy-notice/"),
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang")
        if tag in ("a", "link") and found.get("href"):
            self.hrefs.append(found["href"])


def parse(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_in_every_language(client, path, lang):
    response = client.get(in_lang(lang, path))
    assert response.status_code == 200
    assert parse(response.text).html_lang == lang


@pytest.mark.parametrize("lang", LANGS)
def test_the_legal_pages_answer_at_their_address_in_each_language(client, lang):
    for path in CONTENT_PAGES[lang]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert parse(response.text).html_lang == lang


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        ("sv-FI,sv;q=0.9,en;q=0.5", "/sv/"),
        ("en-GB,en;q=0.8", "/en/"),
        ("de-DE", "/fi/"),
        ("", "/fi/"),
        ("fi;q=0.2, en;q=0.9", "/en/"),
    ],
)
def test_root_redirects_by_accept_language(client, accept, target):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Accept-Language" in response.headers["Vary"]


def test_front_page_is_laid_out_as_the_seed(client):
    html = client.get("/fi/").text
    for text in (
        "Testifoorumi",
        "Foorumin testiteksti.",
        "Lisätietoja",
        "Testi Henkilö",
        "testi.henkilo(a)hel.fi",
        "Tapahtumat",
        "Tuleva foorumi",
        "Avoimet työpaikat",
        "(Ei työpaikkoja)",
        "Siirry ylös",
        "Siirry sisältöön",
    ):
        assert text in html
    main = html[html.index("<main") : html.index("</main>")]
    assert main.index("Lisätietoja") < main.index("Tapahtumat") < main.index("Avoimet työpaikat")
    assert 'href="tel:+358405722120"' in html
    assert "Mennyt tapaaminen" not in html, "past events are not on the front page"
    assert "Piilotettu tapahtuma" not in html, "hidden events are shown nowhere"
    assert "Odottava ehdotus" not in html, "proposals are shown nowhere"


def test_open_jobs_are_listed_until_their_deadline(client, data_dir):
    job = {
        "title": {"fi": "Katuinsinööri", "sv": "Gatuingenjör"},
        "employer": "Espoo",
        "location": "Espoo",
        "deadline": "2099-01-31",
        "link": "https://example.org/job",
    }
    closed = dict(job, title="Suljettu haku", deadline="2020-01-31")
    write_table(data_dir, "jobs.json", [job, closed])
    html = client.get("/fi/").text
    assert "Katuinsinööri" in html and "31.1.2099" in html
    assert "Suljettu haku" not in html
    assert "(Ei työpaikkoja)" not in html
    assert "Gatuingenjör" in client.get("/sv/").text


@pytest.mark.parametrize("lang", ("sv", "en"))
def test_swedish_and_english_pages_show_no_finnish_ui_words(client, lang):
    finnish = (
        "Lisätietoja",
        "Tapahtumat",
        "Avoimet työpaikat",
        "Ei työpaikkoja",
        "Siirry ylös",
        "Siirry sisältöön",
        "Yhteystiedot",
        "Saavutettavuusseloste",
        "Tietosuojaseloste",
        "Etusivu",
        "Lisää tapahtuma",
        "Kieli",
        "Päävalikko",
    )
    html = client.get(f"/{lang}/").text
    for word in finnish:
        assert word not in html, word


def test_missing_translation_falls_back_to_finnish_marked_as_finnish(client):
    html = client.get("/sv/vain-suomeksi/").text
    assert '<span lang="fi">Vain suomeksi</span>' in html
    assert re.search(r'class="fallback-note">[^<]*finska', html)
    assert '<div lang="fi"><p>Tämä sivu on vain suomeksi.' in html
    finnish_page = client.get("/fi/vain-suomeksi/").text
    assert 'lang="fi"><p>' not in finnish_page and "fallback-note" not in finnish_page


def test_markdown_renders_but_raw_html_does_not(client, runner, data_dir):
    edit_data(
        data_dir, "pages.json", ("vain suomeksi.", "vain suomeksi. <script>alert(1)</script>")
    )
    check = runner.invoke(args=["kehto", "check"])
    assert check.exit_code == 0, "raw HTML is a warning: the page is still served"
    assert 'warning: pages.json: document 4: body: fi has raw HTML ("<script>"' in check.stdout
    html = client.get("/fi/vain-suomeksi/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h2>Mitä se on?</h2>" in client.get("/fi/").text


@pytest.mark.parametrize(
    ("lang", "date", "time"),
    [
        ("fi", "14.6.2099", "klo 9.30–16.00"),
        ("sv", "14.6.2099", "kl. 9.30–16.00"),
        ("en", "14 June 2099", "at 9.30–16.00"),
    ],
)
def test_dates_are_formatted_per_locale_in_helsinki_time(client, lang, date, time):
    html = client.get(in_lang(lang, "/events/2/")).text
    assert f"{date} {time}" in html
    shown = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    assert "2099-06-14" not in re.sub(r'(datetime|href)="[^"]*"', "", shown)


@pytest.mark.parametrize(
    ("lang", "date"), [("fi", "14.6.2012"), ("sv", "14.6.2012"), ("en", "14 June 2012")]
)
def test_all_day_event_date(client, lang, date):
    assert date in client.get(in_lang(lang, "/events/past/")).text


def test_events_are_ordered_and_paginated(client, data_dir, app):
    events = [event(title=f"Tapahtuma {n:02}", start=f"2099-03-{n:02}") for n in range(1, 26)]
    events += [event(title=f"Mennyt {n:02}", start=f"2011-03-{n:02}") for n in range(1, 26)]
    write_table(data_dir, "events.json", events, first_id=11)  # new ids: new events
    first = client.get("/fi/tapahtumat/").text
    assert first.index("Tapahtuma 01") < first.index("Tapahtuma 02") < first.index("Tapahtuma 20")
    assert "Tapahtuma 21" not in first
    second = client.get("/fi/tapahtumat/?page=2").text
    assert "Tapahtuma 21" in second and "Tapahtuma 25" in second
    past = client.get("/fi/tapahtumat/menneet/").text
    assert past.index("Mennyt 25") < past.index("Mennyt 24")
    assert client.get("/fi/tapahtumat/?page=3").status_code == 404
    assert client.get("/fi/tapahtumat/?page=abc").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/de/",
        "/xx/events/",
        "/fi/ei-ole/",
        "/fi/tapahtumat/99/",
        "/fi/tapahtumat/3/",
        "/FI/",
        "/fi/tapahtumat/0/",
        "/fi/tapahtumat/ehdota/",
    ],
)
def test_unknown_pages_are_a_localized_404(client, path):
    response = client.get(path, headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    expected = (
        "Sidan hittades inte" if path.startswith(("/de", "/xx", "/FI")) else "Sivua ei löytynyt"
    )
    assert expected in response.text


def test_a_404_under_a_language_speaks_it(client):
    response = client.get("/sv/tapahtumat/ehdota/", headers={"Accept-Language": "fi"})
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.text and '<html lang="sv">' in response.text


def test_english_404_for_unknown_prefix(client):
    response = client.get("/de/", headers={"Accept-Language": "en"})
    assert "Page not found" in response.text
    assert '<html lang="en">' in response.text


EVENT_2 = {"fi": "/fi/tapahtumat/2/", "sv": "/sv/evenemang/2/", "en": "/en/events/2/"}
CONTACTS = {"fi": "/fi/yhteystiedot/", "sv": "/sv/kontakt/", "en": "/en/contact/"}


def test_language_switcher_keeps_the_visitor_on_the_same_page(client):
    html = client.get("/fi/tapahtumat/2/").text
    for code, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")):
        assert f'<a href="{EVENT_2[code]}" lang="{code}" hreflang="{code}"' in html
        assert name in html
    paged = client.get("/sv/evenemang/tidigare/?page=1").text
    assert 'href="/en/events/past/?page=1"' in paged


def test_canonical_and_hreflang_links(client):
    html = client.get("/sv/kontakt/").text
    assert '<link rel="canonical" href="http://localhost/sv/kontakt/">' in html
    for code in LANGS:
        assert f'hreflang="{code}" href="http://localhost{CONTACTS[code]}"' in html
    assert 'hreflang="x-default" href="http://localhost/fi/yhteystiedot/"' in html


def test_sitemap_lists_every_page_with_alternates(client):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ElementTree.fromstring(response.data)
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert "http://localhost/sv/evenemang/2/" in locs
    assert "http://localhost/en/vain-suomeksi/" in locs
    assert not any("/events/3/" in loc for loc in locs), "hidden events stay out"
    for url in root.findall("s:url", ns):
        assert len(url.findall("x:link", ns)) == 3


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in response.text


@pytest.mark.parametrize("lang", LANGS)
def test_every_link_from_the_front_page_answers(client, lang):
    seen: set[str] = set()
    todo = [f"/{lang}/"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            for href in parse(response.text).hrefs:
                href = href.split("#")[0]
                if href.startswith("/") and href not in seen:
                    todo.append(href)
    assert len(seen) > 10


def test_the_shipped_data_is_valid_and_shows_the_seed(tmp_path):
    from kehto_app import create_app

    root = Path(__file__).resolve().parent.parent
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(root / "data"),
            "INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "x",
        }
    )
    html = app.test_client().get("/fi/").text
    seed = Path(__file__).resolve().parent / "seed" / "kehto-toiminta.txt"
    for text in (
        "KEHTO-toiminta",
        "Kari Ström",
        "ramo.k.saarinen(a)hel.fi",
        "Tuulia Innala",
        "p. <a",
        "(Ei työpaikkoja)",
        "Siirry ylös",
        "KUPERA-hanke on päättyi kesällä 2012",
    ):
        assert text in html
    paragraphs = [
        p.strip() for p in seed.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 120
    ]
    assert paragraphs, f"{seed} has no paragraphs to look for"
    for paragraph in paragraphs:
        assert " ".join(paragraph.split()) in html


def write_table(data_dir: Path, name: str, documents: list[dict], first_id: int = 1) -> None:
    """The maintainer replaces all the documents of one data file with `documents`."""

    def replace_all(table: dict) -> None:
        table.clear()
        table.update({str(n): doc for n, doc in enumerate(documents, start=first_id)})

    edit_data(data_dir, name, replace_all)
