"""The voter's side: the ballot at /b/<token> (and /B/<token>, as the QR code spells it), the
receipt, typing a code by hand at /vote, and the public bulletin board of receipts.

A forged or mistyped code is refused by its MAC before any database query, and a client
that keeps trying is slowed down (service/core/ratelimit.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ballots import form_fields, forms, lifecycle
from ballots.tokens import grouped
from service.audit import operations as audit
from service.campaigns import operations as camps
from service.core import db, errors, ratelimit
from service.core.errors import APIError
from service.voting import errors as ve
from service.voting import operations as casting
from service.voting import queries as qv
from service.web.i18n import language, problem, t

bp = Blueprint("voting", __name__)
# Voters' forms carry no session CSRF token: the ballot code is the credential (a forged
# request would need it), and a voter with cookies off, or a day-old session, must still vote.
CSRF_EXEMPT = frozenset({"voting.ballot", "voting.ballot_qr", "voting.enter_code", "voting.board"})


@bp.before_request
def _cap_body():
    """Ballot forms are small: cap the body before anything reads it."""
    request.max_content_length = current_app.config["SETTINGS"].json_max_bytes
# What a browser sends for the ballot page's form; the page's hidden field MARKER says it is
# that form. Anything else (JSON, text, an empty body) must not be read as a blank ballot.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MARKER = "ballot"


@bp.context_processor
def _i18n():
    return {"t": t, "lang": language(), "problem": problem}


def _status(error: type[errors.APIError], **extra):
    """The voter's page for a refusal: its heading, text and status are the registry's."""
    return render_template("vote/status.html", code=error.code, error=error, **extra), error.status


def _count_failure() -> bool:
    """Count a code that failed its MAC; False when this client is over the limit."""
    try:
        ratelimit.failed()
    except APIError:
        return False
    return True


@bp.route("/vote", methods=["GET", "POST"])
def enter_code():
    if request.method == "GET":
        return render_template("vote/enter.html")
    try:
        token, _round = casting.verify(request.form.get("code", "")[:100])
    except ve.BallotInvalid:
        if not _count_failure():
            return _status(errors.TooManyRequests)
        return render_template("vote/enter.html", error=True, typed=request.form.get("code", "")[:100]), 400
    # 303: the browser fetches the ballot with GET; the code travelled in the body, not a query string.
    return redirect(url_for("voting.ballot", token=token), code=303)


@bp.route("/b/<token>", methods=["GET", "POST"])
def ballot(token):
    try:
        token, _round = casting.verify(token)
    except ve.BallotInvalid:
        return _status(ve.BallotInvalid if _count_failure() else errors.TooManyRequests)
    try:
        if request.method == "POST":
            return _cast_from_form(token)
        with db.transaction() as cur:
            _t, campaign, rnd, group, sections, left = casting.open_slip(cur, token)
    except ve.BallotInvalid:  # only from a round id that is no round of the code's campaign
        return _status(ve.BallotInvalid)
    except (ve.BallotUsed, ve.BallotVoided, ve.VotingNotOpen, ve.VotingClosed, errors.CommitUnknown) as exc:
        # A used ballot's page (and one whose submission may or may not have gone in) shows the
        # receipt code this tab worked out before sending, if it sent it (sent.js; the key is the
        # ballot page's, from the code it was opened with).
        sent = f"pingyi-sent-{_round}-{grouped(token)[-9:]}" if isinstance(exc, (ve.BallotUsed, errors.CommitUnknown)) \
            else None
        return _status(type(exc), details=exc.details, round_id=_round, sent_key=sent)
    return render_template("vote/ballot.html", campaign=campaign, round=rnd, group=group, sections=sections,
                           answers={}, problems={}, token=token, code=grouped(token), left=left)


def _form_refusal():
    """Why this body is not the ballot page's form (the refusal for _status), or None. A blank ballot
    from the page still carries MARKER, so a body without it is refused, not cast as abstentions."""
    if request.mimetype not in FORM_TYPES:
        return ve.NotAForm
    # werkzeug reads a body it cannot split (a multipart without boundary) as an empty form.
    return None if request.form.get(MARKER) == "1" else ve.NotTheBallotForm


def _form_round() -> int | None:
    """The round the page's form is for (a slip may cover several); None from an older page."""
    raw = request.form.get("round_id", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _cast_from_form(token):
    refusal = _form_refusal()
    if refusal:
        return _status(refusal)
    try:
        with db.transaction() as cur:  # one transaction: the form read and the ballot cast
            round_token, campaign, rnd, group, sections, left = casting.open_slip(cur, token, _form_round())
            answers = form_fields.answers(sections, request.form)
            receipt = casting.cast(cur, round_token, answers, casting.drawn_id(request.form.get("ballot_id", "")))
            # A slip's next round, if it covers one: the receipt offers it (its own page, own cast).
            following = casting.slip_pending(cur, token)[:1]
            next_round = camps.get_part(cur, "rounds", campaign["id"], following[0][1]["round_id"]) if following else None
    except ve.BallotBreaksRules as exc:
        return render_template("vote/ballot.html", campaign=campaign, round=rnd, group=group, sections=sections,
                               answers=answers, problems=exc.details["sections"], token=token,
                               code=grouped(token), left=left), 422
    # The receipt is this response, not a page to redirect to: a receipt code in a URL would
    # reach access logs, in time order, and tie the ballot to the moment it was cast.
    return render_template("vote/receipt.html", tracker=receipt["tracker"], round=rnd, next_round=next_round,
                           code=grouped(token)), 201


# The QR code holds the address in upper case (QR's compact alphanumeric mode).
bp.add_url_rule("/B/<token>", "ballot_qr", ballot, methods=["GET", "POST"])


@bp.route("/board/<int:round_id>", methods=["GET", "POST"])
def board(round_id):
    """The public bulletin board of a round: its count, a receipt check, and — once voting has
    ended — every receipt code, sorted (so the list says nothing of the order of casting).
    A check is a POST, so the receipt code stays out of URLs and access logs."""
    check = request.form.get("tracker", "").strip()[:40] if request.method == "POST" else ""
    with db.transaction() as cur:
        rnd = camps.find_round(cur, round_id)
        if rnd is None:
            abort(404)
        campaign = camps.get_campaign(cur, rnd["campaign_id"])
        if campaign["state"] not in lifecycle.PUBLIC_STATES:
            abort(404)
        mixed, sealed = qv.count_ballots(cur, round_id), sum(casting.sealed_per_group(cur, round_id).values())
        count, result, proof = mixed + sealed, None, None
        ended = not lifecycle.allows("issue", campaign["state"])  # no ballot can be cast any more
        if check:
            short = casting.parse_tracker(check)
            if short is None:
                result = "malformed"
            elif found := qv.find_tracker(cur, round_id, short):
                result = "found"
                proof = audit.inclusion(cur, round_id, bytes(found["tracker"])) if ended else None
            else:  # a receipt is on the board once its ballot is mixed, in a crowd of its group
                result = "waiting" if sealed else "missing"
        checkpoints = audit.round_checkpoints(cur, round_id) if ended else []
        after = casting.parse_tracker(request.args.get("after", "")) or b""
        trackers = [forms.short_tracker(x) for x in qv.list_trackers(cur, round_id, after, 500)] if ended else []
    return render_template("vote/board.html", round=rnd, campaign=campaign, count=count, check=check,
                           result=result, ended=ended, trackers=trackers, sealed=sealed, proof=proof,
                           checkpoints=checkpoints,
                           state_labels=lifecycle.LABELS)
