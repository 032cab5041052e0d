"""The data files' JSON Schemas: the maintainer's editor underlines what `kehto check` refuses."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from kehto_app.content.jsonschema import editor_settings
from kehto_app.content.jsonschema import render
from kehto_app.content.jsonschema import schema_file
from kehto_app.content.jsonschema import schema_of
from kehto_app.content.kinds import KINDS
from kehto_app.content.kinds import Kind
from kehto_app.content.validation import Validator
from tests.helpers import on_disk

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data"
TESTS = Path(__file__).parent / "data"
IDS = [kind.name for kind in KINDS]


def validator(kind: Kind) -> Draft7Validator:
    schema = schema_of(kind)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_the_shipped_schemas_are_the_ones_the_kinds_make(kind):
    assert (SHIPPED / schema_file(kind)).read_bytes() == render(kind), "run `kehto schema`"


def test_the_editor_maps_every_data_file_to_its_schema():
    settings_file = orjson.loads((ROOT / ".vscode" / "settings.json").read_bytes())
    assert settings_file["json.schemas"] == editor_settings(KINDS)["json.schemas"]
    for entry in settings_file["json.schemas"]:
        assert (ROOT / entry["url"]).is_file()


@pytest.mark.parametrize("folder", [SHIPPED, TESTS], ids=["shipped", "tests"])
@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_every_valid_data_file_passes_its_schema(kind, folder):
    path = folder / kind.file
    if not path.exists():
        pytest.skip(f"{folder.name} has no {kind.file}")
    raw = orjson.loads(path.read_bytes())
    assert Validator(kind)(raw)[1] == [], "the file itself must be valid"
    assert list(validator(kind).iter_errors(raw)) == []


JOB = {"title": "Kehittämisinsinööri", "employer": "Espoo", "location": "Espoo",
       "deadline": "2099-12-31", "link": "https://example.org/job"}  # fmt: skip


def first_document(kind: Kind) -> dict:
    """A valid document of the kind: the first in the test data (jobs.json is empty there)."""
    docs = on_disk(TESTS / kind.file) or ({"1": JOB} if kind.name == "jobs" else {})
    assert docs, f"tests/data/{kind.file} needs a document"
    return dict(next(iter(docs.values())))


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_the_schema_refuses_a_wrong_type_an_unknown_field_and_a_missing_field(kind):
    check = validator(kind)
    required = [name for name, field in kind.fields.items() if field.required]
    good = first_document(kind)
    assert check.is_valid({"_default": {"1": good}})

    wrong_type = {**good, required[0]: 42}
    unknown = {**good, "titel": "a typo of a field name"}
    missing = {k: v for k, v in good.items() if k != required[-1]}
    for bad in (wrong_type, unknown, missing):
        assert not check.is_valid({"_default": {"1": bad}}), bad
        assert Validator(kind)({"_default": {"1": bad}})[1], "kehto check refuses it too"
    assert not check.is_valid({"_default": {"x": good}}), "an id is a whole number"
    assert not check.is_valid({"default": {}}), "the table is _default"


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_every_field_has_its_meaning_as_description(kind):
    fields = schema_of(kind)["properties"]["_default"]["patternProperties"]["^[1-9][0-9]*$"]
    for name, field in kind.fields.items():
        assert fields["properties"][name]["description"] == field.meaning
        assert field.meaning.strip()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
field_values = json_values | st.sampled_from(
    ["2026-12-01", "2026-12-01T09:30", "2026-13-40", "https://example.org/a", "http://x",
     "https:// space", "maija(a)example.fi", "a@b.fi", "published", "pending", "ok-slug",
     "Bad Slug", "2026-11-28T10:15:00+02:00", " ", "",
     {"fi": "Teksti", "sv": "Text"}, {"sv": "Text"}, {"fi": "x", "de": "y"}]
)  # fmt: skip


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_what_kehto_check_accepts_the_editor_never_underlines(kind, data):
    """The schema may be looser than `kehto check`, never stricter."""
    document = first_document(kind)
    for name in data.draw(st.lists(st.sampled_from(sorted(kind.fields)), max_size=3)):
        if data.draw(st.booleans()):
            document[name] = data.draw(field_values)
        else:
            document.pop(name, None)
    raw = {"_default": {"1": document}}
    if not Validator(kind)(raw)[1]:
        assert validator(kind).is_valid(raw), document


ROW = re.compile(r"^\| `([a-z_]+)` \| (yes|no) \|", re.MULTILINE)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_data_readme_lists_every_field_of_every_file(kind):
    text = (SHIPPED / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {kind.file}\n", 1)[1].split("\n## ", 1)[0]
    listed = {name: needed == "yes" for name, needed in ROW.findall(section)}
    assert listed == {name: field.required for name, field in kind.fields.items()}
