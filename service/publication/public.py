"""Public pages: the list of announced campaigns and the announcement (公开 #1)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from marshmallow import ValidationError

from ballots import lifecycle
from ballots.sections import MAJORITY_BASES, MAJORITY_LABELS, QUORUM_BASES, SCALE_LABELS, SECTION_LABELS
from service.campaigns import operations as ops
from service.core import db, ratelimit
from service.core.errors import APIError, NotFound, TooManyRequests
from service.publication import operations as publication
from service.publication.schemas import ObjectionIn
from service.web import use_zone

bp = Blueprint("public", __name__)


def _campaign(cur, campaign_id):
    try:
        return ops.get_campaign(cur, campaign_id)
    except NotFound:
        return None


@bp.get("/")
def home():
    with db.transaction() as cur:
        rows = ops.list_campaigns(cur, states=lifecycle.ACTIONS["listed"])
        archived = ops.list_campaigns(cur, states={"archived"})[:20]
    return render_template("public/home.html", campaigns=rows, archived=archived)


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


def _shown(cur, campaign_id) -> dict:
    from service.publication import projector
    c = _campaign(cur, campaign_id)
    if c is None or c["state"] not in lifecycle.PUBLIC_STATES:
        raise NotFound("no such campaign")
    return projector.view(cur, campaign_id)


def _signature(view: dict) -> str:
    """What the page's layout was drawn for: its mode and the rounds and groups on it. The page
    reloads itself when this changes (a group's first batch, 当场公布)."""
    return view["mode"] + ":" + ",".join(f"{r['id']}/" + ".".join(str(g["id"]) for g in r["groups"])
                                         for r in view["rounds"])


@bp.get("/c/<int:campaign_id>/turnout")
def projector(campaign_id):
    """The hall's projector: 应到 / 发出 / 收回 / 收回率 per round and group (groups issued nothing
    left out), refreshed every 2 s by polling turnout.json (works behind any proxy, in any
    browser); after the close, on the organiser's command, the results (当场公布)."""
    from service.publication.projector import MAX_GROUPS, MAX_ROUNDS
    with db.transaction() as cur:
        view = _shown(cur, campaign_id)
    return render_template("public/projector.html", t=view, state_labels=lifecycle.LABELS,
                           signature=_signature(view), dense=len(view["rounds"]) > 2 or any(
                               len(r["groups"]) > MAX_GROUPS // 2 for r in view["rounds"]),
                           too_many=len(view["rounds"]) > MAX_ROUNDS or any(
                               len(r["groups"]) > MAX_GROUPS for r in view["rounds"]))


@bp.get("/c/<int:campaign_id>/turnout.json")
def turnout_json(campaign_id):
    with db.transaction() as cur:
        view = _shown(cur, campaign_id)
    from ballots.display import pct
    data = {k: v for k, v in view.items() if k != "results"}
    data["signature"] = _signature(view)
    for rnd in data["rounds"]:  # the page's own percentage form, so the numbers read as printed
        for item in (rnd, *rnd["groups"]):
            item["rate_text"] = pct(item["rate"])
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "no-store"
    return resp


_REFUSED = {"not_started": "公示尚未开始，请在公示期内反映意见。", "ended": "公示期已结束，不再受理意见。",
            "confirmed": "公示期已结束，不再受理意见。", "archived": "本次评选已归档，不再受理意见。"}


@bp.route("/c/<int:campaign_id>/publicity", methods=["GET", "POST"])
def publicity(campaign_id):
    """公开 #2: the proposed honourees, the 公示 window, and the objection form."""
    message, typed = None, {}
    with db.transaction() as cur:
        c = _campaign(cur, campaign_id)
        if c is None or not lifecycle.allows("show_list", c["state"]):
            raise NotFound("no such publication")
        if request.method == "POST":
            message, typed = _lodge(cur, campaign_id)
        pub = publication.get(cur, campaign_id)
    use_zone(c["rules"])
    status = {None: 200, "info": 200, "busy": 429}.get(message and message[0], 422)
    return render_template("public/publicity.html", c=c, pub=pub, message=message, typed=typed,
                           state_labels=lifecycle.LABELS), status


def _lodge(cur, campaign_id):
    """An objection from the public form: (message, what was typed — kept when it is refused)."""
    typed = {k: request.form.get(k, "").strip() for k in ("body", "contact", "honouree_id")}
    try:
        data = ObjectionIn().load({
            "body": typed["body"], "contact": typed["contact"],
            "honouree_id": int(typed["honouree_id"]) if typed["honouree_id"].isdigit() else None})
        ratelimit.objection()
        row = publication.object_to(cur, campaign_id, data)
    except ValidationError as exc:
        return ("error", "请填写意见内容（不超过 2000 字）。" if "body" in exc.messages else "提交的内容有误。"), typed
    except TooManyRequests:
        return ("busy", "提交过于频繁，请稍后再试。"), typed
    except APIError as exc:
        return ("error", _REFUSED.get(exc.details.get("status"), exc.message)), typed
    if row.get("duplicate"):
        return ("info", "相同的意见已经收到，无需重复提交。"), {}
    return ("info", "您的意见已提交，组织部门将予以核实处理。"), {}
