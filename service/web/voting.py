"""The voter's side: type a code by hand (/vote), and the ballot address in the QR code (/b/<token>).

A forged or mistyped code is refused by its MAC before any database query.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ballots import lifecycle
from ballots.tokens import TokenInvalid, grouped
from .. import db, issuance
from ..keys import keys
from ..queries import campaigns as qc

bp = Blueprint("voting", __name__)


@bp.route("/vote", methods=["GET", "POST"])
def enter_code():
    if request.method == "GET":
        return render_template("vote/enter.html")
    code = request.form.get("code", "")[:100]
    try:
        token, _round = keys().minter.verify(code)
    except TokenInvalid:
        return render_template("vote/enter.html", error=True), 400
    # 303: the browser fetches the ballot with GET; the code travelled in the body, not a query string.
    return redirect(url_for("voting.ballot", token=token), code=303)


@bp.get("/b/<token>")
def ballot(token):
    try:
        token, _round = keys().minter.verify(token)
    except TokenInvalid:
        return render_template("vote/status.html", state="invalid"), 404
    with db.transaction() as cur:
        state, token, row = issuance.lookup(cur, token)
        campaign = qc.get_campaign(cur, row["campaign_id"]) if "campaign_id" in row else None
        rnd = qc.get_part(cur, "rounds", campaign["id"], row["round_id"]) if campaign and "round_id" in row else None
        group = qc.get_part(cur, "voter_groups", campaign["id"], row["group_id"]) if state == "unused" else None
    return render_template("vote/status.html", state=state, campaign=campaign, round=rnd, group=group,
                           code=grouped(token), state_labels=lifecycle.LABELS), 200 if state == "unused" else 409



# The QR code holds the address in upper case (QR's compact alphanumeric mode).
bp.add_url_rule("/B/<token>", "ballot_qr", ballot)
