"""The review links in the moderators' mail: a page that shows the proposal and asks; only
its POST decides (mail scanners open links, so a GET never changes anything)."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import TextAreaField
from wtforms.validators import Optional

from .. import mail
from ..content import writers
from ..i18n import localized_blueprint
from ..mail import links
from ..serving.pagecache import private
from .forms import most
from .forms import plain_text
from .listing import unlisted

bp = localized_blueprint("review", __name__)

PROBLEMS = {"bad": 400, "unknown": 404, "used": 409, "expired": 410}
"""What can be wrong with a link, and the status its page answers with."""


class ReviewForm(FlaskForm):
    reason = TextAreaField(
        _l("Perustelu (valinnainen)"), [Optional(), most(1000), plain_text(True)]
    )


@bp.route("/events/review/<int:proposal_id>/<token>/", methods=["GET", "POST"])
@private
@unlisted
def confirm(proposal_id: int, token: str) -> BaseResponse:
    try:
        review = links.read_token(current_app.config["SECRET_KEY"], token, proposal_id)
    except links.BadLink:
        return _problem("bad", proposal_id)
    except links.Expired:
        return _problem("expired", proposal_id)
    proposal = writers.proposal(proposal_id)
    if proposal is None:
        return _problem("unknown", proposal_id)
    if proposal.state != review.state:
        return _problem("used", proposal_id, proposal)
    form = ReviewForm()
    if request.method != "POST":
        return _page("confirm", 200, form=form, review=review, proposal=proposal)
    if not form.validate():
        return _page("confirm", 422, form=form, review=review, proposal=proposal)
    reason = (form.reason.data or "").strip() if review.action == "reject" else ""
    try:
        writers.decide(proposal_id, links.ACTIONS[review.action], reason or None,
                       only_from=review.state)  # fmt: skip
    except writers.NotPending:
        return _problem("used", proposal_id, writers.proposal(proposal_id))
    decided = writers.proposal(proposal_id)
    told = mail.mailer().settings.enabled and bool(decided and decided.submitter_email)
    return _page("done", 200, review=review, proposal=decided, told=told)


def _problem(kind: str, proposal_id: int, proposal: object = None) -> BaseResponse:
    return _page("problem", PROBLEMS[kind], problem=kind, proposal_id=proposal_id,
                 proposal=proposal)  # fmt: skip


def _page(step: str, status: int, **values: object) -> BaseResponse:
    page = render_template("events/review.html", step=step, status=status,
                           valid_days=links.VALID.days, **values)  # fmt: skip
    response = current_app.make_response((page, status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    # The link holds a token: it never leaves the site in a Referer (the POST's own
    # same-origin Referer is what the CSRF check over HTTPS wants).
    response.headers["Referrer-Policy"] = "same-origin"
    return response
