"""The site's name, tagline and footer text come from site.json, edited like any data file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask import request_started
from flask import url_for

from kehto_app import create_app
from tests.helpers import Table
from tests.helpers import edit_data

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("fi", "sv", "en")
BEFORE = {
    "fi": (
        "KEHTO-foorumi",
        "Kuntien teknisen sektorin kehittämisfoorumi",
        "KEHTO-foorumi on Kuntaliiton koordinoima kuntien teknisen sektorin yhteistyöverkosto.",
        "KEHTO-foorumi: Ajankohtaista",
    ),
    "sv": (
        "KEHTO-forumet",
        "Utvecklingsforum för kommunernas tekniska sektor",
        "KEHTO-forumet är ett samarbetsnätverk för kommunernas tekniska sektor som samordnas av "
        "Kommunförbundet.",
        "KEHTO-forumet: Aktuellt",
    ),
    "en": (
        "KEHTO forum",
        "Development forum for the technical sector of Finnish municipalities",
        "The KEHTO forum is a cooperation network for the technical sector of Finnish "
        "municipalities, coordinated by the Association of Finnish Cities and Municipalities.",
        "KEHTO forum: News",
    ),
}
"""What the templates and catalogs said before site.json: name, tagline, footer, feed title."""


def url(app: Flask, endpoint: str, **values: object) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def header(lang: str, name: str, tagline: str) -> str:
    return (
        f'<p class="site-name"><a href="/{lang}/">{name}</a>\n'
        f'        <span class="site-tagline">{tagline}</span></p>'
    )


def footer(text: str) -> str:
    return f'<footer class="site-footer">\n  <div class="wrap footer-row">\n    <p>{text}</p>'


@pytest.mark.parametrize("lang", LANGS)
def test_the_shipped_texts_show_as_they_did_before(config, data_dir, lang):
    shutil.copyfile(ROOT / "data" / "site.json", data_dir / "site.json")
    app = create_app(config)
    client = app.test_client()
    name, tagline, footer_text, feed_title = BEFORE[lang]

    front = client.get(f"/{lang}/").text
    assert header(lang, name, tagline) in front
    assert f" – {name}</title>" in front
    assert f'<meta property="og:site_name" content="{name}">' in front
    assert footer(footer_text) in front

    page = client.get(url(app, "site.page", slug="saavutettavuusseloste", lang=lang)).text
    assert f'<meta name="description" content="{footer_text}">' in page, "no description of its own"
    assert f'<meta property="og:description" content="{footer_text}">' in page

    news = client.get(url(app, "news.index", lang=lang)).text
    assert f'title="{feed_title}">' in news
    feed = client.get(url(app, "news.feed", lang=lang)).text
    assert f"<title>{feed_title}</title>" in feed
    assert "<author><name>KEHTO-foorumi</name></author>" in feed, "the Finnish name"


def rename(table: Table) -> None:
    table["1"]["name"] = {"fi": "Uusi nimi", "sv": "Nytt namn", "en": "New name"}
    table["1"]["footer"] = {"fi": "Uusi alateksti.", "sv": "Ny sidfot.", "en": "New footer."}


def test_an_edit_of_site_json_shows_on_the_next_request_also_on_a_cached_page(app, data_dir):
    handled: list[str] = []
    request_started.connect(lambda sender, **extra: handled.append("flask"), app, weak=False)
    client = app.test_client()
    before = client.get("/sv/")
    assert client.get("/sv/").data == before.data and handled == ["flask"], "replayed"
    feed = url(app, "news.feed", lang="sv")
    assert "<title>KEHTO-forumet: Aktuellt</title>" in client.get(feed).text

    edit_data(data_dir, "site.json", rename)

    after = client.get("/sv/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert header("sv", "Nytt namn", BEFORE["sv"][1]) in after.text
    assert " – Nytt namn</title>" in after.text
    assert '<meta property="og:site_name" content="Nytt namn">' in after.text
    assert footer("Ny sidfot.") in after.text
    assert "<title>Nytt namn: Aktuellt</title>" in client.get(feed).text
    assert "<author><name>Uusi nimi</name></author>" in client.get(feed).text
    page = client.get(url(app, "site.page", slug="tietosuojaseloste", lang="en")).text
    assert '<meta name="description" content="New footer.">' in page


def only_finnish(table: Table) -> None:
    for field in ("name", "tagline", "footer"):
        table["1"][field] = {"fi": table["1"][field]["fi"]}


def test_a_missing_swedish_text_shows_the_finnish_one_marked_as_finnish(client, data_dir):
    edit_data(data_dir, "site.json", only_finnish)
    name, tagline, footer_text, _ = BEFORE["fi"]
    page = client.get("/sv/").text
    marked = f'<span lang="fi">{name}</span>', f'<span lang="fi">{tagline}</span>'
    assert header("sv", *marked) in page
    assert footer(f'<span lang="fi">{footer_text}</span>') in page
    assert f" – {name}</title>" in page, "plain text in the tab's title"
    assert f'<meta property="og:site_name" content="{name}">' in page
    assert header("fi", name, tagline) in client.get("/fi/").text


def second(table: Table) -> None:
    table["2"] = dict(table["1"])


def remove_name(table: Table) -> None:
    del table["1"]["name"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            second,
            "site.json: has 2 documents (ids 1 and 2): it must hold exactly one, "
            "so keep one and delete the others",
            id="two documents",
        ),
        pytest.param(
            lambda table: table.clear(),
            'site.json: has no document: it must hold exactly one, "1": '
            '{"name": ..., "tagline": ..., "footer": ...}',
            id="no document",
        ),
        pytest.param(remove_name, "site.json: document 1: name: is missing", id="no name"),
    ],
)
def test_a_broken_site_json_is_named_and_the_last_good_texts_stay(
    client, runner, data_dir, change, message
):
    assert header("en", *BEFORE["en"][:2]) in client.get("/en/").text
    edit_data(data_dir, "site.json", change)
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [message]
    assert header("en", *BEFORE["en"][:2]) in client.get("/en/").text
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["files"]["site.json"] == "invalid"
