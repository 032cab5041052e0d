"""Search: the content pages, the news and the published events, in the page's language.

Words are matched by their Snowball stems, so Finnish and Swedish inflected forms find each
other ("kunnat", "kuntien", "kunnille"). Snowball's Finnish stemmer leaves some consonant
gradation apart ("kun" / "kunt"), so two stems also match when they differ only in their
last letter and share at least three. A title's words weigh more than a body's. The index
is built once per data version and language, on the first search that needs it.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from functools import lru_cache
from typing import Any

import snowballstemmer
from flask import current_app
from markupsafe import Markup
from markupsafe import escape

from .content import current_store
from .content import queries
from .content.base import Translatable
from .i18n import markdown_text
from .i18n import pick

STEMMERS = {"fi": "finnish", "sv": "swedish", "en": "english"}
WORD = re.compile(r"\w+", re.UNICODE)
TITLE_WEIGHT, BODY_WEIGHT = 5, 1
MAX_QUERY = 200
"""Characters of a query that are read; a longer one is refused (400)."""
MAX_WORDS = 8
SNIPPET_WORDS = 30


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    return str(_stemmer(lang).stemWord(word))


@lru_cache(maxsize=3)
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer(STEMMERS[lang])


def words(text: str) -> list[str]:
    """The words of a text, case-folded, without control or format characters."""
    cleaned = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return [w.casefold() for w in WORD.findall(cleaned)]


@dataclass(frozen=True)
class Document:
    kind: str
    endpoint: str
    args: dict[str, Any]
    title: str
    title_lang: str
    body: str
    body_lang: str
    day: date | None


@dataclass
class Index:
    """One language's documents, and for each stem where it occurs with what weight."""

    documents: list[Document] = field(default_factory=list)
    postings: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    vocabulary: list[str] = field(default_factory=list)

    def add(self, document: Document) -> None:
        number = len(self.documents)
        self.documents.append(document)
        for text, lang, weight in (
            (document.title, document.title_lang, TITLE_WEIGHT),
            (document.body, document.body_lang, BODY_WEIGHT),
        ):
            for word in words(text):
                posting = self.postings[stem(word, lang)]
                posting[number] = posting.get(number, 0) + weight

    def seal(self) -> None:
        self.vocabulary = sorted(self.postings)

    def matching(self, query_stem: str) -> Iterator[str]:
        """Stems of the index that `query_stem` finds: the same, or differing only at the end."""
        if len(query_stem) < 3:
            if query_stem in self.postings:
                yield query_stem
            return
        prefix = query_stem[:3]
        start = bisect.bisect_left(self.vocabulary, prefix)
        for candidate in self.vocabulary[start:]:
            if not candidate.startswith(prefix):
                break
            if _close(query_stem, candidate):
                yield candidate


def _close(a: str, b: str) -> bool:
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 3 and common >= min(len(a), len(b)) - 1


@dataclass(frozen=True)
class Result:
    document: Document
    score: int
    title: Markup
    snippet: Markup


_built: dict[tuple[int, Any, str], Index] = {}
_lock = threading.Lock()


def index(lang: str) -> Index:
    """This language's index for the data as it is now (built once per data version)."""
    store = current_store()
    key = (id(store), store.version(), lang)
    found = _built.get(key)
    if found is None:
        with _lock:
            found = _built.get(key)
            if found is None:
                found = _build(lang)
                for old in [k for k in _built if k[0] == key[0] and k[2] == lang]:
                    del _built[old]
                _built[key] = found
    return found


def _shown(value: Translatable, lang: str) -> tuple[str, str]:
    text, fallback = pick(value)
    return str(text), "fi" if fallback else lang


def _plain(html: Markup) -> str:
    return html.striptags()


def _build(lang: str) -> Index:
    built = Index()
    for document in _documents(lang):
        built.add(document)
    built.seal()
    return built


def _documents(lang: str) -> Iterable[Document]:
    for page in queries.pages().values():
        title, title_lang = _shown(page.title, lang)
        body, body_lang = _shown(page.body, lang)
        endpoint, args = (
            ("site.front", {}) if page.slug == "index" else ("site.page", {"slug": page.slug})
        )
        yield Document("page", endpoint, args, title, title_lang, _plain(markdown_text(body)),
                       body_lang, None)  # fmt: skip
    for item in queries.news():
        title, title_lang = _shown(item.title, lang)
        summary, body_lang = _shown(item.summary, lang)
        body = summary + " " + _plain(markdown_text(_shown(item.body, lang)[0]))
        yield Document("news", "news.item", {"news_id": item.id}, title, title_lang, body,
                       body_lang, item.date)  # fmt: skip
    for event in queries.published_events():
        title, title_lang = _shown(event.title, lang)
        fields = (event.description, event.location, event.organiser)
        parts = [_shown(v, lang) for v in fields if v is not None]
        body = " ".join(text for text, _ in parts)
        day = event.start.date() if isinstance(event.start, datetime) else event.start
        yield Document("event", "events.detail", {"event_id": event.id}, title, title_lang,
                       body, parts[0][1], day)  # fmt: skip


@dataclass(frozen=True)
class Found:
    """How many documents hold every word, and the best of them, with their snippets."""

    total: int
    results: list[Result]


def search(query: str, lang: str) -> Found:
    """The documents that hold every word of `query`, best first (titles weigh more)."""
    found = index(lang)
    terms = list(dict.fromkeys(words(query)))[:MAX_WORDS]
    if not terms:
        return Found(0, [])
    scores: dict[int, int] | None = None
    matched: set[str] = set()
    for term in terms:
        stems = {stem(term, lang), stem(term, "fi")}
        here: dict[int, int] = {}
        for query_stem in stems:
            for candidate in found.matching(query_stem):
                matched.add(candidate)
                posting = found.postings[candidate]
                if not here:
                    here = dict(posting)
                    continue
                for number, weight in posting.items():
                    if weight > here.get(number, 0):
                        here[number] = weight
        scores = dict(here) if scores is None else {
            n: s + here[n] for n, s in scores.items() if n in here
        }  # fmt: skip
        if not scores:
            return Found(0, [])
    assert scores is not None
    limit = current_app.config["SEARCH_RESULTS"]
    ranked = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
    results = []
    for n, score in ranked:
        doc = found.documents[n]
        title = marked(doc.title, doc.title_lang, matched, len(doc.title))
        results.append(Result(doc, score, title, marked(doc.body, doc.body_lang, matched)))
    return Found(len(scores), results)


def marked(text: str, lang: str, matched: set[str], length: int = SNIPPET_WORDS) -> Markup:
    """Up to `length` words of `text` around its first match, matched words in <mark>."""
    tokens = re.split(r"(\w+)", text)
    hits = {i for i in range(1, len(tokens), 2) if stem(tokens[i].casefold(), lang) in matched}
    first = min(hits, default=1)
    start = max(0, first - length // 2 * 2)
    end = min(len(tokens), start + length * 2)
    shown = Markup("")
    for i in range(start, end):
        piece = escape(tokens[i])
        shown += Markup("<mark>%s</mark>") % piece if i in hits else piece
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(tokens) else ""
    return escape(prefix) + shown.strip() + escape(suffix)
