"""Admin pages for ballot issuance: issue and download a batch (its PDF, or its codes' CSV after a
warning and a ticked confirmation), watch its progress, void."""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, request, url_for

from service.accounts.auth import CAMPAIGNS_READ, CAMPAIGNS_WRITE
from service.core import db
from service.issuance import operations as issuance
from service.issuance.printing import batch_response
from service.issuance.schemas import BatchIn
from service.web import form_action, number, page

bp = Blueprint("issuing", __name__, url_prefix="/admin/campaigns/<int:campaign_id>")


def _campaign_page(campaign_id):
    from service.campaigns.pages import campaign
    return campaign(campaign_id)


def _back(campaign_id, **_):
    return url_for("admin.campaign", campaign_id=campaign_id) + "#ballots"


@bp.post("/batches")
@page(CAMPAIGNS_WRITE)
@form_action(_back, render=lambda campaign_id, **_: _campaign_page(campaign_id))
def issue(campaign_id):
    data = BatchIn().load({
        "round_id": number(request.form.get("round_id"), integer=True),
        "group_id": number(request.form.get("group_id"), integer=True),
        "size": number(request.form.get("size"), integer=True),
        "label": request.form.get("label", "").strip(),
        "layout": request.form.get("layout", "slips-2x4"),
        "understood": request.form.get("understood") == "1",
        # The page lists every round; the first one ticked again is not a further round.
        "also_round_ids": [number(v, integer=True) for v in request.form.getlist("also_round_ids")
                           if v != request.form.get("round_id")],
    })
    with db.transaction() as cur:
        batch, minted, head = issuance.issue_batch(cur, g.user, campaign_id, data)
    return batch_response(batch, minted, head, data["layout"], g.user.actor)


@bp.get("/batches/<int:batch_id>/progress")
@page(CAMPAIGNS_READ)
def progress(campaign_id, batch_id):
    with db.transaction() as cur:
        b = issuance.get_batch(cur, campaign_id, batch_id)
    return jsonify({"printed": b["printed"], "size": b["size"]})


@bp.post("/batches/<int:batch_id>/void")
@page(CAMPAIGNS_WRITE)
@form_action(_back, render=lambda campaign_id, **_: _campaign_page(campaign_id))
def void_batch(campaign_id, batch_id):
    with db.transaction() as cur:
        b = issuance.void_batch(cur, g.user, campaign_id, batch_id)
    if b["kind"] == "handout":
        flash(f"第 {batch_id} 批尚未发放的 {b['withdrawn']} 张选票已撤回；已发放的仍然有效", "info")
    else:
        flash(f"第 {batch_id} 批已作废：{b['voided']} 张未使用的选票不再有效", "info")
    return redirect(_back(campaign_id))


@bp.post("/ballots/void")
@page(CAMPAIGNS_WRITE)
@form_action(_back, render=lambda campaign_id, **_: _campaign_page(campaign_id))
def void_code(campaign_id):
    with db.transaction() as cur:
        result = issuance.void_code(cur, g.user, campaign_id, request.form.get("code", "")[:100])
    flash(f"该票码已作废（第 {result['batch_id']} 批）", "info")
    return redirect(_back(campaign_id))
