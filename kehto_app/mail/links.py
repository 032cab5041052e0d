"""Review links and the site's public addresses in mails.

A review link carries a token signed with the secret key: the proposal's id, the action
(approve or reject), the state the proposal was in when the link was made, and when.
Deciding changes the state, so a link works once; after `VALID` it has expired. Every
address in a mail is built from `KEHTO_SITE_URL`, never from a request's Host header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer

from ..content import base

SALT = "kehto-review-link"
VALID = timedelta(days=30)
ACTIONS = {"approve": "approved", "reject": "rejected"}
"""Each review action and the state it leads to."""


class BadLink(Exception):
    """The link was not made by this site, or not for this proposal."""


class Expired(Exception):
    """The link was made more than `VALID` ago."""


@dataclass(frozen=True)
class Review:
    proposal_id: int
    action: str
    state: str
    made: datetime

    @property
    def expires(self) -> datetime:
        return self.made + VALID


def _serializer(secret: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make_token(secret: str | bytes, proposal_id: int, action: str, state: str) -> str:
    made = int(base.now().timestamp())
    return _serializer(secret).dumps([proposal_id, action, state, made])


def read_token(secret: str | bytes, token: str, proposal_id: int) -> Review:
    """What a link says, if this site made it for `proposal_id` within the last 30 days."""
    try:
        found = _serializer(secret).loads(token)
    except BadSignature as exc:
        raise BadLink() from exc
    if not (isinstance(found, list) and len(found) == 4):
        raise BadLink()
    linked, action, state, made = found
    if linked != proposal_id or action not in ACTIONS or not isinstance(made, int):
        raise BadLink()
    review = Review(linked, action, str(state), datetime.fromtimestamp(made, UTC))
    if base.now() >= review.expires:
        raise Expired()
    return review


def site_url(endpoint: str, **values: Any) -> str | None:
    """The public address of a page, from KEHTO_SITE_URL (None when it is not set)."""
    site = current_app.config.get("SITE_URL")
    if not site:
        return None
    parts = urlsplit(str(site).rstrip("/"))
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)  # fmt: skip
    return adapter.build(endpoint, values, force_external=True)


def review_url(proposal_id: int, action: str, state: str, lang: str) -> str | None:
    token = make_token(current_app.config["SECRET_KEY"], proposal_id, action, state)
    return site_url("review.confirm", lang=lang, proposal_id=proposal_id, token=token)
