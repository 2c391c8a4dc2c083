"""Public pages: the list of announced campaigns and the announcement (公开 #1)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from marshmallow import ValidationError

from ballots import lifecycle
from ballots.sections import MAJORITY_BASES, MAJORITY_LABELS, QUORUM_BASES, SCALE_LABELS, SECTION_LABELS
from .. import campaigns as ops
from .. import db, publication, results
from ..errors import APIError, NotFound
from . import use_zone
from ..schemas import ObjectionIn
from ..queries import campaigns as q

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    with db.transaction() as cur:
        rows = q.list_campaigns(cur, states=lifecycle.ACTIONS["listed"])
    return render_template("public/home.html", campaigns=rows)


@bp.get("/c/<int:campaign_id>")
def announcement(campaign_id):
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
    if c["state"] not in lifecycle.PUBLIC_STATES:
        raise NotFound("no such campaign")  # a draft is not public, nor is its existence
    ops.annotate_sections(c)
    use_zone(c["rules"])
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


_REFUSED = {"not_started": "公示尚未开始，请在公示期内反映意见。", "ended": "公示期已结束，不再受理意见。",
            "confirmed": "公示期已结束，不再受理意见。", "archived": "本次评选已归档，不再受理意见。"}


@bp.route("/c/<int:campaign_id>/publicity", methods=["GET", "POST"])
def publicity(campaign_id):
    """公开 #2: the proposed honourees, the 公示 window, and the objection form."""
    message = None
    with db.transaction() as cur:
        c = q.get_campaign(cur, campaign_id)
        if c is None or c["state"] not in ("published", "archived"):
            raise NotFound("no such publication")
        if request.method == "POST":
            try:
                data = ObjectionIn().load({
                    "body": request.form.get("body", "").strip(),
                    "contact": request.form.get("contact", "").strip(),
                    "honouree_id": int(request.form["honouree_id"]) if request.form.get("honouree_id", "").isdigit()
                    else None})
                publication.object_to(cur, campaign_id, data)
                message = ("info", "您的意见已提交，组织部门将予以核实处理。")
            except ValidationError as exc:
                message = ("error", "请填写意见内容（不超过 2000 字）。" if "body" in exc.messages else "提交的内容有误。")
            except APIError as exc:
                message = ("error", _REFUSED.get(exc.details.get("status"), exc.message))
        pub = publication.get(cur, campaign_id)
    use_zone(c["rules"])
    status = 200 if message is None or message[0] == "info" else 422
    return render_template("public/publicity.html", c=c, pub=pub, message=message,
                           state_labels=lifecycle.LABELS), status
