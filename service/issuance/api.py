"""Ballot issuance over the API: batches (printed), voiding, and portal hand-out."""
from __future__ import annotations

from flask import current_app

from service.accounts.auth import (
    BALLOTS_HANDOUT,
    CAMPAIGNS_READ,
    CAMPAIGNS_WRITE,
    current_principal,
)
from service.core import db
from service.core.api import endpoint
from service.issuance import operations as issuance
from service.issuance.errors import PoolExhausted
from service.issuance.printing import batch_response
from service.issuance.schemas import BatchIn, BatchOut, HandoutIn, HandoutOut, VoidCodeIn, VoidCodeOut

C = "/campaigns/<int:campaign_id>"


@endpoint(C + "/batches", "GET", summary="List the campaign's batches with issued / unused / voided / cast counts",
          permission=CAMPAIGNS_READ, response=BatchOut, many=True, tag="ballots")
def list_batches(campaign_id):
    with db.transaction() as cur:
        return issuance.batches(cur, campaign_id)


@endpoint(C + "/batches/<int:batch_id>", "GET", summary="One batch with its counts and printing progress",
          permission=CAMPAIGNS_READ, response=BatchOut, tag="ballots")
def get_batch(campaign_id, batch_id):
    with db.transaction() as cur:
        return issuance.get_batch(cur, campaign_id, batch_id)


@endpoint(C + "/batches", "POST", summary="Issue a batch of ballots for a voter group and round; the response "
          "is the printable PDF (or one PNG / SVG, or with layout csv the codes for a print shop's mail merge) — "
          "the only time the codes exist outside the voters' hands",
          permission=CAMPAIGNS_WRITE, body=BatchIn, status=201, tag="ballots",
          produces=("application/pdf", "image/png", "image/svg+xml", "text/csv"))
def issue_batch(campaign_id, data):
    principal = current_principal()
    with db.transaction() as cur:
        batch, minted, head = issuance.issue_batch(cur, principal, campaign_id, data)
    return batch_response(batch, minted, head, data["layout"], principal.actor)


@endpoint(C + "/batches/<int:batch_id>:void", "POST", summary="Void every unused ballot of a batch",
          permission=CAMPAIGNS_WRITE, response=BatchOut, tag="ballots")
def void_batch(campaign_id, batch_id):
    with db.transaction() as cur:
        return issuance.void_batch(cur, current_principal(), campaign_id, batch_id)


@endpoint(C + "/ballots:void", "POST", summary="Void one unused ballot by its printed code (a lost slip)",
          permission=CAMPAIGNS_WRITE, body=VoidCodeIn, response=VoidCodeOut, tag="ballots")
def void_ballot(campaign_id, data):
    with db.transaction() as cur:
        return issuance.void_code(cur, current_principal(), campaign_id, data["code"])


@endpoint(C + "/rounds/<int:round_id>/ballots:handout", "POST",
          summary="Hand a ballot to a portal's signed-in user: one per voter reference and round",
          permission=BALLOTS_HANDOUT, body=HandoutIn, response=HandoutOut, status=201, tag="ballots")
def handout(campaign_id, round_id, data):
    from ballots.tokens import grouped
    principal = current_principal()
    for _attempt in range(3):
        try:
            with db.transaction() as cur:
                token = issuance.hand_out(cur, principal, campaign_id, round_id, data)
            break
        except issuance.PoolEmpty as empty:
            with db.transaction() as cur:
                issuance.refill_pool(cur, principal, campaign_id, empty.round_id, empty.group_id)
    else:
        raise PoolExhausted()
    base = current_app.config["SETTINGS"].base_url
    return {"url": f"{base}/b/{token}", "code": grouped(token)}
