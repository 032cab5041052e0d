"""Events: the upcoming and past lists, an event's page, calendar files, how to subscribe."""

from __future__ import annotations

import re

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask_babel import gettext as _

from ..content import base
from ..content import links
from ..content import queries
from ..content.base import LANGUAGES
from ..content.models import Event
from ..i18n import localized_blueprint
from ..serving.pagecache import cache_query
from .calendar import calendar
from .calendar import status_label
from .calendar_links import FeedLinks
from .calendar_links import add_links
from .calendar_links import feed_links
from .structured import event_data

bp = localized_blueprint("events", __name__)
feeds = Blueprint("feeds", __name__)


PAGE_NUMBER = re.compile(r"[0-9]{1,6}")


@bp.app_template_global()
def subscribe_links() -> FeedLinks:
    """The feed's subscribe links in the page's language (the footer, the events pages)."""
    return feed_links()


@bp.app_template_global()
def event_status_label(event: Event) -> str | None:
    return status_label(event.happening)


@bp.app_template_global()
def attendance_label(event: Event) -> str:
    labels = {
        "in-person": _("Paikan päällä"),
        "online": _("Verkkotapahtuma"),
        "hybrid": _("Hybriditapahtuma: paikan päällä ja verkossa"),
    }
    return labels[event.mode]


@bp.app_template_filter("shown_link")
def shown_link(link: str) -> str:
    """A link's text: its host as a visitor would type it (jyväskylä.fi, not xn--...)."""
    return links.shown(link)


def page_number() -> int:
    """`?page=` in ASCII digits (`str.isdigit` also takes ², ① and ١); else a 404."""
    page = request.args.get("page", "1")
    if not PAGE_NUMBER.fullmatch(page):
        abort(404)
    if "page" in request.args:
        g.page_number = int(page)
    return int(page)


@bp.get("/events/")
@cache_query("page")
def upcoming() -> str:
    per_page = current_app.config["EVENTS_PER_PAGE"]
    pagination = queries.paginate(queries.upcoming_events(), page_number(), per_page)
    return render_template("events/list.html", pagination=pagination, showing="upcoming")


@bp.get("/events/past/")
@cache_query("page")
def past() -> str:
    per_page = current_app.config["EVENTS_PER_PAGE"]
    pagination = queries.paginate(queries.past_events(), page_number(), per_page)
    return _past_list(pagination)


@bp.get("/events/past/<int:year>/")
@cache_query("page")
def past_year(year: int) -> str:
    per_page = current_app.config["EVENTS_PER_PAGE"]
    pagination = queries.paginate(queries.past_events_of(year), page_number(), per_page)
    return _past_list(pagination, year)


def _past_list(pagination: queries.Pagination[Event], year: int | None = None) -> str:
    """Past events under a heading per year, and a link to each year that has any."""
    by_year: list[tuple[int, list[Event]]] = []
    for event in pagination.items:
        if not by_year or by_year[-1][0] != event.starts_at.year:
            by_year.append((event.starts_at.year, []))
        by_year[-1][1].append(event)
    return render_template("events/list.html", pagination=pagination, showing="past",
                           by_year=by_year, years=queries.past_years(), year=year)  # fmt: skip


@bp.get("/events/subscribe/")
def subscribe() -> str:
    return render_template("events/subscribe.html")


@bp.get("/events/<int:event_id>/")
def detail(event_id: int) -> str:
    event = queries.event(event_id)
    at = base.now()
    return render_template(
        "events/detail.html",
        event=event,
        at=at,
        data=event_data(event, at),
        add=add_links(event),
    )


@bp.get("/events/<int:event_id>/event.ics")
def detail_ics(event_id: int) -> Response:
    event = queries.event(event_id)
    body = calendar([event], _("KEHTO-foorumin tapahtumat"), queries.events_modified())
    return _ics(body, f"kehto-event-{event.id}.ics")


@feeds.get("/events.ics")
@cache_query("lang")
def feed() -> Response:
    lang = request.args.get("lang", "fi")
    if lang not in LANGUAGES:
        abort(404)
    g.lang = lang
    name = _("KEHTO-foorumin tapahtumat")
    body = calendar(queries.published_events(), name, queries.events_modified())
    return _ics(body, "kehto-events.ics", inline=True)


def _ics(body: bytes, filename: str, inline: bool = False) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.mimetype_params["charset"] = "utf-8"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
