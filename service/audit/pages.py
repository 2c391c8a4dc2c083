"""The auditor's pages (issue 11.4): the audit log with its filters, each closed round's
checkpoints and its verification run now on the live database, the bundle to download (the API's
route, which takes the session: every download is an event); and the service's public key at a
fixed address."""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from ballots import lifecycle
from service.accounts.auth import AUDIT_READ
from service.audit import operations as ops
from service.audit.errors import NoSuchRound
from service.campaigns import operations as camps
from service.core import db
from service.core.event_queries import insert_event
from service.web import DEFAULT_ZONE, admin, form_action, local_time, page, use_zone
from service.web.messages import EVENTS

bp = Blueprint("audit", __name__)

# The verifier's steps in words (docs/audit.md, 如何核验); a step it adds later keeps its own title.
STEP_TITLES = {1: "文件清单", 2: "活动定义", 3: "审计链", 4: "签名", 5: "回执码树", 6: "回执码", 7: "规则",
               8: "计票", 9: "计票哈希"}
STATUS_WORDS = {"PASS": "通过", "FAIL": "未通过", "SKIPPED": "跳过"}
KIND_WORDS = {"close": "投票结束时", "publish": "发布公示时", "demand": "按需签署"}
# Actors that are no user: typed in words or as their code.
_ACTORS = {"系统": "system", "命令行": "cli", "混合程序": "mixer", "公众": "public", "公众（匿名）": "public"}


def event_label(template: str) -> str:
    """An event's name without its blanks: 生成第 {batch_id} 批选票（{size} 张） → 生成选票."""
    t = re.sub(r"（[^（）]*\{\w+\}[^（）]*）|「\{\w+\}」|：\{\w+\}.*$", "", template)
    t = re.sub(r"第 \{\w+\} 批|\s*\{\w+\} (?:个|张|年的)", "", t)
    return re.sub(r"\s*\{\w+\}\s*", "", t).strip()


EVENT_LABELS = {code: event_label(text) for code, text in EVENTS.items()}


def _actor_code(typed: str) -> str:
    """What the 操作人 box holds, as the log records it: a username, a word, or the code."""
    typed = typed.strip()
    if not typed or ":" in typed or typed in _ACTORS.values():
        return typed
    return _ACTORS.get(typed) or f"user:{typed}"


def _closed_rounds(cur, campaigns) -> list[dict]:
    """Every counted campaign's rounds, newest campaign first."""
    rounds = []
    for c in campaigns:
        if lifecycle.allows("results", c["state"]):
            for r in camps.definition(cur, c["id"])["rounds"]:
                rounds.append({"campaign": c, "round": r})
    return rounds


def _when(entry: dict, zones: dict) -> str:
    """The entry's time in its campaign's zone (China's for the service's chain)."""
    return local_time(dt.datetime.fromisoformat(entry["created_at"]), zones.get(entry["campaign_id"], DEFAULT_ZONE))


@admin.get("/audit")
@page(AUDIT_READ)
def audit_log():
    """The audit log, newest first, filtered by campaign, type, actor and dates."""
    args = request.args.to_dict()
    args["actor"] = _actor_code(args.get("actor", ""))
    filters = ops.log_filters(args)
    error = None
    if filters is None:
        error = "筛选条件无法识别：活动须从列表中选择，日期须为“年-月-日”。"
    elif filters["type"] and filters["type"] not in EVENTS:
        error, filters = "没有这种操作类型，请从列表中选择。", None
    elif filters["since"] and filters["until"] and filters["since"] > filters["until"]:
        error, filters = "起始日期晚于截止日期。", None
    with db.transaction() as cur:
        campaigns = camps.list_campaigns(cur)
        entries = ops.log(cur, filters) if filters else []
        rounds = _closed_rounds(cur, campaigns)
    zones = {c["id"]: (c["rules"] or {}).get("time_zone") or DEFAULT_ZONE for c in campaigns}
    titles = {c["id"]: c["title"] for c in campaigns}
    for e in entries:
        e["when"] = _when(e, zones)
    html = render_template("audit/log.html", entries=entries, campaigns=campaigns, titles=titles, rounds=rounds,
                           labels=EVENT_LABELS, args=request.args, error=error, pages=_pages(filters, len(entries)))
    return (html, 422) if error else html


def _pages(filters: dict | None, shown: int) -> dict | None:
    """Which entries the page shows (first and last, from 1) and the links to the newer and the
    older ones under the same filters."""
    if not filters:
        return None
    limit, offset = filters["limit"], filters["offset"]

    def link(at):
        return url_for("admin.audit_log", **{**request.args.to_dict(), "offset": at})
    return {"first": offset + 1, "last": offset + shown, "limit": limit,
            "newer": link(max(0, offset - limit)) if offset else None,
            "older": link(offset + limit) if shown == limit else None}


def _round_or_404(cur, campaign_id: int, round_id: int):
    definition = camps.definition(cur, campaign_id)
    rnd = next((r for r in definition["rounds"] if r["id"] == round_id), None)
    if rnd is None:
        raise NoSuchRound()
    return definition, rnd


def round_url(campaign_id, round_id) -> str:
    return url_for("admin.audit_round", campaign_id=campaign_id, round_id=round_id)


def _round_page(campaign_id: int, round_id: int, report: dict | None = None) -> str:
    with db.transaction() as cur:
        c, rnd = _round_or_404(cur, campaign_id, round_id)
        checkpoints = ops.round_checkpoints(cur, round_id)
    use_zone(c["rules"])
    if report:
        for step in report["steps"]:
            step["name"] = STEP_TITLES.get(step["number"], step["title"])
            step["words"] = STATUS_WORDS.get(step["status"], step["status"])
    return render_template("audit/round.html", c=c, rnd=rnd, checkpoints=checkpoints, report=report,
                           closed=lifecycle.allows("results", c["state"]), kinds=KIND_WORDS,
                           ran_at=local_time(dt.datetime.now(dt.timezone.utc)) if report else None)


@admin.get("/audit/campaigns/<int:campaign_id>/rounds/<int:round_id>")
@page(AUDIT_READ)
def audit_round(campaign_id, round_id):
    """A round's signed checkpoints, the button that verifies it now, and its bundle."""
    return _round_page(campaign_id, round_id)


@admin.post("/audit/campaigns/<int:campaign_id>/rounds/<int:round_id>/verification")
@page(AUDIT_READ)
@form_action(round_url)
def audit_verify(campaign_id, round_id):
    """在线核验: the offline verifier run on a bundle made now from the database; itself an event."""
    with db.transaction() as cur:
        ops.closed_round(cur, campaign_id, round_id)
        insert_event(cur, g.user.actor, "verification.run", campaign_id, {"round_id": round_id})
    report = ops.verify_online(campaign_id, round_id)
    return _round_page(campaign_id, round_id, report)


@admin.get("/audit/campaigns/<int:campaign_id>/rounds/<int:round_id>/verification")
@page(AUDIT_READ)
def audit_verify_again(campaign_id, round_id):
    """A reload of the verification's address: back to the round's page, nothing run."""
    return redirect(round_url(campaign_id, round_id))


@bp.get("/audit/key")
def public_key():
    """The service's verifier keys (C2SP form), oldest first: the last signs today; each later
    one was announced by the one before it (its announcement is in every bundle)."""
    _name, _key, current = ops.signer()
    with db.transaction() as cur:
        listed = [k["verifier_key"] for k in ops.signing_keys(cur)]
    if current not in listed:
        listed.append(current)
    return Response("".join(k + "\n" for k in listed), mimetype="text/plain",
                    headers={"Cache-Control": "public, max-age=300"})
