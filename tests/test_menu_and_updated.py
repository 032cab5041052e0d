"""The menu from the data, and "Päivitetty" on content pages and news."""

from __future__ import annotations

import re
from datetime import datetime

from kehto_app import create_app
from kehto_app.content.base import HELSINKI
from tests.helpers import edit_data
from tests.helpers import in_lang


def menu(html: str) -> list[tuple[str, str]]:
    nav = html[html.index('class="main-nav"') :].split("</nav>")[0]
    return [(href, re.sub(r"<[^>]+>", "", label))
            for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav)]  # fmt: skip


def test_a_page_with_a_menu_number_is_in_the_menu_in_every_language(client, data_dir):
    assert "/fi/vain-suomeksi/" not in dict(menu(client.get("/fi/").text))
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(menu=45))
    for lang in ("fi", "sv", "en"):
        items = menu(client.get(f"/{lang}/").text)
        hrefs = [href for href, _ in items]
        assert hrefs[-2:] == [f"/{lang}/vain-suomeksi/", in_lang(lang, "/contacts/")], lang
    sv = client.get("/sv/vain-suomeksi/").text
    nav = sv[sv.index('class="main-nav"') :].split("</nav>")[0]
    assert ('<a href="/sv/vain-suomeksi/" aria-current="page"><span lang="fi">Vain suomeksi'
            in nav)  # fmt: skip
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(menu=5))
    assert menu(client.get("/fi/").text)[0] == ("/fi/vain-suomeksi/", "Vain suomeksi")


def test_a_menu_number_must_be_a_whole_number(runner, data_dir):
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(menu="ensimmäinen"))
    result = runner.invoke(args=["kehto", "check"])
    assert result.exit_code == 1
    assert ('pages.json: document 4: menu: "ensimmäinen" is not a place in the menu '
            "(a whole number from 1 to 999)") in result.stdout  # fmt: skip


def updated_on(client, path: str) -> str | None:
    found = re.search(r'Päivitetty <time datetime="([0-9-]+)">', client.get(path).text)
    return found.group(1) if found else None


def test_updated_shows_the_given_day_or_when_the_text_changed(config, data_dir, clock):
    clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=HELSINKI))
    client = create_app(config).test_client()
    assert updated_on(client, "/fi/vain-suomeksi/") is None, "older than the record: no date"
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=HELSINKI))
    edit_data(data_dir, "pages.json", lambda t: t["4"]["body"].update(fi="Uusi teksti."))
    assert updated_on(client, "/fi/vain-suomeksi/") == "2026-11-20"
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=HELSINKI))
    edit_data(data_dir, "pages.json", lambda t: t["1"].update(note="toisen sivun muistiinpano"))
    assert updated_on(client, "/fi/vain-suomeksi/") == "2026-11-20", "another page's edit"
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(menu=60))
    assert updated_on(client, "/fi/vain-suomeksi/") == "2026-11-20", "not its text"
    again = create_app(config).test_client()  # a restart, or another worker
    assert updated_on(again, "/fi/vain-suomeksi/") == "2026-11-20"
    assert '<time datetime="2026-11-20">20.11.2026</time>' in again.get("/fi/vain-suomeksi/").text
    edit_data(data_dir, "pages.json", lambda t: t["4"].update(updated="2026-11-05"))
    assert updated_on(client, "/fi/vain-suomeksi/") == "2026-11-05"


def test_a_news_item_shows_updated_only_when_it_changed_after_its_date(client, data_dir, clock):
    assert updated_on(client, "/fi/ajankohtaista/2/") == "2026-11-25", "its own updated field"
    assert updated_on(client, "/fi/ajankohtaista/1/") is None
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=HELSINKI))
    edit_data(data_dir, "news.json", lambda t: t["1"].update(body="Korjattu teksti."))
    assert updated_on(client, "/fi/ajankohtaista/1/") == "2026-11-30"
