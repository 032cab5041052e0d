"""A process that saved a file reuses what it saved only while nobody has touched the file."""

from __future__ import annotations

import errno
import os

import pytest

from kehto_app.content import store as store_module
from kehto_app.content.kinds import EVENTS
from kehto_app.content.store import Collection
from kehto_app.content.store import StoreError
from kehto_app.content.validation import Validator
from tests.helpers import edit_data
from tests.helpers import events_on_disk
from tests.writers import numbered


def test_the_maintainers_edit_between_two_writes_is_kept(data_dir):
    events = Collection(data_dir / "events.json", Validator(EVENTS))
    before = len(events_on_disk(data_dir))
    events.write(lambda t: t.insert(numbered("first", 1)))
    edit_data(data_dir, "events.json", lambda t: t["1"].update(title="Käsin muokattu"))
    events.write(lambda t: t.insert(numbered("second", 2)))
    titles = [d["title"] for d in events_on_disk(data_dir).values()]
    assert "Käsin muokattu" in titles
    assert len(titles) == before + 2


def test_a_file_broken_between_two_writes_is_never_overwritten(data_dir):
    events = Collection(data_dir / "events.json", Validator(EVENTS))
    events.write(lambda t: t.insert(numbered("first", 1)))
    broken = '{"_default": {"1": {"title": "kesken"'
    (data_dir / "events.json").write_text(broken, encoding="utf-8")
    with pytest.raises(StoreError, match="line 1"):
        events.write(lambda t: t.insert(numbered("second", 2)))
    assert (data_dir / "events.json").read_text() == broken


def test_a_change_whose_save_fails_keeps_none_of_its_operations(data_dir, monkeypatch):
    events = Collection(data_dir / "events.json", Validator(EVENTS))
    real_replace = os.replace

    def no_space(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def saved_then_failed(t):
        t.insert(numbered("saved", 1))
        monkeypatch.setattr(store_module.os, "replace", no_space)
        t.insert(numbered("lost", 2))

    with pytest.raises(StoreError):
        events.write(saved_then_failed)
    monkeypatch.setattr(store_module.os, "replace", real_replace)
    events.write(lambda t: t.insert(numbered("after", 3)))
    titles = [d["title"] for d in events_on_disk(data_dir).values()]
    assert "after-3" in titles
    assert "saved-1" not in titles and "lost-2" not in titles


def test_a_failing_change_saves_nothing_and_does_not_leak_into_the_next_write(data_dir):
    events = Collection(data_dir / "events.json", Validator(EVENTS))
    before = len(events_on_disk(data_dir))

    def insert_then_fail(t):
        t.insert(numbered("kept", 1))
        t.table_name_that_fails  # noqa: B018

    with pytest.raises(AttributeError):
        events.write(insert_then_fail)
    events.write(lambda t: t.insert(numbered("next", 2)))
    titles = [d["title"] for d in events_on_disk(data_dir).values()]
    assert len(titles) == before + 1 and "next-2" in titles and "kept-1" not in titles
