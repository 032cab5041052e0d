"""Generated data folders: N events in three languages, mostly upcoming."""

from __future__ import annotations

import random
import shutil
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from kehto_app.content.store import dump

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data"
PLACES = [("Helsinki", "Helsingfors"), ("Turku", "Åbo"), ("Tampere", "Tammerfors"),
          ("Vaasa", "Vasa"), ("Oulu", "Uleåborg"), ("Espoo", "Esbo")]  # fmt: skip
TOPICS = [("Katujen kunnossapito", "Gatuunderhåll", "Street maintenance"),
          ("Vesihuolto", "Vattenförsörjning", "Water supply"),
          ("Jätehuolto", "Avfallshantering", "Waste management"),
          ("Kaavoitus", "Planläggning", "Land-use planning")]  # fmt: skip


def event(number: int, start: date | datetime, rng: random.Random) -> dict:
    fi, sv, en = rng.choice(TOPICS)
    place_fi, place_sv = rng.choice(PLACES)
    doc: dict = {
        "title": {
            "fi": f"{fi}: seminaari {number}",
            "sv": f"{sv}: seminarium {number}",
            "en": f"{en}: seminar {number}",
        },  # fmt: skip
        "start": start.isoformat(timespec="minutes")
        if isinstance(start, datetime)
        else start.isoformat(),
        "location": {"fi": place_fi, "sv": place_sv},
        "description": {
            "fi": f"{fi} kunnissa.\n\nOhjelmassa esityksiä ja keskustelua. Tilaisuus {number}.",
            "sv": f"{sv} i kommunerna.\n\nPå programmet presentationer och diskussion.",
            "en": f"{en} in municipalities.\n\nTalks and discussion.",
        },
        "organiser": "KEHTO-foorumi",
        "status": "published" if number % 25 else "hidden",
    }
    if isinstance(start, datetime):
        doc["end"] = (start + timedelta(hours=3)).isoformat(timespec="minutes")
    if number % 3 == 0:
        doc["link"] = f"https://example.org/kehto/{number}"
    return doc


def events(count: int, seed: int = 7) -> dict:
    """`count` events, nine in ten upcoming, one in 25 hidden."""
    rng = random.Random(seed)
    today = date.today()
    table = {}
    for number in range(1, count + 1):
        offset = rng.randint(1, 1500) if number % 10 else -rng.randint(1, 3000)
        day = today + timedelta(days=offset)
        start: date | datetime = day
        if number % 2:
            start = datetime(
                day.year, day.month, day.day, rng.choice([9, 10, 13]), rng.choice([0, 30])
            )
        table[str(number)] = event(number, start, rng)
    return {"_default": table}


NEWS = 200


def make(folder: Path, count: int) -> Path:
    """A data folder: the test pages, contacts, jobs and site texts, `count` events, 200 news."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("pages.json", "contacts.json", "jobs.json", "site.json"):
        shutil.copyfile(FIXTURES / name, folder / name)
    write_events(folder, count)
    (folder / "news.json").write_bytes(dump(news(NEWS)))
    return folder


def news(count: int) -> dict:
    """`count` news items, one every four days back from today, in three languages."""
    rng = random.Random(count)
    table = {}
    for number in range(1, count + 1):
        fi, sv, en = rng.choice(TOPICS)
        table[str(number)] = {
            "title": {"fi": f"{fi}: uutinen {number}", "sv": f"{sv}: nyhet {number}",
                      "en": f"{en}: news {number}"},
            "date": (date.today() - timedelta(days=4 * (count - number))).isoformat(),
            "summary": {"fi": f"{fi} kunnissa.", "sv": f"{sv} i kommunerna.",
                        "en": f"{en} in municipalities."},
            "body": {"fi": f"## {fi}\n\nKunnat kertoivat kokemuksistaan. Uutinen {number}.",
                     "sv": f"## {sv}\n\nKommunerna berättade om sina erfarenheter.",
                     "en": f"## {en}\n\nThe municipalities told of their experience."},
        }  # fmt: skip
    return {"_default": table}


def write_events(folder: Path, count: int) -> None:
    (folder / "events.json").write_bytes(dump(events(count)))
