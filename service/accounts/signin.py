"""Sign in and sign out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.security import check_password_hash

from service.accounts import operations as accounts
from service.accounts import queries as qa
from service.accounts import throttle
from service.accounts.auth import (
    OneTimePasswordSpent,
    check_login,
    current_principal,
    end_session,
    start_session,
)
from service.accounts.schemas import UserPatch
from service.core import db
from service.core.errors import TooManyRequests
from service.core.event_queries import insert_event
from service.web import safe_next

bp = Blueprint("auth_pages", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_principal() is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    settings = current_app.config["SETTINGS"]
    username = request.form.get("username", "")[:64].replace("\x00", "")
    password = request.form.get("password", "")[:200]
    try:
        with db.transaction() as cur:
            user = check_login(cur, username, password, settings)
            if user:
                insert_event(cur, f"user:{user['username']}", "user.login")
    except TooManyRequests as exc:
        flash(exc.message, "error")
        return render_template("login.html", next=request.form.get("next", ""), username=username), 429
    except OneTimePasswordSpent:
        flash("这个一次性密码已经用过或已过期，请联系管理员重新生成", "error")
        return render_template("login.html", next=request.form.get("next", ""), username=username), 401
    if user is None:
        flash("用户名或密码不正确", "error")
        return render_template("login.html", next=request.form.get("next", ""), username=username), 401
    start_session(user)
    resp = redirect(safe_next(request.form.get("next")))
    resp.set_cookie(**throttle.device_cookie(user["username"]))  # this device signed in: see service/accounts/throttle.py
    return resp


@bp.post("/logout")
def logout():
    end_session()
    flash("已退出登录", "info")
    return redirect(url_for("auth_pages.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Any signed-in user chooses a new password; after a one-time password, nothing else opens
    until they have."""
    principal = current_principal()
    if principal is None or principal.kind != "user":
        return redirect(url_for("auth_pages.login", next=url_for("auth_pages.change_password")))
    if request.method == "GET":
        return render_template("account_password.html", forced=principal.must_change_password)
    current, new = request.form.get("current", "")[:200], request.form.get("password", "")[:200]
    error = None
    if new != request.form.get("confirm", ""):
        error = "两次输入的新密码不一致"
    elif new == current:
        error = "新密码不能与当前密码相同"
    else:
        try:
            UserPatch().load({"password": new})
        except ValidationError:
            error = "新密码须为 10 至 200 个字符"
    if error is None:
        with db.transaction() as cur:
            user = qa.get_user(cur, principal.id)
            if not check_password_hash(user["password_hash"], current):
                error = "当前密码不正确"
            else:
                user = accounts.set_password(cur, principal.actor, user["username"], new, one_time=False,
                                             secret_key=current_app.config["SETTINGS"].secret_key)
    if error:
        flash(error, "error")
        return render_template("account_password.html", forced=principal.must_change_password), 422
    start_session(user)  # the change ended every session, this one included: carry on signed in
    flash("密码已修改", "info")
    return redirect(url_for("admin.index"))


change_password.required_permission = "signed-in"  # any signed-in user (the route audit reads this)
