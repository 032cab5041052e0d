"""Languages: the locale from the URL, translated fields with Finnish fallback, dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote_from_bytes

from babel.dates import format_date
from babel.dates import format_interval
from babel.dates import format_time
from flask import Blueprint
from flask import Flask
from flask import g
from flask import has_request_context
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import Babel
from flask_babel import force_locale
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup
from markupsafe import escape
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response as BaseResponse

from .content.base import DEFAULT_LANGUAGE
from .content.base import HELSINKI
from .content.base import LANGUAGES
from .content.base import Translatable

BABEL_LOCALES = {"fi": "fi", "sv": "sv_FI", "en": "en_FI"}
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
DATE_PATTERNS = {"fi": "d.M.y", "sv": "d.M.y", "en": "d MMMM y"}
TIME_PATTERN = "H.mm"
INTERVAL_SKELETONS = {"fi": "yMd", "sv": "yMd"}
"""Babel's interval skeletons matching DATE_PATTERNS: 14.–15.6.2012 (English: by hand)."""

_forced: ContextVar[str | None] = ContextVar("kehto_language", default=None)

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})


class LanguageConverter(BaseConverter):
    regex = "|".join(LANGUAGES)


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LanguageConverter
    app.url_map.redirect_defaults = False  # an old spelling answers its own 301 (_mover)
    app.jinja_env.add_extension("jinja2.ext.do")
    Babel(app, locale_selector=babel_locale, timezone_selector=lambda: "Europe/Helsinki")
    app.jinja_env.filters.update(t=inline, md=markdown, paragraphs=paragraphs, day=day)
    app.jinja_env.globals.update(
        when=when,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_lang=current,
        language_links=language_links,
    )


PATHS: dict[str, dict[str, str]] = {
    "events": {"fi": "tapahtumat", "sv": "evenemang"},
    "past": {"fi": "menneet", "sv": "tidigare"},
    "subscribe": {"fi": "tilaa", "sv": "prenumerera"},
    "new": {"fi": "uusi", "sv": "ny"},
    "thanks": {"fi": "kiitos", "sv": "tack"},
    "review": {"fi": "tarkista", "sv": "granska"},
    "contacts": {"fi": "yhteystiedot", "sv": "kontakt", "en": "contact"},
    "news": {"fi": "ajankohtaista", "sv": "aktuellt"},
    "search": {"fi": "haku", "sv": "sok"},
}
"""The words of the site's own addresses in each language, by the word a route is written
with: `/events/new/` is `/fi/tapahtumat/uusi/`, `/sv/evenemang/ny/`, `/en/events/new/`."""


def localized_path(rule: str, lang: str) -> str:
    """A route's path in `lang`: each word of PATHS translated, variables and files kept."""
    return "/".join(PATHS.get(part, {}).get(lang, part) for part in rule.split("/"))


class LocalizedBlueprint(Blueprint):
    """A blueprint whose every URL starts with the page's language, in that language's words.

    A route written `/events/new/` is one rule per language (`/fi/tapahtumat/uusi/`, with
    `lang` as its default, so `url_for` builds the page's own language). Its spellings in
    the other languages' words and as written (`/fi/events/new/`, `/sv/tapahtumat/uusi/`)
    answer 301 to it, keeping the query: old links and bookmarks, and a visitor who changes
    the prefix by hand.
    """

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        spellings = {rule, *(localized_path(rule, lang) for lang in LANGUAGES)}
        if len(spellings) == 1:  # nothing to translate: `/`, `/<slug>/`
            super().add_url_rule(f"/<lang:lang>{rule}", endpoint, view_func, **options)
            return
        endpoint = endpoint or (view_func.__name__ if view_func else None)
        assert endpoint is not None
        moved, mover = f"{endpoint}_moved", _mover(self.name, endpoint)
        for lang in LANGUAGES:
            own = localized_path(rule, lang)
            at = {"lang": lang}
            super().add_url_rule(f"/{lang}{own}", endpoint, view_func, defaults=at, **options)
            for other in sorted(spellings - {own}):
                super().add_url_rule(f"/{lang}{other}", moved, mover, defaults=at, **options)


QUERY_SAFE = "&=+%;/:@,?!$'()*~"
"""What a moved address's query keeps as it is; other bytes are percent-encoded."""


def _mover(blueprint: str, endpoint: str) -> Callable[..., BaseResponse]:
    """A view that sends an old spelling of a page's address to its address (301; 308 for
    a POST, which a 301 would turn into a GET)."""

    def move(**values: Any) -> BaseResponse:
        target = url_for(f"{blueprint}.{endpoint}", **values)
        if request.query_string:
            target += "?" + quote_from_bytes(request.query_string, safe=QUERY_SAFE)
        return redirect(target, 301 if request.method in ("GET", "HEAD") else 308)

    move.kehto_unlisted = True  # type: ignore[attr-defined]
    return move


def localized_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose every URL starts with the page's language (in its words)."""
    bp = LocalizedBlueprint(name, import_name)

    @bp.url_value_preprocessor
    def take_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang = (values or {}).pop("lang", DEFAULT_LANGUAGE)

    @bp.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", current())

    return bp


def current() -> str:
    """The page's language: from the URL, else the visitor's preference."""
    forced = _forced.get()
    if forced is not None:
        return forced
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if "lang" not in g:
        prefix = request.path.split("/", 2)[1]
        g.lang = prefix if prefix in LANGUAGES else preferred()
    return g.lang


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Texts, dates and URLs in `lang` while the block runs (a mail in its reader's language)."""
    token = _forced.set(lang)
    try:
        with force_locale(BABEL_LOCALES[lang]):
            yield
    finally:
        _forced.reset(token)


def preferred() -> str:
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def babel_locale() -> str:
    return BABEL_LOCALES[current()]


def pick(value: Translatable) -> tuple[str, bool]:
    """The text in the page's language, and whether it fell back to Finnish."""
    lang = current()
    if lang in value:
        return value[lang], False
    return value[DEFAULT_LANGUAGE], True


def inline(value: Translatable, written: str | None = None) -> Markup:
    """A text in the page's language; marked `lang="fi"` where it falls back to Finnish,
    or `lang=written` where it is one text for every language written in another language
    (a proposal sent in Swedish, shown on a Finnish page)."""
    text, fallback = pick(value)
    lang = "fi" if fallback else _written_in(value, written)
    if lang:
        return Markup('<span lang="%s">%s</span>') % (lang, text)
    return escape(text)


def _written_in(value: Translatable, written: str | None) -> str | None:
    """`written`, if the text is one for every language and the page is in another."""
    if written is None or written == current() or len(set(value.values())) != 1:
        return None
    return written


def markdown(value: Translatable) -> Markup:
    text, fallback = pick(value)
    return _block(_render_markdown(text), fallback)


def markdown_text(text: str) -> Markup:
    """Markdown already picked in its language, as HTML without a fallback's note."""
    return _render_markdown(text)


def paragraphs(value: Translatable, written: str | None = None) -> Markup:
    """Plain text as paragraphs: blank lines split them, single newlines break lines. Marked
    with its language as `inline` marks it."""
    text, fallback = pick(value)
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    html = Markup("").join(
        Markup("<p>%s</p>\n") % Markup("<br>\n").join(escape(line) for line in part.split("\n"))
        for part in parts
    )
    lang = _written_in(value, written)
    if lang and not fallback:
        return Markup('<div lang="%s">%s</div>') % (lang, html)
    return _block(html, fallback)


def _block(html: Markup, fallback: bool) -> Markup:
    if not fallback:
        return html
    note = _("Tämä teksti on saatavilla vain suomeksi.")
    return Markup('<p class="fallback-note">%s</p>\n<div lang="fi">%s</div>') % (note, html)


@lru_cache(maxsize=512)
def _render_markdown(text: str) -> Markup:
    return Markup(_markdown.render(text))  # noqa: S704 (raw HTML is off: the output is escaped)


def day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(HELSINKI).date()
    return format_date(value, DATE_PATTERNS[current()], locale=BABEL_LOCALES[current()])


def clock(value: datetime) -> str:
    return format_time(value.astimezone(HELSINKI), TIME_PATTERN, locale=BABEL_LOCALES[current()])


def when(start: date | datetime, end: date | datetime | None = None) -> str:
    """An event's date and time in Helsinki, e.g. "14.6.2012 klo 9.00–12.00", "14.–15.6.2012"."""
    if isinstance(start, datetime):
        start = start.astimezone(HELSINKI)
    if isinstance(end, datetime):
        end = end.astimezone(HELSINKI)
    first = _moment(start)
    if end is None or end == start:
        return first
    if isinstance(start, datetime) and isinstance(end, datetime) and start.date() == end.date():
        return f"{first}\u2013{clock(end)}"
    if not isinstance(start, datetime) and not isinstance(end, datetime):
        lang = current()
        if lang == "en":
            return _english_interval(start, end)
        return format_interval(start, end, INTERVAL_SKELETONS[lang], locale=BABEL_LOCALES[lang])
    return f"{first} \u2013 {_moment(end)}"


def _english_interval(start: date, end: date) -> str:
    """Days in English with the month spelled out, as a single day is ("1–2 September
    2099", "30 September – 2 October 2099"): CLDR's English intervals abbreviate it."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{day(end)}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM', locale=BABEL_LOCALES['en'])} \u2013 {day(end)}"
    return f"{day(start)} \u2013 {day(end)}"


def _moment(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return _("%(date)s klo %(time)s", date=day(value), time=clock(value))
    return day(value)


def language_links() -> dict[str, str]:
    """This page in every language; the front pages where there is no such page."""
    rule = request.url_rule
    if rule is None or "lang" not in rule.arguments or g.get("error"):
        return {code: url_for("site.front", lang=code) for code in LANGUAGES}
    args = dict(request.view_args or {})
    if "page_number" in g:  # as the view read it, never as it was sent
        args["page"] = g.page_number
    return {code: url_for(rule.endpoint, **args, lang=code) for code in LANGUAGES}
