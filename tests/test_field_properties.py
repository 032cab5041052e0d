"""Any value is a problem, never a crash; and every file that validates renders every page.

For every kind and every field, any JSON value either passes the field's rule or is refused
with `Invalid` (a message on one line), never another exception. Then documents built
from valid-looking values (and the edge values a person or the form may write) are put
into a copy of the test data: whenever `Validator` accepts the file, the pages that show
that kind answer without a 5xx.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import note
from hypothesis import settings
from hypothesis import strategies as st
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from kehto_app import create_app
from kehto_app.content import fields
from kehto_app.content import kinds as kinds_module
from kehto_app.content import reserved_slugs
from kehto_app.content.fields import Invalid
from kehto_app.content.fields import Rule
from kehto_app.content.kinds import KINDS
from kehto_app.content.kinds import Kind
from kehto_app.content.models import Contact
from kehto_app.content.validation import Validator

FIXTURES = Path(__file__).parent / "data"
ALL_KINDS = [value for value in vars(kinds_module).values() if isinstance(value, Kind)]
"""Every kind declared, the site's own files (proposals) included."""

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)  # what orjson reads as an int; larger is a float
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=6) | st.sampled_from(["fi", "sv", "en"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)

# Valid-looking values, rule by rule, with the edges

EDGE_TEXTS = [
    "Jyväskylä", " Espoo ", "<script>alert(1)</script>", "{{ 7 * 7 }}", "%s %(x)s %%",
    "\u202eevil", "a\tb", "rivi\nrivi", "rivi\r\nrivi", "\n\nkappale\n\n\n", "&amp; &lt;",
    "x" * 3000, "🎉 juhla", "\u2028", "\ufeffBOM", "]]>", "\\", '"', "'", "e\u0301",
    "اللغة", "BEGIN:VEVENT", "a;b,c", "END:VCALENDAR\r\nX:y", "\u00a0", "\u200b", "a\x00b",
    "\x1b[31m", "\x7f", "\x85", "",
]  # fmt: skip
MARKDOWN_TEXTS = [
    "# Otsikko", "## A\n\n### B", "<b>lihava</b>", "<div>\nlohko\n</div>", "<!-- huom -->",
    "[a](https://[::1/)", "[x](javascript:alert(1))", "[x](<>)", "![kuva](x.png)",
    "```\nkoodi\n```", "| a | b |\n|---|---|\n| 1 | 2 |", "> lainaus", "* * *", "1. a\n2. b",
    "[" * 60 + "]" * 60, "*" * 200, "Otsikko\n===", "<https://example.fi>", "&#0; &#xD800;",
    "[ref]\n\n[ref]: https://example.fi", "- a\n  - b\n    - c",
]  # fmt: skip
visible = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]) | st.sampled_from("\t\n")
texts = st.text(visible, min_size=1, max_size=40).filter(str.strip) | st.sampled_from(EDGE_TEXTS)
markdown_texts = texts | st.sampled_from(MARKDOWN_TEXTS)


def translatable(inner: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    by_language = st.fixed_dictionaries({"fi": inner}, optional={"sv": inner, "en": inner})
    return inner | by_language


def iso_day(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


VALID_DAYS = ["2999-12-31", "1900-01-01", "2028-02-29", "2026-12-31"]
WRONG_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01", "2026-02-29", "٢٠٢٦-11-28",
              "２０２６-11-28", "2026-1-1", "20261128", "0000-01-01"]  # fmt: skip
days = st.one_of(
    st.sampled_from(VALID_DAYS),
    st.dates(date(1900, 1, 1), date(2999, 12, 31)).map(iso_day),
    st.sampled_from(WRONG_DAYS),
)
datetimes = st.datetimes(datetime(1900, 1, 1), datetime(2999, 12, 31, 23, 59, 59))
VALID_MOMENTS = ["2999-12-31T23:59", "2999-12-31T23:59:59", "1900-01-01T00:00",
                 "2026-03-29T03:30", "2026-10-25T03:30", "2026-12-01T09:30:59"]  # fmt: skip
WRONG_MOMENTS = ["9999-12-31T23:30", "0001-01-01T00:00", "2026-12-01T24:00", "2026-12-01 09:30",
                 "2026-12-01T9:30", "2026-12-01T09:30Z", "2026-12-01T09:30+02:00",
                 "2026-12-01x09:30", "2026-12-01T0９:30"]  # fmt: skip
moments = st.one_of(
    days,
    st.sampled_from(VALID_MOMENTS),
    datetimes.map(lambda at: iso_day(at) + at.strftime("T%H:%M")),
    datetimes.map(lambda at: iso_day(at) + at.strftime("T%H:%M:%S")),
    st.sampled_from(WRONG_MOMENTS),
)
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
EDGE_TIMESTAMPS = ["2026-11-28T10:15:00+02:00", "2026-11-28T10:15Z", "2026-11-28T10:15:00",
                   "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                   "1900-01-01T00:00:00+23:59", "2999-12-31T23:59:59-23:59",
                   "2026-11-28 10:15:00+02:00", "2026-11-28T10:15:00+0200",
                   "2026-W48-6T10:15+02:00", "2026-11-28T10:15:00.123456789+02:00"]  # fmt: skip
timestamps = (
    st.sampled_from(EDGE_TIMESTAMPS)
    | st.builds(lambda at, tz: at.replace(tzinfo=tz).isoformat(), datetimes, offsets)
    | st.builds(lambda at: at.replace(tzinfo=UTC).isoformat(timespec="seconds"), datetimes)
)
EDGE_URLS = ["https://example.fi", "http://x.fi/a?b=c#d", "https://[::1]/", "https://[::1/",
             "https://ex ample.fi", "https://exämple.fi/ä", "https://user@evil.fi",
             "https://a.fi:99999/", "https://a.fi:0/", "HTTPS://A.FI", "https://a.fi/" + "x" * 3000,
             'https://a.fi/"><script>', "https://%41.fi", "https://a.fi\\@b.fi", "https://",
             "https://.", "https://a..fi", "javascript:alert(1)", "https://a.fi/\u202e",
             "https://127.0.0.1:8000/", "https://[v1.x]/"]  # fmt: skip
urls = st.sampled_from(EDGE_URLS) | st.builds(
    lambda host, path: f"https://{host}/{path}",
    st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9]{1,12}){1,2}", fullmatch=True),
    st.text(visible, max_size=20),
)
EDGE_EMAILS = ["a@b.fi", "testi.henkilo(a)hel.fi", "<a@b.fi>", "a@b.fi\u202e", "a(a)b(a)c.fi",
               "\"quoted\"@b.fi", "a@b", "@b.fi"]  # fmt: skip
emails = st.sampled_from(EDGE_EMAILS) | st.emails().map(str)
EDGE_PHONES = ["040 572 2120", "+358 40 572 2120", "09 771 2000", "040-572-2120",
               "040\u00a0572\u00a02120", "abc", "+", "0", "00358 40 572 2120", "(09) 771 2000",
               "٠٤٠ ٥٧٢ ٢١٢٠", "040 572 2120 ext 5", "+358 (0)40 572 2120", "40 572 2120"]  # fmt: skip
phones = st.sampled_from(EDGE_PHONES) | st.from_regex(r"\+?[0-9][0-9 -]{0,18}", fullmatch=True)
slugs = st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True) | st.sampled_from(
    ["index", "events", "contacts", "static", "sivu-1", "a" * 200, "A", "a_b", "a--b", "-a"]
)

PHONE_RULE = getattr(fields, "PHONE_RULE", None)
MARKDOWN = getattr(fields, "MARKDOWN", None)
DAYS = VALID_DAYS + WRONG_DAYS
STATUSES = [*fields.STATUSES, "draft", "Published"]
BY_RULE: list[tuple[Rule | None, st.SearchStrategy[Any], list[Any]]] = [
    (fields.TEXT, texts, EDGE_TEXTS),
    (fields.TRANSLATABLE, translatable(texts), [*EDGE_TEXTS, {"fi": "a", "sv": "\x00"}]),
    (MARKDOWN, translatable(markdown_texts), [*MARKDOWN_TEXTS, *EDGE_TEXTS]),
    (fields.SLUG_RULE, slugs, ["index", "events", "a" * 200, "A", "a_b", "-a"]),
    (fields.DAY, days, DAYS),
    (fields.MOMENT, moments, [*DAYS, *VALID_MOMENTS, *WRONG_MOMENTS]),
    (fields.TIMESTAMP, timestamps, EDGE_TIMESTAMPS),
    (fields.URL, urls, EDGE_URLS),
    (fields.EMAIL_RULE, emails, EDGE_EMAILS),
    (PHONE_RULE, phones, EDGE_PHONES),
    (fields.STATUS, st.sampled_from(STATUSES), STATUSES),
]


def valid_looking(rule: Rule) -> st.SearchStrategy[Any]:
    """What a person or the form could write in a field with this rule."""
    for known, strategy, _ in BY_RULE:
        if rule is known:
            return strategy
    if "enum" in rule.schema:
        return st.sampled_from(list(rule.schema["enum"]))
    return texts


def edge_values(rule: Rule) -> list[Any]:
    """The values at the edges of a rule, valid or not."""
    for known, _, edges in BY_RULE:
        if rule is known:
            return edges
    return list(rule.schema.get("enum", EDGE_TEXTS))


FIELDS = [
    pytest.param(kind, name, id=f"{kind.name}.{name}") for kind in ALL_KINDS for name in kind.fields
]


@pytest.mark.parametrize(("kind", "name"), FIELDS)
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_json_value_passes_its_rule_or_is_invalid(kind, name, data):
    rule = kind.fields[name].rule
    value = data.draw(json_values | valid_looking(rule), label="value")
    try:
        converted = rule(value)
    except Invalid as exc:
        message = str(exc)
        assert message.strip(), "the message says what is wrong"
        if rule is not fields.URL:  # its messages are issue 15's (they may hold a line break)
            assert "\n" not in message and "\r" not in message, "one problem, one line"
        return
    for advice in rule.warnings(converted):
        assert isinstance(advice, str) and advice.strip() and "\n" not in advice, advice


@pytest.mark.parametrize("kind", ALL_KINDS, ids=[kind.name for kind in ALL_KINDS])
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_any_document_is_checked_without_an_exception(kind, data):
    document = data.draw(
        st.dictionaries(
            st.sampled_from([*kind.fields, "titel"]),
            json_values | st.one_of([valid_looking(f.rule) for f in kind.fields.values()]),
        )
    )
    Validator(kind)({"_default": {"1": document}})


# Every file that validates renders every page that uses it

NEW_ID = "90"
FRONT = ["/fi/", "/sv/", "/en/"]
PAGES_OF = {
    "pages": [*FRONT, "/fi/{slug}/", "/sv/{slug}/", "/en/{slug}/", "/sitemap.xml"],
    "contacts": [*FRONT, "/fi/yhteystiedot/", "/sv/kontakt/"],
    "events": [
        *FRONT,
        "/fi/tapahtumat/",
        "/fi/tapahtumat/menneet/",
        f"/fi/tapahtumat/{NEW_ID}/",
        f"/sv/evenemang/{NEW_ID}/",
        f"/en/events/{NEW_ID}/event.ics",
        "/events.ics",
        "/events.ics?lang=sv",
        "/sitemap.xml",
    ],  # fmt: skip
    "jobs": FRONT,
}
TEL = re.compile(r"tel:\+[0-9]{7,15}")


def table_of(kind: Kind) -> dict[str, Any]:
    return json.loads((FIXTURES / kind.file).read_text(encoding="utf-8"))["_default"]


@st.composite
def documents(draw: st.DrawFn, kind: Kind) -> dict[str, Any]:
    """A document of valid-looking values: every required field, some optional ones."""
    return {
        name: draw(valid_looking(field.rule), label=name)
        for name, field in kind.fields.items()
        if field.required or draw(st.booleans())
    }


class CompiledTemplates(BytecodeCache):
    """The templates compiled once for all the apps these tests make (keyed by their source)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = CompiledTemplates()


def site(folder: str, kind: Kind | None = None, table: dict[str, Any] | None = None) -> Flask:
    """The site on a copy of the test data in `folder`, with `kind`'s file holding `table`."""
    data, instance = Path(folder) / "data", Path(folder) / "instance"
    shutil.copytree(FIXTURES, data)
    instance.mkdir()
    if kind is not None:
        text = json.dumps({"_default": table}, indent=2, ensure_ascii=False)
        (data / kind.file).write_text(text, encoding="utf-8")
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(data), "INSTANCE_DIR": str(instance),
         "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False}
    )  # fmt: skip
    app.jinja_env.bytecode_cache = TEMPLATES
    return app


with tempfile.TemporaryDirectory() as _folder:
    RESERVED = reserved_slugs(site(_folder))
    """The slugs the site's own pages use, as the store checks pages.json with them."""


def render(kind: Kind, table: dict[str, Any], urls: list[str]) -> dict[str, str]:
    """Each URL's page, from a copy of the test data with `kind`'s file replaced by `table`."""
    with tempfile.TemporaryDirectory() as folder:
        client = site(folder, kind, table).test_client()
        health = client.get("/healthz")
        assert health.status_code == 200, f"the file that validated is served: {health.json}"
        pages = {}
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, f"{url} answered {response.status_code}"
            pages[url] = response.get_data(as_text=True)
        return pages


RENDERED = [kind for kind in KINDS if kind.name in PAGES_OF]


@pytest.mark.parametrize("kind", RENDERED, ids=[kind.name for kind in RENDERED])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_every_file_that_validates_renders_every_page_that_uses_it(kind, data):
    table = table_of(kind)
    document = data.draw(documents(kind), label="document")
    if kind.name == "pages" and data.draw(st.booleans(), label="as the front page"):
        document["slug"] = "index"
        table["1"] = document
    else:
        table[NEW_ID] = document
    models, problems = Validator(kind, RESERVED)({"_default": table})
    errors = [p for p in problems if not p.warning]
    note(f"problems: {[str(p) for p in errors]}")
    assume(not errors)
    slug = document.get("slug", "")
    pages = render(kind, table, [url.format(slug=slug) for url in PAGES_OF[kind.name]])
    if kind.name == "contacts" and kind.fields["phone"].rule is PHONE_RULE:
        for html in pages.values():
            for uri in re.findall(r'href="(tel:[^"]*)"', html):
                assert TEL.fullmatch(uri), uri


BASES = {
    "pages": {"slug": "reuna", "title": "Reuna", "body": "## Reuna\n\nTeksti."},
    "contacts": {"name": "Reuna", "title": "insinööri", "organisation": "Espoo",
                 "email": "reuna(a)espoo.fi"},
    "events": {"title": "Reuna", "start": "1900-01-01", "location": "Espoo",
               "description": "Kuvaus.", "organiser": "Espoo", "status": fields.STATUSES[0]},
    "jobs": {"title": "Insinööri", "employer": "Espoo", "location": "Espoo",
             "deadline": "2999-12-31", "link": "https://example.fi/rekry"},
}  # fmt: skip


@pytest.mark.parametrize("kind", RENDERED, ids=[kind.name for kind in RENDERED])
def test_the_edge_values_that_validate_render_side_by_side(kind):
    """Each edge value of each field in its own document, all in one file, on every page."""
    table, added = table_of(kind), []
    for name, field in kind.fields.items():
        for value in edge_values(field.rule):
            key = str(100 + len(added))
            document = {**BASES[kind.name], name: value}
            if kind.name == "pages" and name != "slug":
                document["slug"] = f"reuna-{key}"
            candidate = {**table, key: document}
            _, problems = Validator(kind, RESERVED)({"_default": candidate})
            if not [p for p in problems if not p.warning]:
                table = candidate
                added.append((key, document))
    assert len(added) > 10, "edge values that validate"
    urls = [url.format(slug="reuna-100") for url in PAGES_OF[kind.name]]
    if kind.name == "events":
        urls += [f"/fi/tapahtumat/{key}/" for key, _ in added]
        urls += [f"/fi/tapahtumat/{key}/event.ics" for key, _ in added]
    if kind.name == "pages":
        urls += [f"/fi/{document['slug']}/" for _, document in added]
    render(kind, table, urls)


# The phone number's tel: link


@pytest.mark.skipif(PHONE_RULE is None, reason="no phone rule")
@settings(max_examples=300, deadline=None)
@given(phone=phones | st.text(max_size=20))
def test_every_phone_number_the_rule_accepts_makes_a_valid_tel_link(phone):
    assert PHONE_RULE is not None
    try:
        PHONE_RULE(phone)
    except Invalid:
        return
    contact = Contact(id=1, name="n", title={"fi": "t"}, organisation={"fi": "o"},
                      email="e@x.fi", phone=phone)  # fmt: skip
    assert contact.phone_uri is not None and TEL.fullmatch(contact.phone_uri), contact.phone_uri


@pytest.mark.parametrize(
    ("phone", "uri"),
    [("040 572 2120", "tel:+358405722120"), ("+358 40 572 2120", "tel:+358405722120"),
     ("09 771 2000", "tel:+35897712000"), ("040-572 2120", "tel:+358405722120")],
)  # fmt: skip
def test_the_numbers_people_write_stay_valid(phone, uri):
    assert PHONE_RULE is not None
    assert PHONE_RULE(phone) == phone
    contact = Contact(id=1, name="n", title={"fi": "t"}, organisation={"fi": "o"},
                      email="e@x.fi", phone=phone)  # fmt: skip
    assert contact.phone_uri == uri


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("p. 040 572 2120", '"p. 040 572 2120" is not a phone number (write digits and spaces, '
         'and + before an international number: e.g. "040 572 2120" or "+358 40 572 2120")'),
        ("-", '"-" is not a phone number (write digits and spaces, and + before an '
         'international number: e.g. "040 572 2120" or "+358 40 572 2120")'),
        ("00358 40 572 2120", '"00358 40 572 2120": write an international number with + '
         'instead of 00 ("+358 ...")'),
        ("40 572 2120", '"40 572 2120": a Finnish number starts with 0 (the area code), an '
         'international one with + (e.g. "040 572 2120" or "+358 40 572 2120")'),
        ("040 57", '"040 57" is too short for a phone number (e.g. "040 572 2120" or '
         '"+358 40 572 2120")'),
        ("٠٤٠ ٥٧٢ ٢١٢٠", '"٠٤٠ ٥٧٢ ٢١٢٠" is not a phone number (write digits and spaces, and + '
         'before an international number: e.g. "040 572 2120" or "+358 40 572 2120")'),
    ],
)  # fmt: skip
def test_a_phone_number_without_a_valid_tel_link_is_refused(phone, message):
    assert PHONE_RULE is not None
    with pytest.raises(Invalid) as refused:
        PHONE_RULE(phone)
    assert str(refused.value) == message


def test_the_contacts_phone_uses_the_phone_rule():
    assert kinds_module.CONTACTS.fields["phone"].rule is PHONE_RULE


# Dates, texts and Markdown: the messages


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        (fields.DAY, "0001-01-01", '"0001-01-01" is too far in time (use a year from 1900 to 2999)'),
        (fields.DAY, "9999-12-31", '"9999-12-31" is too far in time (use a year from 1900 to 2999)'),
        (fields.DAY, "٢٠٢٦-١١-٢٨", '"٢٠٢٦-١١-٢٨" is not a date (use YYYY-MM-DD)'),
        (fields.MOMENT, "2026-12-01x09:30",
         '"2026-12-01x09:30" is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)'),
        (fields.MOMENT, "2026-12-01T0９:30",
         '"2026-12-01T0９:30" is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)'),
        (fields.TIMESTAMP, "2026-11-28T10:15:00.123456Ā+02:00",
         '"2026-11-28T10:15:00.123456Ā+02:00" is not a date-time with offset '
         "(e.g. 2026-11-28T10:15:00+02:00)"),
        (fields.TIMESTAMP, "2026-11-28 10:15:00+02:00",
         '"2026-11-28 10:15:00+02:00" is not a date-time with offset '
         "(e.g. 2026-11-28T10:15:00+02:00)"),
        (fields.TIMESTAMP, "0001-01-01T00:00:00+14:00",
         '"0001-01-01T00:00:00+14:00" is too far in time (use a year from 1900 to 2999)'),
        (fields.TEXT, "Tapahtuma\x00",
         "has a control character, U+0000, at character 10, which cannot be shown: delete it "
         "(a line break is written \\n, a tab \\t)"),
        (fields.TRANSLATABLE, {"fi": "Otsikko", "sv": "Rubrik\x1b"},
         "sv has a control character, U+001B, at character 7, which cannot be shown: delete "
         "it (a line break is written \\n, a tab \\t)"),
        (fields.SLUG_RULE, "uutiset\n2026",
         '"uutiset\\n2026" is not a slug (use a-z, 0-9 and -, e.g. "uutiset-2026")'),
    ],
)  # fmt: skip
def test_values_the_views_cannot_show_are_refused(rule, value, message):
    with pytest.raises(Invalid) as refused:
        rule(value)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("value", "ok"),
    [("2026-11-28T10:15:00+02:00", datetime(2026, 11, 28, 8, 15, tzinfo=UTC)),
     ("2026-11-28T10:15Z", datetime(2026, 11, 28, 10, 15, tzinfo=UTC)),
     ("2026-11-28T10:15:00.5+02:00", datetime(2026, 11, 28, 8, 15, 0, 500000, tzinfo=UTC))],
)  # fmt: skip
def test_the_timestamps_the_site_writes_stay_valid(value, ok):
    assert fields.TIMESTAMP(value) == ok


def test_tabs_and_line_breaks_stay_valid_in_texts():
    assert fields.TEXT("a\tb\nc\r\nd") == "a\tb\nc\r\nd"


@pytest.mark.skipif(MARKDOWN is None, reason="no Markdown rule")
@pytest.mark.parametrize(
    ("body", "advice"),
    [
        ("## Hankkeet\n\nTeksti [linkillä](https://example.fi) ja <https://example.fi>.", []),
        ("# Hankkeet\n\nTeksti.",
         ['has a level-1 heading ("Hankkeet" on line 1): the page title is the page\'s only '
          "level-1 heading, so start headings at ##"]),
        ("Hankkeet\n===\n\nTeksti.",
         ['has a level-1 heading ("Hankkeet" on line 1): the page title is the page\'s only '
          "level-1 heading, so start headings at ##"]),
        ("Teksti<br>rivi.",
         ['has raw HTML ("<br>" on line 1), which the site shows as text, not as HTML: use '
          "Markdown instead"]),
        ({"fi": "## Otsikko\n\n<div>\nlohko\n</div>", "sv": "## Rubrik"},
         ['fi has raw HTML ("<div>" on line 3), which the site shows as text, not as HTML: use '
          "Markdown instead"]),
        ({"fi": "# A", "sv": "# A", "en": "## B"},
         ['fi, sv has a level-1 heading ("A" on line 1): the page title is the page\'s only '
          "level-1 heading, so start headings at ##"]),
        ("`<b>` ja\n\n    <div> koodina", []),
    ],
)  # fmt: skip
def test_a_markdown_body_warns_about_raw_html_and_a_level_1_heading(body, advice):
    assert MARKDOWN is not None
    assert MARKDOWN.warnings(MARKDOWN(body)) == advice
    assert kinds_module.PAGES.fields["body"].rule is MARKDOWN


def test_a_page_with_warnings_is_served_and_reported():
    """A warning is advice: the page is on the site, and `kehto check` prints the warning."""
    pages = table_of(kinds_module.PAGES)
    pages[NEW_ID] = {"slug": "hankkeet", "title": "Hankkeet", "body": "# Hankkeet\n\n<b>x</b>"}
    models, problems = Validator(kinds_module.PAGES, RESERVED)({"_default": pages})
    assert [str(p) for p in problems if p.document == NEW_ID] == [
        'warning: pages.json: document 90: body: has raw HTML ("<b>" on line 3), which the '
        "site shows as text, not as HTML: use Markdown instead",
        'warning: pages.json: document 90: body: has a level-1 heading ("Hankkeet" on line 1): '
        "the page title is the page's only level-1 heading, so start headings at ##",
    ]
    html = render(kinds_module.PAGES, pages, ["/fi/hankkeet/"])["/fi/hankkeet/"]
    assert "&lt;b&gt;x&lt;/b&gt;" in html
