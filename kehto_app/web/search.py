"""The search page: `/<lang>/search/?q=...`, a plain GET form that works without JavaScript."""

from __future__ import annotations

from flask import render_template
from flask import request

from .. import search as finder
from ..i18n import current
from ..i18n import localized_blueprint

bp = localized_blueprint("search", __name__)


@bp.get("/search/")
def results() -> str | tuple[str, int]:
    query = request.args.get("q", "")
    if len(query) > finder.MAX_QUERY:
        page = render_template("search/results.html", query="", found=None, too_long=True)
        return page, 400
    query = " ".join(finder.words(query)) if query.strip() else ""
    found = finder.search(query, current()) if query else None
    return render_template("search/results.html", query=query, found=found, too_long=False)
