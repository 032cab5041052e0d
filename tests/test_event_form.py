"""The proposal form's attendance mode, meeting link and registration fields."""

from __future__ import annotations

import pytest

from tests.helpers import in_lang
from tests.helpers import proposals_on_disk
from tests.test_proposals import FORM
from tests.test_proposals import fi_date
from tests.test_proposals import field_error
from tests.test_proposals import soon
from tests.test_proposals import valid_form


def newest(instance_dir) -> dict:
    proposals = proposals_on_disk(instance_dir)
    return proposals[max(proposals, key=int)]


def test_an_online_proposal_needs_no_place_but_its_meeting_link(client, instance_dir):
    form = valid_form(attendance="online", location="", meeting_link="https://meet.example.org/x",
                      registration_link="https://example.org/ilmo",
                      registration_date=fi_date(soon(20)), registration_time="16.00")  # fmt: skip
    response = client.post(in_lang("fi", FORM), data=form)
    assert response.status_code == 303, field_error(response.text, "location")
    stored = newest(instance_dir)
    assert "location" not in stored
    assert stored["attendance"] == "online"
    assert stored["meeting_link"] == "https://meet.example.org/x"
    assert stored["registration_link"] == "https://example.org/ilmo"
    assert stored["registration_deadline"] == f"{soon(20).isoformat()}T16:00"


def test_an_in_person_proposal_stores_no_mode_and_no_meeting_link(client, instance_dir):
    form = valid_form(attendance="in-person", meeting_link="https://meet.example.org/x")
    assert client.post(in_lang("fi", FORM), data=form).status_code == 303
    stored = newest(instance_dir)
    assert "attendance" not in stored and "meeting_link" not in stored


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"attendance": "hybrid"},
            "meeting_link",
            {
                "fi": "Anna linkki, jonka kautta tapahtumaan osallistutaan.",
                "sv": "Ange länken för att delta i evenemanget.",
                "en": "Give the link for joining the event.",
            },
        ),
        (
            {"location": ""},
            "location",
            {"fi": "Tämä tieto on pakollinen.", "sv": "obligatorisk", "en": "required"},
        ),
        (
            {"attendance": "etä"},
            "attendance",
            {
                "fi": "Valitse jokin vaihtoehdoista.",
                "sv": "Välj ett av alternativen.",
                "en": "Choose one of the options.",
            },
        ),
        (
            {"meeting_link": "javascript:alert(1)", "attendance": "online"},
            "meeting_link",
            {"fi": "https://", "sv": "https://", "en": "https://"},
        ),
        (
            {"registration_link": "ftp://example.org/"},
            "registration_link",
            {"fi": "https://", "sv": "https://", "en": "https://"},
        ),
        (
            {"registration_date": "31.2.2027"},
            "registration_date",
            {"fi": "1.12.2026", "sv": "1.12.2026", "en": "1.12.2026"},
        ),
        (
            {"registration_time": "16.00"},
            "registration_time",
            {
                "fi": "Anna myös ilmoittautumisen viimeinen päivä.",
                "sv": "Ange också sista anmälningsdag.",
                "en": "Give the last day to register too.",
            },
        ),
        (
            {"registration_date": fi_date(soon(40))},
            "registration_date",
            {
                "fi": "Ilmoittautumisen pitää päättyä viimeistään, kun tapahtuma päättyy.",
                "sv": "Anmälan måste stänga senast när evenemanget slutar.",
                "en": "Registration must close by the time the event ends.",
            },
        ),
    ],
)
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_each_new_field_explains_its_mistake_at_the_field(
    client, instance_dir, lang, changes, field, message
):
    before = proposals_on_disk(instance_dir)
    response = client.post(in_lang(lang, FORM), data=valid_form(**changes))
    assert response.status_code == 422
    error = field_error(response.text, field)
    assert error is not None and message[lang].casefold() in error.casefold(), error
    assert f'aria-describedby="{field}' in response.text or f'{field}-error"' in response.text
    assert f'href="#{field}"' in response.text, "listed in the error summary"
    assert proposals_on_disk(instance_dir) == before


def test_the_form_offers_the_attendance_modes_in_the_pages_language(client):
    html = client.get(in_lang("sv", FORM)).text
    for text in ("På plats", "Webbevenemang", "Hybridevenemang", "Länk för att delta",
                 "Anmälningslänk", "Sista anmälningsdag"):  # fmt: skip
        assert text in html
    assert '<select id="attendance" name="attendance">' in html
