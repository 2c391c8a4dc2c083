"""Admin pages for users and API keys."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from service.accounts import operations as ops
from service.accounts.auth import APIKEYS_MANAGE, SCOPES, USERS_MANAGE
from service.accounts.schemas import KEY_DAYS_DEFAULT, KEY_DAYS_MAX, KEY_RATE_DEFAULT, KEY_RATE_MAX, ApiKeyIn, UserIn, UserPatch
from service.core import db
from service.web import form_action, number, page

bp = Blueprint("accounts", __name__, url_prefix="/admin")
SCOPE_LABELS = {"results": "读取结果", "turnout": "读取参评率", "handout": "发放选票", "audit": "审计",
                "organise": "组织测评", "admin": "全部管理权限"}
KEY_STATE_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}
KEY_LIMITS = {"days": (KEY_DAYS_DEFAULT, 1, KEY_DAYS_MAX), "rate": (KEY_RATE_DEFAULT, 1, KEY_RATE_MAX)}


@bp.get("/users")
@page(USERS_MANAGE)
def users():
    with db.transaction() as cur:
        rows = ops.list_users(cur)
    return render_template("admin/users.html", users=rows)


@bp.post("/users")
@page(USERS_MANAGE)
@form_action(lambda **_: url_for("accounts.users"), render=lambda **_: users())
def create_user():
    data = UserIn().load({k: request.form.get(k, "").strip() for k in ("username", "password", "role",
                                                                         "display_name")})
    with db.transaction() as cur:
        row = ops.create_user(cur, g.user, data)
    flash(f"已创建用户 {row['username']}", "info")
    return redirect(url_for("accounts.users"))


@bp.post("/users/<int:user_id>")
@page(USERS_MANAGE)
@form_action(lambda **_: url_for("accounts.users"), render=lambda **_: users())
def update_user(user_id):
    raw = {}
    if request.form.get("role"):
        raw["role"] = request.form["role"]
    if request.form.get("disabled") in ("0", "1"):
        raw["disabled"] = request.form["disabled"] == "1"
    if request.form.get("password"):
        raw["password"] = request.form["password"]
    data = UserPatch().load(raw)
    with db.transaction() as cur:
        ops.update_user(cur, g.user, user_id, data)
    flash("已保存", "info")
    return redirect(url_for("accounts.users"))


def _keys_page(**extra):
    with db.transaction() as cur:
        rows = ops.list_api_keys(cur)
    return render_template("admin/api_keys.html", keys=rows, scopes=SCOPES, scope_labels=SCOPE_LABELS,
                           state_labels=KEY_STATE_LABELS, limits=KEY_LIMITS, **extra)


@bp.get("/api-keys")
@page(APIKEYS_MANAGE)
def api_keys():
    return _keys_page()


@bp.post("/api-keys")
@page(APIKEYS_MANAGE)
@form_action(lambda **_: url_for("accounts.api_keys"), render=lambda **_: api_keys())
def create_api_key():
    raw = {"name": request.form.get("name", "").strip(), "scopes": request.form.getlist("scopes")}
    for field in ("days", "rate_per_minute"):
        value = number(request.form.get(field), integer=True)
        if value is not None:  # left blank: the default
            raw[field] = value
    data = ApiKeyIn().load(raw)
    with db.transaction() as cur:
        row = ops.create_api_key(cur, g.user, data)
    # The key is shown in this response only; it is never stored or shown again.
    return _keys_page(new_key=row)


@bp.get("/api-keys/<int:key_id>/revoke")
@page(APIKEYS_MANAGE)
def confirm_revoke(key_id):
    with db.transaction() as cur:
        row = ops.get_api_key(cur, key_id)
    if row["state"] == "revoked":
        flash(f"密钥「{row['name']}」已经撤销", "info")
        return redirect(url_for("accounts.api_keys"))
    return render_template("admin/api_key_revoke.html", k=row, scope_labels=SCOPE_LABELS, state_labels=KEY_STATE_LABELS)


@bp.post("/api-keys/<int:key_id>/revoke")
@page(APIKEYS_MANAGE)
@form_action(lambda **_: url_for("accounts.api_keys"))
def revoke_api_key(key_id):
    with db.transaction() as cur:
        row = ops.revoke_api_key(cur, g.user, key_id)
    flash(f"已撤销密钥「{row['name']}」：使用它的系统从下一次请求起会被拒绝", "info")
    return redirect(url_for("accounts.api_keys"))
