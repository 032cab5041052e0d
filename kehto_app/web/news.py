"""News ("Ajankohtaista"): the list, newest first, a page per item, an Atom feed per language."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from typing import Any

from flask import Response
from flask import current_app
from flask import render_template

from ..content import queries
from ..content.base import HELSINKI
from ..content.models import News
from ..i18n import localized_blueprint
from ..i18n import markdown
from ..i18n import pick
from ..serving.pagecache import cache_query
from .events import page_number

bp = localized_blueprint("news", __name__)


@bp.get("/news/")
@cache_query("page")
def index() -> str:
    per_page = current_app.config["NEWS_PER_PAGE"]
    pagination = queries.paginate(queries.news(), page_number(), per_page)
    return render_template("news/list.html", pagination=pagination)


@bp.get("/news/<int:news_id>/")
def item(news_id: int) -> str:
    found = queries.news_item(news_id)
    return render_template("news/item.html", item=found, updated=queries.updated("news", found))


@bp.get("/news/feed.atom")
def feed() -> Response:
    """The newest items as Atom (RFC 4287): title, dates, summary and the whole text."""
    items = queries.news()[: current_app.config["NEWS_PER_PAGE"]]
    entries = [_entry(n) for n in items]
    updated = max((e["updated"] for e in entries), default=_moment(date(2012, 6, 14)))
    xml = render_template("news/feed.xml", entries=entries, updated=updated)
    return Response(xml, mimetype="application/atom+xml")


def _entry(item: News) -> dict[str, Any]:
    title, fallback = pick(item.title)
    return {
        "id": item.id,
        "lang": "fi" if fallback else None,
        "title": title,
        "summary": pick(item.summary)[0],
        "content": str(markdown(item.body)),
        "published": _moment(item.date),
        "updated": _moment(item.updated or item.date),
    }


def _moment(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=HELSINKI).isoformat()
