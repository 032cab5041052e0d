"""The forum's pages: the language redirect, front page, content pages, contacts, SEO."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for
from werkzeug.wrappers import Response as BaseResponse

from ..content import queries
from ..content.base import LANGUAGES
from ..i18n import current
from ..i18n import localized_blueprint
from ..i18n import preferred
from .listing import sitemap_entries

root = Blueprint("root", __name__)
bp = localized_blueprint("site", __name__)


@bp.app_context_processor
def main_menu() -> dict[str, object]:
    """The menu's content pages, for `_nav.html` (read only when a page renders it)."""
    return {"menu_pages": queries.menu_pages}


@bp.app_context_processor
def site_texts() -> dict[str, object]:
    """The site's name, tagline and footer text from site.json (read only when shown)."""
    return {"site_texts": queries.site_texts}


@root.get("/")
def choose_language() -> BaseResponse:
    response = redirect(url_for("site.front", lang=preferred()))
    response.vary.add("Accept-Language")
    return response


@root.get("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\nSitemap: {url_for('root.sitemap', _external=True)}\n"
    return Response(body, mimetype="text/plain")


@root.get("/sitemap.xml")
def sitemap() -> Response:
    xml = render_template("sitemap.xml", endpoints=sitemap_entries(), languages=LANGUAGES)
    return Response(xml, mimetype="application/xml")


@bp.get("/")
def front() -> str:
    limit = current_app.config["FRONT_PAGE_EVENTS"]
    return render_template(
        "site/front.html",
        page=queries.page("index"),
        contacts=queries.contacts(),
        events=queries.upcoming_events()[:limit],
        news=queries.news()[: current_app.config["FRONT_PAGE_NEWS"]],
        jobs=queries.open_jobs(),
    )


@bp.get("/contacts/")
def contacts() -> str:
    return render_template("site/contacts.html", contacts=queries.contacts())


@bp.url_defaults
def page_address(endpoint: str, values: dict[str, Any]) -> None:
    """`url_for("site.page", slug=...)` with any of a page's addresses gives the one in the
    link's language (the menu, the language switcher, the sitemap)."""
    if endpoint == "site.page" and "slug" in values:
        values["slug"] = queries.address(values["slug"], values["lang"])


@bp.get("/<slug>/")
def page(slug: str) -> str | BaseResponse:
    if slug == "index":
        return redirect(url_for("site.front"), 301)
    found = queries.page_at(slug)
    if found.address(current()) != slug:  # an address in another language, or an old one
        return redirect(url_for("site.page", slug=slug), 301)
    return render_template("site/page.html", page=found, updated=queries.updated("pages", found))
