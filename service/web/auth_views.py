"""Sign in and sign out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from .. import db
from ..auth import check_login, current_principal, end_session, start_session
from ..errors import TooManyRequests
from ..queries.events import insert_event
from . import safe_next

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
    if user is None:
        flash("用户名或密码不正确", "error")
        return render_template("login.html", next=request.form.get("next", ""), username=username), 401
    start_session(user)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    end_session()
    flash("已退出登录", "info")
    return redirect(url_for("auth_pages.login"))
