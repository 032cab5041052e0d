"""An event's texts in one language are marked with it on pages in the other languages."""

from __future__ import annotations

from tests.helpers import edit_data
from tests.helpers import event
from tests.helpers import events_on_disk


def test_a_swedish_event_is_marked_swedish_on_the_finnish_and_english_pages(client, data_dir):
    swedish = event(title="Gatuunderhåll i Vasa", location="Vasa stadshus",
                    organiser="Vasa stad", description="Om gatorna.\n\nOch broarna.", lang="sv")  # fmt: skip
    edit_data(data_dir, "events.json", lambda t: t.update({"90": swedish}))
    finnish = client.get("/fi/tapahtumat/90/").text
    assert '<h1><span lang="sv">Gatuunderhåll i Vasa</span></h1>' in finnish
    assert '<dd><span lang="sv">Vasa stadshus</span></dd>' in finnish
    assert '<dd><span lang="sv">Vasa stad</span></dd>' in finnish
    assert '<div lang="sv"><p>Om gatorna.</p>\n<p>Och broarna.</p>\n</div>' in finnish
    listed = client.get("/en/events/").text
    assert '<span lang="sv">Gatuunderhåll i Vasa</span></a>' in listed
    own = client.get("/sv/evenemang/90/").text
    assert "<h1>Gatuunderhåll i Vasa</h1>" in own and 'lang="sv">Vasa' not in own


def test_a_translated_text_is_not_marked_with_the_event_s_language(client, data_dir):
    mixed = event(title={"fi": "Katujen kunnossapito", "sv": "Gatuunderhåll"}, lang="sv")
    edit_data(data_dir, "events.json", lambda t: t.update({"91": mixed}))
    assert "<h1>Katujen kunnossapito</h1>" in client.get("/fi/tapahtumat/91/").text
    english = client.get("/en/events/91/").text
    assert '<h1><span lang="fi">Katujen kunnossapito</span></h1>' in english  # the fallback


def test_an_approved_swedish_proposal_keeps_its_language(app, runner, data_dir, instance_dir):
    from tests.helpers import proposals_on_disk

    pending = proposals_on_disk(instance_dir)["4"]
    edit_data(instance_dir, "proposals.json", lambda t: t["4"].update(lang="sv"))
    result = runner.invoke(args=["kehto", "events", "approve", "4"])
    assert result.exit_code == 0, result.output
    published = events_on_disk(data_dir)["4"]
    assert published["lang"] == "sv"
    assert not {"submitter_name", "submitter_email", "submitted", "state"} & set(published)
    page = app.test_client().get("/fi/tapahtumat/4/").text
    assert f'<h1><span lang="sv">{pending["title"]}</span></h1>' in page
