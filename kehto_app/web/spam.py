"""The form's defences against robots, in layers; a robot is thanked as a person is.

- a hidden field with a plausible name (`website`) that people never see and robots fill in;
- the time the form was loaded, signed, so a post sooner than `KEHTO_MIN_FILL_SECONDS`
  after it (or with no such time, or a forged one) is a script's (0 turns this off);
- at most `forms.MAX_LINKS` links in the description (a field error a person can fix);
- robots' posts count in the rate limit's robot budget and are logged, never stored.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from ..content import base
from .forms import EventForm

SALT = "kehto-form-started"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def stamp(form: EventForm) -> EventForm:
    """Mark a new form with the time it is sent to the browser."""
    form.started.data = _serializer().dumps(round(base.now().timestamp(), 1))
    return form


def minimum_seconds() -> float:
    return float(current_app.config.get("MIN_FILL_SECONDS") or 0)


def robot(form: EventForm) -> str | None:
    """Why this post is a robot's (for the log, without anything it says), or None."""
    if form.is_spam:
        return "the hidden field was filled in"
    minimum = minimum_seconds()
    if minimum <= 0:
        return None
    try:
        started = _serializer().loads(form.started.data or "")
    except BadSignature:
        return "no signed time of loading the form"
    if not isinstance(started, int | float):
        return "no signed time of loading the form"
    took = base.now().timestamp() - started
    if took < minimum:
        return f"sent {took:.1f} s after the form was loaded (at least {minimum:g} s)"
    return None
