"""Search: pages, news and published events, in the page's language, inflected forms too."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.helpers import edit_data
from tests.helpers import event


def titles(html: str) -> list[str]:
    found = re.findall(r'<h3><a href="([^"]+)"[^>]*>(.*?)</a></h3>', html)
    return [re.sub(r"</?mark>", "", title) for _, title in found]


@pytest.fixture
def kunnat(data_dir):
    def add(table: dict) -> None:
        table["10"] = event(title="Kuntien katuseminaari", description="Kaduista.")
        table["11"] = event(title="Vesihuolto", description="Esitys kunnille ja kuntayhtymille.")
        table["12"] = event(title="Piilotettu kunnat", status="hidden")

    edit_data(data_dir, "events.json", add)


@pytest.mark.parametrize("word", ["kunnat", "kuntien", "kunnille"])
def test_finnish_inflected_forms_find_each_other(client, kunnat, word):
    found = titles(client.get(f"/fi/haku/?q={word}").text)
    assert "Kuntien katuseminaari" in found and "Vesihuolto" in found
    assert "Piilotettu kunnat" not in found, "a hidden event is never found"


def test_a_title_ranks_above_a_body(client, kunnat):
    found = titles(client.get("/fi/haku/?q=kunnille").text)
    assert found.index("Kuntien katuseminaari") < found.index("Vesihuolto")


def test_a_result_has_its_link_kind_date_and_marked_snippet(client):
    page = client.get("/fi/haku/?q=sopimus").text
    assert '<h2 id="results-heading">2 tulosta haulla sopimus</h2>' in page
    assert '<a href="/fi/tapahtumat/1/">Mennyt tapaaminen</a>' in page
    assert 'Tapahtuma, <time datetime="2012-06-14">14.6.2012</time>' in page
    assert "<mark>Sopimus</mark> allekirjoitettiin." in page


def test_news_and_pages_are_found_in_the_page_s_language(client):
    sv = client.get("/sv/sok/?q=avtalet").text
    assert "Gammal nyhet" in titles(sv) and "Nyhet" in sv
    fallback = client.get("/sv/sok/?q=suomeksi").text
    assert '<a href="/sv/vain-suomeksi/" lang="fi">Vain <mark>suomeksi</mark></a>' in fallback
    assert '<a href="/sv/aktuellt/2/" lang="fi">Uusi uutinen</a>' in fallback
    assert "Testifoorumi" in titles(client.get("/fi/haku/?q=testiteksti").text)


def test_every_word_must_match(client):
    assert titles(client.get("/fi/haku/?q=sopimus+foorumi").text) == ["Mennyt tapaaminen"]
    assert titles(client.get("/fi/haku/?q=sopimus+xyzzy").text) == []


def test_nothing_found_gets_a_helpful_page(client):
    page = client.get("/en/search/?q=xyzzy")
    assert page.status_code == 200
    assert "0 results for xyzzy" in page.text
    assert 'href="/en/events/"' in page.text and 'href="/en/contact/"' in page.text


def test_the_header_has_a_search_form_on_every_page(client):
    for path in ("/fi/", "/sv/evenemang/", "/en/news/1/", "/fi/yhteystiedot/"):
        page = client.get(path).text
        form = page[page.index('class="site-search"') - 40 :].split("</form>")[0]
        assert 'role="search"' in form and 'method="get"' in form
        assert '<label for="site-search-q">' in form and 'id="site-search-q" name="q"' in form


def test_a_long_query_is_a_400_and_control_characters_are_ignored(client):
    assert client.get("/fi/haku/?q=" + "a" * 10_000).status_code == 400
    answer = client.get("/fi/haku/?q=sopi%00mus%01")
    assert answer.status_code == 200


def test_the_index_is_built_once_per_data_version(client, data_dir, monkeypatch):
    from kehto_app import search

    built = []
    real = search._build
    monkeypatch.setattr(search, "_build", lambda lang: built.append(lang) or real(lang))
    for _ in range(3):
        client.get("/fi/haku/?q=foorumi")
    assert built == ["fi"]
    edit_data(data_dir, "events.json", lambda t: t.update({"10": event(title="Uusi foorumi")}))
    assert "Uusi foorumi" in titles(client.get("/fi/haku/?q=foorumi").text)
    assert built == ["fi", "fi"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=300))
def test_any_query_gets_no_5xx(client, query):
    answer = client.get("/fi/haku/", query_string={"q": query})
    assert answer.status_code in (200, 400)
    assert "<mark><" not in answer.text


def test_many_hits_show_the_best_twenty_and_say_how_many(client, data_dir):
    before = len(titles(client.get("/fi/haku/?q=seminaari").text))
    edit_data(data_dir, "events.json", lambda t: t.update(
        {str(100 + n): event(title=f"Seminaari {n}", description="Kunnissa.") for n in range(30)}))  # fmt: skip
    page = client.get("/fi/haku/?q=seminaari").text
    assert f'<h2 id="results-heading">{before + 30} tulosta haulla seminaari</h2>' in page
    assert len(titles(page)) == 20
    assert "Näytetään 20 parasta." in page
