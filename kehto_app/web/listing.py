"""What the sitemap lists: every fixed page in a language, and each document's own page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import current_app

from ..content import current_kinds
from ..content import current_store

View = TypeVar("View", bound=Callable[..., Any])


def unlisted(view: View) -> View:
    """Keep a page out of the sitemap (a confirmation page, say)."""
    view.kehto_unlisted = True  # type: ignore[attr-defined]
    return view


def sitemap_entries() -> list[tuple[str, dict[str, Any]]]:
    """(endpoint, URL values) of every page to list, in each language."""
    entries: list[tuple[str, dict[str, Any]]] = []
    views = current_app.view_functions
    for rule in current_app.url_map.iter_rules():
        view = views.get(rule.endpoint)
        if (
            rule.arguments == {"lang"}
            and "GET" in (rule.methods or ())
            and not getattr(view, "kehto_unlisted", False)
            and (rule.endpoint, {}) not in entries  # one rule per language, one entry
        ):
            entries.append((rule.endpoint, {}))
    store = current_store()
    for kind in current_kinds():
        if kind.sitemap is not None:
            entries.extend(kind.sitemap(store[kind.name].get()))
    return entries
