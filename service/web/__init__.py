"""Server-rendered pages (Chinese first): sign-in, admin, public announcement."""
from __future__ import annotations

import functools
from urllib.parse import urlparse

from flask import Flask, flash, g, redirect, request, url_for
from marshmallow import ValidationError

from .. import csrf
from ..auth import current_principal
from ..errors import APIError, Forbidden

FIELD_LABELS = {
    "title": "标题", "description": "说明", "name": "名称", "weight": "权重", "criteria": "评价标准",
    "eligible": "应参评人数", "kind": "类型", "category": "类别", "unit": "单位", "commitment": "公开承诺",
    "type": "题型", "config": "设置", "max_choices": "限选人数", "quota": "名额", "max_length": "字数上限",
    "username": "用户名", "password": "密码", "role": "角色", "scopes": "权限范围", "round_id": "轮次",
    "rules": "规则", "pass_line": "达标线", "laggard_share": "后进比例", "small_group_k": "最少公布人数",
    "min": "最低分", "max": "最高分", "trim_above": "去掉最高最低分的人数门槛", "file": "文件",
    "caps": "比例上限", "options": "选项", "scale": "量表", "position": "顺序", "publicity_days": "公示天数",
    "group_id": "参评群体", "size": "张数", "label": "批次说明", "layout": "版式", "code": "票码",
}
MESSAGES = {
    "Missing data for required field.": "必填",
    "Not a valid number.": "不是有效的数字",
    "Not a valid integer.": "不是有效的整数",
    "Not a valid boolean.": "取值无效",
    "Field may not be null.": "不能为空",
    "Unknown field.": "未知字段",
}


def _zh(message: str) -> str:
    if message in MESSAGES:
        return MESSAGES[message]
    if message.startswith("Length must be") or message.startswith("Shorter than") or message.startswith("Longer than"):
        return "长度不符合要求"
    if message.startswith("Must be one of"):
        return "取值无效"
    if message.startswith("Must be greater") or message.startswith("Must be less"):
        return "数值超出范围"
    if message.startswith("String does not match"):
        return "格式不正确"
    return message


def flatten_messages(messages, prefix="") -> list[str]:
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            label = FIELD_LABELS.get(str(key), f"第 {key} 行" if str(key).isdigit() else str(key))
            out += flatten_messages(value, f"{prefix}{label}：" if key != "_schema" else prefix)
    elif isinstance(messages, list):
        for m in messages:
            out += flatten_messages(m, prefix)
    else:
        out.append(prefix + _zh(str(messages)))
    return out


_CODE_MESSAGES = {"payload_too_large": "文件超过大小上限", "campaign_not_editable": "活动已公告，不能再修改",
                  "duplicate": "已存在同名项目", "in_use": "该项目正被某个题目使用，请先修改题目",
                  "wrong_state": "只有在“已公告”或“投票中”时才能发放或作废选票",
                  "already_voided": "已经作废过了", "not_voidable": "该票已使用，或不是本活动发出的选票",
                  "invalid_transition": "当前状态下不能进行这一步（页面可能已过期，请刷新后重试）",
                  "use_publication": "请用“发布公示”表单发布拟表彰名单，活动随之进入公示"}


def flash_error(exc) -> None:
    if isinstance(exc, ValidationError):
        lines = flatten_messages(exc.messages)
    else:
        lines = [_CODE_MESSAGES.get(exc.code, exc.message)] + flatten_messages(exc.details.get("fields") or exc.details.get("rows")
                                                 or exc.details.get("problems") or [])
    for line in lines[:20]:
        flash(line, "error")


def page(permission: str):
    """Guard a page: sign-in redirect for strangers, 403 for a missing permission."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None or principal.kind != "user":
                return redirect(url_for("auth_pages.login", next=request.full_path.rstrip("?")))
            if not principal.can(permission):
                raise Forbidden()
            g.user = principal
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate


def form_action(redirect_to):
    """Run a form handler; turn domain and validation errors into flashed messages."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                result = view(*args, **kwargs)
            except (APIError, ValidationError) as exc:
                if isinstance(exc, APIError) and exc.status in (401, 403, 404):
                    raise
                flash_error(exc)
                return redirect(redirect_to(**kwargs))
            return result
        return wrapper
    return decorate


def safe_next(target: str | None) -> str:
    if not target:
        return url_for("admin.index")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        return url_for("admin.index")
    return target


def register(app: Flask) -> None:
    from . import accounts, admin, auth_views, holidays, issuing, public, voting

    blueprints = (auth_views.bp, admin.bp, accounts.bp, holidays.bp, issuing.bp, public.bp, voting.bp)
    for bp in blueprints:
        app.register_blueprint(bp)
    page_blueprints = {bp.name for bp in blueprints}

    @app.before_request
    def _csrf_on_pages():
        if request.blueprint in page_blueprints and request.endpoint not in voting.CSRF_EXEMPT:
            csrf.check_form()

    @app.context_processor
    def _globals():
        from ballots import lifecycle
        from ..auth import ROLE_LABELS
        return {"state_labels": lifecycle.LABELS, "role_labels": ROLE_LABELS,
                "principal": g.get("principal")}

    app.add_template_filter(lambda d: d.strftime("%Y-%m-%d %H:%M") if d else "", "datetime")
