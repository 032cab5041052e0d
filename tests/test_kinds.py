"""A new kind of data is one declaration: validated, served, cached and listed without other edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import orjson
import pytest
from flask import render_template_string
from flask import request_started
from werkzeug.exceptions import NotFound

from kehto_app import create_app
from kehto_app.content import InvalidData
from kehto_app.content import current_store
from kehto_app.content.base import Translatable
from kehto_app.content.fields import DAY
from kehto_app.content.fields import TRANSLATABLE
from kehto_app.content.fields import optional
from kehto_app.content.fields import required
from kehto_app.content.jsonschema import schema_of
from kehto_app.content.kinds import KINDS
from kehto_app.content.kinds import Kind
from kehto_app.i18n import localized_blueprint


@dataclass(frozen=True)
class Notice:
    id: int
    heading: Translatable = required(TRANSLATABLE, "what the notice says")
    until: date | None = optional(DAY, "the last day it is shown")


NOTICES = Kind(
    "notices",
    Notice,
    "short notices",
    sitemap=lambda notices: (("notices.notice", {"notice_id": n.id}) for n in notices),
)

notices = localized_blueprint("notices", __name__)


@notices.get("/notices/<int:notice_id>/")
def notice(notice_id: int) -> str:
    found = {n.id: n for n in current_store()["notices"].get()}.get(notice_id)
    if found is None:
        raise NotFound()
    return render_template_string("<h1>{{ notice.heading|t }}</h1>", notice=found)


def notice_app(config, data_dir, notices_json: dict):
    (data_dir / "notices.json").write_bytes(orjson.dumps(notices_json))
    app = create_app(config, kinds=(*KINDS, NOTICES))
    app.register_blueprint(notices)
    return app


NOTICE = {"_default": {"1": {"heading": {"fi": "Kokous siirtyy", "sv": "Mötet flyttas"}}}}


def test_a_new_kind_is_served_cached_and_listed_in_the_sitemap(config, data_dir):
    app = notice_app(config, data_dir, NOTICE)
    handled: list[str] = []
    request_started.connect(lambda sender, **extra: handled.append("flask"), app, weak=False)
    client = app.test_client()

    page = client.get("/sv/notices/1/")
    assert page.status_code == 200 and "<h1>Mötet flyttas</h1>" in page.text
    assert page.headers["Cache-Control"].startswith("public")
    again = client.get("/sv/notices/1/")
    assert again.data == page.data and handled == ["flask"], "the second one is replayed"

    sitemap = client.get("/sitemap.xml").text
    for lang in ("fi", "sv", "en"):
        assert f"http://localhost/{lang}/notices/1/" in sitemap
    health = client.get("/healthz").json
    assert health["files"]["notices.json"] == "ok"


def test_a_new_kind_is_validated_like_the_others(config, data_dir):
    bad = {"_default": {"1": {"heading": "", "until": "31.12.2026", "colour": "red"}}}
    with pytest.raises(InvalidData) as refused:
        notice_app(config, data_dir, bad)
    message = str(refused.value)
    assert "notices.json: document 1: heading: is empty" in message
    assert 'notices.json: document 1: until: "31.12.2026" is not a date (use YYYY-MM-DD)' in message
    assert (
        "notices.json: document 1: colour: is not a known field (known: heading, until)" in message
    )


def test_a_new_kind_gets_a_json_schema_from_its_declaration():
    schema = schema_of(NOTICES)
    document = schema["properties"]["_default"]["patternProperties"]["^[1-9][0-9]*$"]
    assert document["required"] == ["heading"]
    assert document["properties"]["until"]["description"] == "the last day it is shown"
    assert document["additionalProperties"] is False
