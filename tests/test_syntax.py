"""A data file that is not JSON: the message names the real mistake and where to look, word for word."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kehto_app.content import syntax
from kehto_app.content import validation
from kehto_app.content.validation import parse_json

FIXTURES = Path(__file__).parent / "data"

EVENTS = """\
{
  "_default": {
    "1": {
      "title": {
        "fi": "KEHTO-foorumin tapaaminen",
        "sv": "KEHTO-forumets möte",
        "en": "KEHTO forum meeting"
      },
      "start": "2026-06-14",
      "location": "Jyväskylä",
      "description": "Ensimmäinen kappale.\\n\\nToinen kappale.",
      "organiser": "KEHTO-foorumi",
      "status": "published"
    },
    "2": {
      "title": "Katujen kunnossapidon työpaja",
      "start": "2026-12-01T09:00",
      "end": "2026-12-01T15:30",
      "location": "Helsinki",
      "description": "Työpaja kuntien katujen kunnossapidosta.",
      "link": "https://www.example.fi/tyopaja",
      "organiser": "Helsingin kaupunki",
      "status": "published"
    }
  }
}
"""
"""events.json as the maintainer keeps it: 2 spaces a level, one field a line (26 lines)."""

LAST_LINES = "    }\n  }\n}\n"
DOCUMENT_1_END = '"status": "published"\n    },\n'
LOCATION = '"location": "Jyväskylä",'
DESCRIPTION = '"Työpaja kuntien katujen kunnossapidosta."'

MISTAKES = [
    # A bracket not closed, or one too many
    pytest.param(
        LAST_LINES,
        "    }\n  }\n",
        "line 25, column 4: the file ends before the { on line 1 is closed: "
        "a } is missing at the end",
        id="the last } missing",
    ),
    pytest.param(
        LAST_LINES,
        "    }\n",
        "line 24, column 6: the file ends before the { on line 2 is closed: "
        "} } are missing at the end",
        id="the last two } missing",
    ),
    pytest.param(
        DOCUMENT_1_END,
        '"status": "published"\n',
        "line 14, column 5: the { on line 3 is not closed: a } and a comma are missing "
        "before this line",
        id="a document's }, line deleted",
    ),
    pytest.param(
        DOCUMENT_1_END,
        '"status": "published"\n    ,\n',
        "line 14, column 5: the { on line 3 is not closed: a } is missing before this line",
        id="a document's } deleted, its comma kept",
    ),
    pytest.param(
        '"status": "published"\n    }\n  }',
        '"status": "published"\n  }',
        "line 24, column 3: the { on line 15 is not closed: a } is missing before this line",
        id="the last document's } deleted",
    ),
    pytest.param(
        '"en": "KEHTO forum meeting"\n      },',
        '"en": "KEHTO forum meeting",',
        "line 8, column 7: the { on line 4 is not closed: a } is missing before this line",
        id="a translated title's } deleted",
    ),
    pytest.param(
        DOCUMENT_1_END,
        '"status": "published"\n    }},\n',
        "line 14, column 6: there is one } too many here: delete it",
        id="one } too many after a document",
    ),
    pytest.param(
        DOCUMENT_1_END,
        '"status": "published"\n    }\n    },\n',
        "line 15, column 5: there is one } too many here: delete it",
        id="a } line written twice",
    ),
    pytest.param(
        LAST_LINES,
        LAST_LINES + "}\n",
        "line 27, column 1: there is one } too many here: delete it",
        id="one } too many at the end",
    ),
    # Double quotes
    pytest.param(
        DESCRIPTION,
        '"Työpaja "Katu 2026" kunnille."',
        'line 20, column 31: a double quote inside a text must be written \\"',
        id="a double quote inside a text",
    ),
    pytest.param(
        DESCRIPTION,
        '""Katu 2026" -työpaja."',
        'line 20, column 23: a double quote inside a text must be written \\"',
        id="a double quote at the start of a text",
    ),
    pytest.param(
        LOCATION,
        '"location": "Jyväskylä"",',
        "line 10, column 30: one double quote too many here: delete it",
        id="one double quote too many",
    ),
    pytest.param(
        LOCATION,
        '"location": "Jyväskylä,',
        'line 10, column 29: a double quote (") is missing here, at the end of the text',
        id="the closing quote missing",
    ),
    pytest.param(
        '"status": "published"\n    },',
        '"status": "published\n    },',
        'line 13, column 27: a double quote (") is missing here, at the end of the text',
        id="the closing quote of a document's last field missing",
    ),
    pytest.param(
        LOCATION,
        '"location": Jyväskylä",',
        'line 10, column 19: a double quote (") is missing at the start of this text',
        id="the opening quote missing",
    ),
    pytest.param(
        LOCATION,
        '"location: "Jyväskylä",',
        'line 10, column 16: a double quote (") is missing here, at the end of the field name '
        '"location"',
        id="a field name's closing quote missing",
    ),
    # Single quotes, no quotes
    pytest.param(
        LOCATION,
        "'location': 'Jyväskylä',",
        "line 10, column 7: the field name 'location' must be in double quotes: \"location\"",
        id="single quotes",
    ),
    pytest.param(
        LOCATION,
        "\"location\": 'Jyväskylä',",
        "line 10, column 19: the text 'Jyväskylä' must be in double quotes: \"Jyväskylä\"",
        id="a text in single quotes",
    ),
    pytest.param(
        LOCATION,
        'location: "Jyväskylä",',
        'line 10, column 7: the field name location must be in double quotes: "location"',
        id="an unquoted field name",
    ),
    pytest.param(
        '"status": "published"\n    },',
        '"status": published\n    },',
        'line 13, column 17: the text published must be in double quotes: "published"',
        id="an unquoted text",
    ),
    pytest.param(
        '"start": "2026-06-14",',
        '"start": 2026-06-14,',
        'line 9, column 16: the text 2026-06-14 must be in double quotes: "2026-06-14"',
        id="an unquoted date",
    ),
    # Backslashes
    pytest.param(
        DESCRIPTION,
        r'"Aineisto: P:\Tapahtumat\2026."',
        r"line 20, column 35: a backslash (\) must be written \\ in JSON, or use / instead",
        id="a backslash",
    ),
    pytest.param(
        LOCATION,
        r'"location": "C:\users",',
        r"line 10, column 22: a backslash (\) must be written \\ in JSON, or use / instead",
        id="a backslash before u",
    ),
    pytest.param(
        LOCATION,
        '"location": "C:\\temp\\",',
        r"line 10, column 27: a backslash (\) must be written \\ in JSON, or use / instead",
        id="a backslash before the closing quote",
    ),
    # Commas
    pytest.param(
        '"status": "published"\n    },',
        '"status": "published",\n    },',
        "line 13, column 28: a comma after the last field is not allowed in JSON: "
        "delete this comma",
        id="a trailing comma after a field",
    ),
    pytest.param(
        '"status": "published"\n    }\n  }',
        '"status": "published"\n    },\n  }',
        "line 24, column 6: a comma after the last field is not allowed in JSON: delete this comma",
        id="a trailing comma after the last document",
    ),
    pytest.param(
        '"start": "2026-06-14",',
        '"start": "2026-06-14"',
        'line 9, column 28: a comma is missing here, between two fields ("start" and "location")',
        id="a comma missing between two fields",
    ),
    pytest.param(
        DOCUMENT_1_END,
        '"status": "published"\n    }\n',
        'line 14, column 6: a comma is missing here, between two documents ("1" and "2")',
        id="a comma missing between two documents",
    ),
    pytest.param(
        '"fi": "KEHTO-foorumin tapaaminen",',
        '"fi": "KEHTO-foorumin tapaaminen"',
        'line 5, column 42: a comma is missing here, between two fields ("fi" and "sv")',
        id="a comma missing between two languages",
    ),
    pytest.param(
        '"start": "2026-06-14",',
        '"start": "2026-06-14",,',
        "line 9, column 29: one comma too many here: delete it",
        id="two commas",
    ),
    # Other mistakes a person makes
    pytest.param(
        '"Ensimmäinen kappale.\\n\\nToinen kappale."',
        '"Ensimmäinen kappale.\nToinen kappale."',
        "line 11, column 43: a line break inside a text must be written \\n",
        id="a line break inside a text",
    ),
    pytest.param(
        LOCATION,
        '"location" "Jyväskylä",',
        'line 10, column 17: a colon (:) is missing after the field name "location"',
        id="a colon missing",
    ),
    pytest.param(
        '"status": "published"\n    },',
        '"status": "published" // tarkista\n    },',
        "line 13, column 29: JSON has no comments: delete this comment",
        id="a comment",
    ),
    pytest.param(
        '"status": "published"\n    },',
        '"status": True\n    },',
        "line 13, column 17: JSON writes true, false and null in lower case: true",
        id="True",
    ),
    pytest.param(
        LOCATION,
        '"location":\u00a0"Jyväskylä",',
        "line 10, column 18: an invisible character (U+00A0 NO-BREAK SPACE) is not allowed "
        "here: delete it",
        id="a no-break space",
    ),
    pytest.param(
        '"2": {\n',
        '"2":\n',
        'line 16, column 7: a { is missing before the field "title"',
        id="a document's { missing",
    ),
    pytest.param(
        LOCATION,
        '"location": "\\ud83d",',
        "line 10, column 20: \\ud83d is only half of a character (a surrogate without its "
        "pair): write the character itself",
        id="half a character",
    ),
]


def problem_of(text: str) -> str:
    raw, problems = parse_json("events.json", text.encode("utf-8"))
    assert raw is None
    assert len(problems) == 1
    return str(problems[0])


@pytest.mark.parametrize(("old", "new", "message"), MISTAKES)
def test_each_mistake_is_named_with_where_to_look(old, new, message):
    assert EVENTS.count(old) >= 1, "the mistake is made in the file"
    text = EVENTS.replace(old, new, 1)
    assert problem_of(text) == f"events.json: {message}"
    line, column = map(int, re.match(r"line (\d+), column (\d+)", message).groups())
    lines = text.split("\n")
    assert line <= len(lines) and column <= len(lines[line - 1]) + 1, "a place in the file"


def test_the_fixture_and_the_shipped_files_are_valid_json():
    assert parse_json("events.json", EVENTS.encode()) == (json.loads(EVENTS), [])
    for path in FIXTURES.glob("*.json"):
        assert parse_json(path.name, path.read_bytes())[1] == []


def test_not_utf8_and_empty_files_keep_their_messages():
    assert problem_of_bytes(EVENTS.encode("latin-1")) == (
        "events.json: line 6: is not UTF-8 text (byte 0xf6); save it as UTF-8"
    )
    for empty in (b"", b"  \n\n"):
        assert problem_of_bytes(empty) == (
            'events.json: the file is empty (an empty file is {"_default": {}})'
        )


def problem_of_bytes(data: bytes) -> str:
    raw, problems = parse_json("events.json", data)
    assert raw is None and len(problems) == 1
    return str(problems[0])


def test_a_valid_file_is_read_by_orjson_alone(monkeypatch):
    """The careful reading runs only for a file that orjson refused."""

    def refuse(source: str) -> None:
        raise AssertionError("the careful reading ran on a valid file")

    monkeypatch.setattr(syntax, "mistake", refuse)
    assert validation.parse_json("events.json", EVENTS.encode())[1] == []


def test_orjson_limits_are_named_too():
    deep = "[" * (syntax.MAX_DEPTH + 1) + "]" * (syntax.MAX_DEPTH + 1)
    assert problem_of(deep) == (
        "events.json: line 1, column 1025: the data is nested too deeply (more than 1024 brackets)"
    )
    huge = EVENTS.replace('"published"\n    },', "1e999\n    },", 1)
    assert problem_of(huge) == "events.json: line 13, column 17: this number is too large"


def test_a_big_broken_file_is_explained_within_a_second():
    event = json.loads(EVENTS)["_default"]["1"]
    table = {str(i): event for i in range(1, 3001)}
    text = json.dumps({"_default": table}, indent=2, ensure_ascii=False)
    middle = text.index('"1500": {')
    broken = text[:middle] + text[middle:].replace('"published"\n    },', '"published"\n    ,', 1)
    assert "is not closed: a } is missing before this line" in problem_of(broken)


# Any text at all

JSON_CHARACTERS = st.sampled_from(list("{}[]\":,\\'\n\t /#") + ["\u00a0", "a", "0", "ä", "-"])
VALID = [EVENTS, *(path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.json")))]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid data file with a few characters deleted, inserted or replaced."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(JSON_CHARACTERS | st.characters(codec="utf-8"))
        edit = draw(st.sampled_from(["delete", "insert", "replace"]))
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            text = text[:at] + char + text[at:]
        else:
            text = text[:at] + char + text[at + 1 :]
    return text


def assert_one_problem_inside_the_file(text: str) -> None:
    raw, problems = parse_json("events.json", text.encode("utf-8"))
    source = text.removeprefix("\ufeff")
    try:
        expected, valid = orjson.loads(source), True
    except orjson.JSONDecodeError:
        expected, valid = None, False
    if not source.strip():
        assert raw is None
        assert [str(p) for p in problems] == [
            'events.json: the file is empty (an empty file is {"_default": {}})'
        ]
        return
    if valid:
        assert problems == [] and raw == expected
        return
    assert raw is None and len(problems) == 1
    assert syntax.mistake(source) is not None, "the careful reading finds what orjson refused"
    found = re.fullmatch(r"events\.json: line (\d+), column (\d+): .+", str(problems[0]), re.S)
    assert found, str(problems[0])
    line, column = int(found.group(1)), int(found.group(2))
    lines = source.split("\n")
    assert 1 <= line <= len(lines)
    assert 1 <= column <= len(lines[line - 1]) + 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_is_content_or_one_problem_with_its_place(text):
    assert_one_problem_inside_the_file(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_edit_of_a_valid_file_is_content_or_one_problem_with_its_place(text):
    assert_one_problem_inside_the_file(text)


def test_the_messages_data_readme_shows_are_the_ones_given():
    readme = (Path(__file__).parent.parent / "data" / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^\| .* \| `(line \d+, column \d+: .*)` \|$", readme, re.MULTILINE)
    assert len(shown) >= 10
    assert set(shown) <= {param.values[2] for param in MISTAKES}
