"""Every UI string is translated, and dates read as each language writes them."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kehto_app.content.base import HELSINKI
from kehto_app.i18n import when

ROOT = Path(__file__).resolve().parent.parent


def catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=lang)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids in the code and templates now, extracted as `make translations` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "_",
            "-o",
            str(pot),
            "kehto_app",
            "templates",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ("sv", "en"))
def test_every_ui_string_is_translated(lang, extracted):
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(lang) if m.id}
    missing = sorted(extracted - messages.keys())
    assert not missing, f"run `make translations`; not in the {lang} catalog: {missing}"
    empty = [
        m.id
        for m in messages.values()
        if not m.string or (isinstance(m.string, tuple) and not all(m.string))
    ]
    fuzzy = [m.id for m in messages.values() if m.fuzzy]
    assert not empty, f"{lang}: untranslated: {empty}"
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("lang", ("sv", "en"))
def test_translations_keep_their_placeholders(lang):
    errors = [(m.id, err) for m in catalog(lang) if m.id for err in m.check()]
    assert not errors


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fi", "14.6.2012"), ("sv", "14.6.2012"), ("en", "14 June 2012")],
)
def test_all_day_dates(app, lang, expected):
    with app.test_request_context(f"/{lang}/"):
        from flask import g

        g.lang = lang
        assert when(date(2012, 6, 14)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fi", "1.12.2026 klo 9.05 – 2.12.2026 klo 16.00"),
        ("sv", "1.12.2026 kl. 9.05 – 2.12.2026 kl. 16.00"),
        ("en", "1 December 2026 at 9.05 – 2 December 2026 at 16.00"),
    ],
)
def test_times_are_shown_in_helsinki_time(app, lang, expected):
    from datetime import UTC

    start = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)  # 9.05 in Helsinki (UTC+2 in winter)
    end = datetime(2026, 12, 2, 16, 0, tzinfo=HELSINKI)
    with app.test_request_context(f"/{lang}/"):
        from flask import g

        g.lang = lang
        assert when(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2099, 9, 1), date(2099, 9, 2), "1–2 September 2099"),
        (date(2099, 9, 30), date(2099, 10, 2), "30 September – 2 October 2099"),
        (date(2099, 12, 30), date(2100, 1, 2), "30 December 2099 – 2 January 2100"),
    ],
)
def test_english_day_ranges_spell_out_the_month_as_single_days_do(app, start, end, expected):
    with app.test_request_context("/en/"):
        from flask import g

        g.lang = "en"
        assert when(start, end) == expected
        assert when(start) == f"{start.day} {start.strftime('%B')} {start.year}"
