"""Public pages: the list of announced campaigns and the announcement (公开 #1)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from ballots import lifecycle
from ballots.sections import MAJORITY_BASES, MAJORITY_LABELS, QUORUM_BASES, SCALE_LABELS, SECTION_LABELS
from .. import campaigns as ops
from .. import db, results
from ..errors import NotFound
from ..queries import campaigns as q

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    with db.transaction() as cur:
        rows = q.list_campaigns(cur, states=lifecycle.PUBLIC_STATES - {"archived"})
    return render_template("public/home.html", campaigns=rows)


@bp.get("/c/<int:campaign_id>")
def announcement(campaign_id):
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
    if c["state"] not in lifecycle.PUBLIC_STATES:
        raise NotFound("no such campaign")  # a draft is not public, nor is its existence
    ops.annotate_sections(c)
    total = sum(float(gr["weight"]) for gr in c["groups"]) or 1.0
    return render_template("public/announcement.html", c=c, total_weight=total,
                           section_labels=SECTION_LABELS, scale_labels=SCALE_LABELS,
                           majority_labels=MAJORITY_LABELS, majority_bases=MAJORITY_BASES,
                           quorum_bases=QUORUM_BASES)


@bp.get("/c/<int:campaign_id>/turnout")
def projector(campaign_id):
    """The hall's projector: issued / cast / remaining per group, refreshed every 2 s by polling
    turnout.json (works behind any proxy, in any browser). Counts only: nothing about a ballot."""
    with db.transaction() as cur:
        c = q.get_campaign(cur, campaign_id)
        if c is None or c["state"] not in lifecycle.PUBLIC_STATES:
            raise NotFound("no such campaign")
        data = results.turnout(cur, campaign_id)
    return render_template("public/projector.html", t=data, state_labels=lifecycle.LABELS)


@bp.get("/c/<int:campaign_id>/turnout.json")
def turnout_json(campaign_id):
    with db.transaction() as cur:
        c = q.get_campaign(cur, campaign_id)
        if c is None or c["state"] not in lifecycle.PUBLIC_STATES:
            raise NotFound("no such campaign")
        data = results.turnout(cur, campaign_id)
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "no-store"
    return resp
