"""The embedding allowlist's admin page (/admin/embeds): the origins that may frame the /embed/
widgets and call the read-only API from a browser. Managed by whoever manages API keys and
webhooks (the administrator): all three are how other systems reach this one."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from service.accounts.auth import APIKEYS_MANAGE
from service.core import db
from service.embeds import operations as ops
from service.embeds.schemas import OriginIn
from service.web import form_action, page

bp = Blueprint("embeds", __name__, url_prefix="/admin/embeds")


def _list_url(**_):
    return url_for("embeds.index")


@bp.get("")
@page(APIKEYS_MANAGE)
def index():
    with db.transaction() as cur:
        rows = ops.origins(cur)
    return render_template("embeds/admin.html", origins=rows)


@bp.post("")
@page(APIKEYS_MANAGE)
@form_action(_list_url, render=lambda **_: index())
def add():
    data = OriginIn().load({"origin": request.form.get("origin", ""), "note": request.form.get("note", "").strip()})
    with db.transaction() as cur:
        origin = ops.add(cur, g.user.actor, data["origin"], data["note"])
    flash(f"已允许 {origin} 嵌入本系统的页面", "info")
    return redirect(_list_url())


@bp.post("/remove")
@page(APIKEYS_MANAGE)
@form_action(_list_url)
def remove():
    origin = request.form.get("origin", "")
    with db.transaction() as cur:
        ops.remove(cur, g.user.actor, origin)
    flash(f"已移除 {origin}：它不能再嵌入本系统的页面", "info")
    return redirect(_list_url())
