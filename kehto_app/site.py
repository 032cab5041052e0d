"""The forum's pages: the language redirect, front page, content pages, contacts, SEO."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for

from . import content
from .i18n import localized_blueprint
from .i18n import preferred
from .models import LANGUAGES

root = Blueprint("root", __name__)
bp = localized_blueprint("site", __name__)


@root.get("/")
def choose_language() -> Response:
    response = redirect(url_for("site.front", lang=preferred()))
    response.vary.add("Accept-Language")
    return response


@root.get("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\nSitemap: {url_for('root.sitemap', _external=True)}\n"
    return Response(body, mimetype="text/plain")


@root.get("/sitemap.xml")
def sitemap() -> Response:
    endpoints = [("site.front", {}), ("site.contacts", {}), ("events.upcoming", {}),
                 ("events.past", {}), ("proposals.new", {})]  # fmt: skip
    endpoints += [("site.page", {"slug": s}) for s in content.pages() if s != "index"]
    endpoints += [("events.detail", {"event_id": e.id}) for e in content.published_events()]
    xml = render_template("sitemap.xml", endpoints=endpoints, languages=LANGUAGES)
    return Response(xml, mimetype="application/xml")


@bp.get("/")
def front() -> str:
    limit = current_app.config["FRONT_PAGE_EVENTS"]
    return render_template(
        "site/front.html",
        page=content.page("index"),
        contacts=content.contacts(),
        events=content.upcoming_events()[:limit],
        jobs=content.open_jobs(),
    )


@bp.get("/contacts/")
def contacts() -> str:
    return render_template("site/contacts.html", contacts=content.contacts())


@bp.get("/<slug>/")
def page(slug: str) -> str | Response:
    if slug == "index":
        return redirect(url_for("site.front"), 301)
    return render_template("site/page.html", page=content.page(slug))
