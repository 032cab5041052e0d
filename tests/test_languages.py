"""A Swedish or English visitor meets no Finnish word that is not marked as Finnish."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from typing import NamedTuple

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from kehto_app.mail.links import make_token
from tests.browser import visits
from tests.helpers import in_lang
from tests.test_proposals import FORM
from tests.test_proposals import valid_form

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
WORD = re.compile(r"[^\W\d_]+")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
ADDRESS = re.compile(r"\b(?:https?|webcal)://\S+|\S+@\S+")
SHORT_WORDS = {"haku", "sivu", "aika", "tila", "uusi", "ylös", "myös", "että", "eikä"}
"""Finnish UI words under five letters that are distinctive enough to look for too."""
SPOKEN = ("aria-label", "title", "alt", "placeholder")
"""Attributes whose text a screen reader speaks or the browser shows."""
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
UNSEEN = {"script", "style"}
SECRET = "test-secret"  # the SECRET_KEY of tests/conftest.py's app
PENDING = 4
"""The pending proposal in tests/instance/proposals.json."""


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _messages(catalog: Catalog, translated: bool) -> Iterator[str]:
    for message in catalog:
        if message.id:
            text = message.string if translated else message.id
            yield from text if isinstance(text, (tuple, list)) else (text,)


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


@cache
def finnish_ui_words() -> frozenset[str]:
    """The words of the Finnish msgids that no Swedish or English msgstr uses, of five
    letters or more (shorter ones collide with other languages' words), and SHORT_WORDS."""
    source = _catalog(TRANSLATIONS / "messages.pot")
    finnish = set().union(*map(_words, _messages(source, translated=False)))
    others = set()
    for lang in ("sv", "en"):
        catalog = _catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
        others |= set().union(*map(_words, _messages(catalog, translated=True)))
    assert not SHORT_WORDS & others
    return frozenset({word for word in finnish - others if len(word) >= 5} | SHORT_WORDS)


def plain_texts(data_dir: Path) -> set[str]:
    """The data's plain strings, one text for every language (data/README.md): a place, a
    name, or a text its editor wrote once; the page cannot know their language."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value.strip())
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict) and not set(value) <= {"fi", "sv", "en"}:
            for item in value.values():
                walk(item)

    for path in data_dir.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


class Seen(NamedTuple):
    lang: str
    text: str
    in_title: bool


class Texts(HTMLParser):
    """A page's visible texts and spoken attributes, each with the language it is marked in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str | None]] = []
        self.found: list[Seen] = []

    def lang(self) -> str:
        return next((lang for _, lang in reversed(self.open) if lang is not None), "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        own = found.get("lang")
        here = own if own is not None else self.lang()
        spoken = [found.get(name) for name in SPOKEN]
        if tag == "input" and found.get("type") in ("submit", "button", "reset"):
            spoken.append(found.get("value"))
        self.found += [Seen(here, text, False) for text in spoken if text]
        if tag not in VOID:
            self.open.append((tag, own))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        tags = {tag for tag, _ in self.open}
        if data.strip() and not tags & UNSEEN:
            self.found.append(Seen(self.lang(), data.strip(), "title" in tags))


def texts(html: str) -> list[Seen]:
    parser = Texts()
    parser.feed(html)
    parser.close()
    return parser.found


def unmarked_finnish(html: str, plain: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Each text outside `lang="fi"` with a Finnish UI word, and the words. The data's
    `plain` texts and addresses are no UI words; neither is a word of the page's title that
    the page marks as Finnish where it shows it (a title cannot mark a part of itself)."""
    seen = texts(html)
    marked = set().union(*(_words(s.text) for s in seen if s.lang.startswith("fi")))
    problems = []
    for lang, text, in_title in seen:
        if lang.startswith("fi") or text in plain:
            continue
        found = _words(ADDRESS.sub(" ", text)) & finnish_ui_words()
        if in_title:
            found -= marked
        if found:
            problems.append(f"{text!r}: {sorted(found)}")
    return problems


@dataclass(frozen=True)
class Shown:
    """A kind of page as a visitor or a moderator reaches it: a GET, or a POST of `form`."""

    kind: str
    path: str
    status: int = 200
    form: dict[str, str] | None = None


def every_page(lang: str) -> list[Shown]:
    """Every kind of page in `lang`, in an order a test can follow on one site: the
    moderator's decision comes last, and the same link after it."""
    approve, reject = (
        in_lang(lang, f"/events/review/{PENDING}/{make_token(SECRET, PENDING, action, 'pending')}/")
        for action in ("approve", "reject")
    )
    return [
        *(Shown(visit.kind, visit.path, visit.status) for visit in visits(lang)),
        Shown("search-fallback", in_lang(lang, "/search/?q=t%C3%A4m%C3%A4")),
        Shown("form-errors", in_lang(lang, FORM), 422, {}),
        Shown("thanks-after-submit", in_lang(lang, FORM), 200, valid_form()),
        Shown("review-approve", approve),
        Shown("review-reject", reject),
        Shown("review-errors", reject, 422, {"reason": "Syy\x00"}),
        Shown("review-broken-link", in_lang(lang, f"/events/review/{PENDING}/broken/"), 400),
        Shown("review-done", reject, 200, {"reason": ""}),
        Shown("review-used", approve, 409),
    ]


def show(client: FlaskClient, page: Shown) -> str:
    if page.form is None:
        response = client.get(page.path, follow_redirects=True)
    else:
        response = client.post(page.path, data=page.form, follow_redirects=True)
    assert response.status_code == page.status, page.kind
    return response.text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_finnish_ui_word_shows_on_a_swedish_or_english_page_unmarked(client, data_dir, lang):
    plain = plain_texts(data_dir)
    assert {"tapahtumat", "etusivu", "lisää", "päivitetty", "yhteystiedot", "siirry", "peruttu",
            "ilmoittautuminen", "kalenteriin", "haku"} <= finnish_ui_words()  # fmt: skip
    problems = [
        f"{page.kind} {page.path}: {problem}"
        for page in every_page(lang)
        for problem in unmarked_finnish(show(client, page), plain)
    ]
    assert not problems, "\n".join(problems)


def test_the_scan_finds_an_unmarked_finnish_word_but_not_a_marked_one():
    html = (
        '<html lang="sv"><head><title>Evenemang</title><style>.Tapahtumat{}</style></head>'
        '<body><nav aria-label="Päävalikko"></nav><p lang="fi">Lisää <b>kalenteriin</b></p>'
        "<p>Se <em>Lisätietoja</em></p><br/><p>Yhteystiedot</p><p>Jyväskylä, Kuntaliitto</p>"
        '<a href="https://example.org/ilmoittaudu">https://example.org/ilmoittaudu</a></body></html>'
    )
    found = unmarked_finnish(html, plain={"Jyväskylä, Kuntaliitto"})
    assert found == [
        "'Päävalikko': ['päävalikko']",
        "'Lisätietoja': ['lisätietoja']",
        "'Yhteystiedot': ['yhteystiedot']",
    ]
    titled = (
        '<html lang="en"><title>Vain suomeksi – Tapahtumat</title><h1 lang="fi">Vain suomeksi</h1>'
    )
    assert unmarked_finnish(titled) == ["'Vain suomeksi – Tapahtumat': ['tapahtumat']"]


FALLBACKS = [
    ("/vain-suomeksi/", ["Vain suomeksi", "Tämä sivu on vain suomeksi."]),
    ("/events/2/", ["Ensimmäinen kappale.", "Toinen kappale."]),
    ("/search/?q=sivu", ["Vain suomeksi", "on vain suomeksi."]),
]
NOTE = {
    "sv": "Den här texten finns bara på finska.",
    "en": "This text is available in Finnish only.",
}


@pytest.mark.parametrize(("path", "finnish"), FALLBACKS)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_content_missing_in_a_language_is_shown_in_finnish_marked_as_finnish(
    client, lang, path, finnish
):
    response = client.get(in_lang(lang, path))
    assert response.status_code == 200
    shown = [seen for seen in texts(response.text) if not seen.in_title]
    for text in finnish:
        marked = {seen.lang for seen in shown if text in seen.text}
        assert marked == {"fi"}, f"{text!r} is marked {marked or 'nowhere'}"
    in_finnish = [seen.text for seen in shown if seen.lang == "fi"]
    assert not [text for text in in_finnish if NOTE[lang] in text], "the note is not Finnish"
