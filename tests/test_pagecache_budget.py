"""One page cache per worker: one copy of each page, within `PAGE_CACHE_BYTES` of real memory."""

from __future__ import annotations

import gc
import tracemalloc

from kehto_app import create_app
from tests.helpers import in_lang

PAGES = ["/", "/contacts/", "/events/", "/events/2/"]


def fill(client, hosts: int) -> int:
    """GET every page in every language on `hosts` host names; how many were asked."""
    asked = 0
    for number in range(hosts):
        for lang in ("fi", "sv", "en"):
            for page in PAGES:
                answer = client.get(in_lang(lang, page), headers={"Host": f"h{number}.test"})
                assert answer.status_code == 200
                asked += 1
    return asked


def test_a_worker_keeps_one_copy_of_each_page(app, client):
    cache = app.extensions["kehto_pagecache"]
    for _ in range(3):
        client.get("/fi/")
        client.get("/sv/evenemang/")
    assert len(cache) == 2
    client.get("/fi/tapahtumat/uusi/")  # the form's session cookie: the next ones go through Flask
    client.get("/fi/")
    client.get("/sv/evenemang/")
    assert len(cache) == 2


def test_the_page_cache_stays_within_its_budget_in_real_memory(config):
    budget = 400_000
    app = create_app({**config, "PAGE_CACHE_BYTES": budget})
    client = app.test_client()
    cache = app.extensions["kehto_pagecache"]
    fill(client, 1)  # templates compiled, catalogs loaded: not the cache's memory
    cache.clear()
    gc.collect()
    tracemalloc.start()
    try:
        asked = fill(client, 40)
        gc.collect()
        full, _ = tracemalloc.get_traced_memory()
        counted = cache.size
        kept = len(cache)
        cache.clear()
        gc.collect()
        empty, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = full - empty
    assert kept < asked, "the budget dropped the least recently used pages"
    assert counted <= budget
    assert held <= budget, f"the cache held {held} bytes for a budget of {budget}"
    assert held >= 0.7 * counted, f"the budget counts {counted} bytes, the entries cost {held}"
