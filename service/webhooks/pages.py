"""The webhooks' admin pages (docs/webhooks.md): the endpoints, one endpoint's secret and delivery
log with 重新投递 and 发送测试事件, and the form that registers one. Managed by whoever manages API
keys (the administrator): both are how other systems reach this one."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from service.accounts.auth import APIKEYS_MANAGE
from service.campaigns import operations as camps
from service.core import db
from service.web import form_action, page
from service.webhooks import operations as ops
from service.webhooks.schemas import EVENT_TYPES, EndpointIn

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
STATE_WORDS = {"pending": "待投递", "delivered": "已送达", "failed": "投递失败"}


def _list_url(**_):
    return url_for("webhooks.index")


def _endpoint_url(endpoint_id, **_):
    return url_for("webhooks.endpoint", endpoint_id=endpoint_id)


@bp.get("")
@page(APIKEYS_MANAGE)
def index():
    with db.transaction() as cur:
        rows = ops.endpoints(cur)
        campaigns = camps.list_campaigns(cur)
    titles = {c["id"]: c["title"] for c in campaigns}
    for r in rows:
        r["types"] = ops.type_words(r["event_types"])
    return render_template("webhooks/list.html", endpoints=rows, campaigns=campaigns, titles=titles,
                           event_types=EVENT_TYPES)


@bp.post("")
@page(APIKEYS_MANAGE)
@form_action(_list_url, render=lambda **_: index())
def create():
    f = request.form
    data = EndpointIn().load({"url": f.get("url", "").strip(), "description": f.get("description", "").strip(),
                              "campaign_id": int(f["campaign_id"]) if f.get("campaign_id", "").isdigit() else None,
                              "event_types": f.getlist("event_types"), "allow_private": f.get("allow_private") == "1"})
    with db.transaction() as cur:
        if data["campaign_id"] is not None:
            camps.definition(cur, data["campaign_id"])  # 404 for a campaign that does not exist
        row = ops.create(cur, g.user.actor, data)
    flash("已添加订阅；签名密钥见下方，请配置到接收方系统", "info")
    return redirect(url_for("webhooks.endpoint", endpoint_id=row["id"]))


@bp.get("/<int:endpoint_id>")
@page(APIKEYS_MANAGE)
def endpoint(endpoint_id):
    with db.transaction() as cur:
        row = ops.endpoint(cur, endpoint_id)
        messages = ops.log(cur, endpoint_id)
        title = camps.definition(cur, row["campaign_id"])["title"] if row["campaign_id"] else None
    row["types"] = ops.type_words(row["event_types"])
    return render_template("webhooks/endpoint.html", e=row, messages=messages, campaign_title=title,
                           states=STATE_WORDS, event_types=EVENT_TYPES)


@bp.post("/<int:endpoint_id>/test")
@page(APIKEYS_MANAGE)
@form_action(_endpoint_url)
def send_test(endpoint_id):
    with db.transaction() as cur:
        ops.send_test(cur, g.user.actor, endpoint_id)
    flash("测试事件已加入投递队列", "info")
    return redirect(_endpoint_url(endpoint_id))


@bp.post("/<int:endpoint_id>/enabled")
@page(APIKEYS_MANAGE)
@form_action(_endpoint_url)
def set_enabled(endpoint_id):
    enabled = request.form.get("enabled") == "1"
    with db.transaction() as cur:
        ops.set_enabled(cur, g.user.actor, endpoint_id, enabled)
    flash("订阅已启用" if enabled else "订阅已停用", "info")
    return redirect(_endpoint_url(endpoint_id))


@bp.post("/<int:endpoint_id>/delete")
@page(APIKEYS_MANAGE)
@form_action(_endpoint_url)
def delete(endpoint_id):
    with db.transaction() as cur:
        ops.delete(cur, g.user.actor, endpoint_id)
    flash("订阅已删除", "info")
    return redirect(url_for("webhooks.index"))


@bp.post("/<int:endpoint_id>/messages/<message_id>/redeliver")
@page(APIKEYS_MANAGE)
@form_action(_endpoint_url)
def redeliver(endpoint_id, message_id):
    with db.transaction() as cur:
        ops.redeliver(cur, g.user.actor, endpoint_id, message_id)
    flash("已重新加入投递队列（消息编号不变）", "info")
    return redirect(_endpoint_url(endpoint_id))
