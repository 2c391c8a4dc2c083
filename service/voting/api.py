"""Voting over the API, for portals and apps: read a ballot's form, cast it. The ballot code
travels in the body (never in a URL); it is the only credential."""
from __future__ import annotations

from flask import current_app

from service.accounts.auth import BALLOT_TOKEN
from service.core import db, ratelimit
from service.core.api import endpoint
from service.voting import errors as ve
from service.voting import operations as casting
from service.voting.schemas import BallotFormOut, CastIn, ReceiptOut, TokenIn, fast_cast_in


def _verify(text):
    try:
        return casting.verify(text)[0]
    except ve.BallotInvalid:
        ratelimit.failed()  # 429 instead, for a client that keeps guessing
        raise


@endpoint("/ballots:open", "POST", summary="The form of a ballot: its sections, rows and options",
          permission=BALLOT_TOKEN, body=TokenIn, response=BallotFormOut, tag="voting")
def open_ballot(data):
    token = _verify(data["token"])
    with db.transaction() as cur:
        campaign, rnd, group, sections = casting.open_ballot(cur, token)
    return {"campaign": campaign, "round": rnd, "group": group, "sections": sections}


@endpoint("/ballots:cast", "POST", summary="Cast a ballot: consumes the code; 409 if it was already used",
          permission=BALLOT_TOKEN, body=CastIn, response=ReceiptOut, status=201, tag="voting",
          fast_body=fast_cast_in)
def cast_ballot(data):
    return cast_receipt(_verify(data["token"]), data)


def cast_receipt(token: str, data: dict) -> dict:
    """Cast a loaded body whose code passed its MAC; the receipt as ReceiptOut gives it (the route
    and service/voting/fastpath.py both answer with this)."""
    with db.fused_transaction() as cur:  # the cast's statements are prepared: two round trips, not four
        receipt = casting.cast(cur, token, data["answers"], data.get("ballot_id"))
    base = current_app.config["SETTINGS"].base_url
    return {"tracker": receipt["tracker"],
            "board_url": f"{base}/board/{receipt['round_id']}"}
