"""Server-rendered pages (Chinese first): sign-in, admin, public announcement."""
from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, flash, g, redirect, request, url_for
from markupsafe import Markup, escape
from marshmallow import ValidationError

from service.accounts.auth import current_principal
from service.core import csrf
from service.core.errors import APIError, Forbidden
from service.web import messages

# The admin pages' blueprint: each feature adds its pages under /admin to it.
admin = Blueprint("admin", __name__, url_prefix="/admin")


def error_messages(exc) -> list[str]:
    """A refused form's lines, in Chinese."""
    if isinstance(exc, ValidationError):
        return messages.flatten(exc.messages)
    return messages.error_lines(exc)[:20]


def flash_error(exc) -> None:
    for line in error_messages(exc):
        flash(line, "error")


def page(permission: str):
    """Guard a page: sign-in redirect for strangers, 403 for a missing permission."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None or principal.kind != "user":
                return redirect(url_for("auth_pages.login", next=request.full_path.rstrip("?")))
            if principal.must_change_password:  # a one-time password opens only the change form
                return redirect(url_for("auth_pages.change_password"))
            if not principal.can(permission):
                raise Forbidden()
            g.user = principal
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate


def form_action(redirect_to, render=None):
    """Run a form handler; turn domain and validation errors into messages. With `render` (the
    page the form is on), the page is shown again with the messages beside the form that was
    sent (its hidden `_form` names it) and what was typed still in it, answered 422; without,
    the messages are flashed and the browser goes to `redirect_to`."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                result = view(*args, **kwargs)
            except (APIError, ValidationError) as exc:
                if isinstance(exc, APIError) and exc.status in (401, 403, 404):
                    raise
                sent = request.form.get("_form")
                if render is not None and sent:
                    g.form_errors = {sent: error_messages(exc)}
                    g.form_values = request.form
                    html = render(**kwargs)
                    if f'name="_form" value="{escape(sent)}"' in html:
                        return html, 422
                    # The page no longer has that form (the state moved on): say it at the top.
                    g.pop("form_errors"), g.pop("form_values")
                flash_error(exc)
                return redirect(redirect_to(**kwargs))
            return result
        return wrapper
    return decorate


def _sent(form_id: str) -> bool:
    return (g.get("form_values") or {}).get("_form") == form_id


def form_value(form_id: str, name: str, default=""):
    """What the user typed in this field of this form, if it was just refused; else the default."""
    if _sent(form_id):
        return g.form_values.get(name, "")
    return "" if default is None else default


def form_checked(form_id: str, name: str, value, default=False) -> bool:
    if _sent(form_id):
        return str(value) in g.form_values.getlist(name)
    return bool(default)


def form_errors(form_id: str) -> Markup:
    """The refusal's messages, inside the form they belong to."""
    lines = (g.get("form_errors") or {}).get(form_id)
    if not lines:
        return Markup("")
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return Markup(f'<div class="form-errors" role="alert"><p>未能保存：</p><ul>{items}</ul></div>')


def form_id(name: str) -> Markup:
    return Markup(f'<input type="hidden" name="_form" value="{escape(name)}">')


def number(value, integer=False):
    """A form field's number (None when blank), or the text as typed, for the schema to refuse."""
    value = (value or "").strip()
    if value == "":
        return None
    try:
        return int(value) if integer else float(value)
    except ValueError:
        return value


def safe_next(target: str | None) -> str:
    if not target:
        return url_for("admin.index")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        return url_for("admin.index")
    return target


def register(app: Flask, pages) -> None:
    """The page shell: the features' page modules (`pages`: each with its `bp`, and perhaps the
    endpoints it takes without a session's CSRF token, `CSRF_EXEMPT`), CSRF on every form, the
    templates' globals and filters; `LARGE_UPLOADS` {endpoint: setting} lifts the upload limit
    for an endpoint to that setting's."""
    blueprints = list({m.bp.name: m.bp for m in pages}.values())
    for bp in blueprints:
        app.register_blueprint(bp)
    page_blueprints = {bp.name for bp in blueprints}
    exempt = frozenset().union(*(getattr(m, "CSRF_EXEMPT", frozenset()) for m in pages))
    # Endpoints that take more than UPLOAD_MAX_BYTES, each naming the setting that bounds it.
    large = {k: v for m in pages for k, v in getattr(m, "LARGE_UPLOADS", {}).items()}

    @app.before_request
    def _csrf_on_pages():
        if request.endpoint in large:  # before anything reads the body
            request.max_content_length = getattr(app.config["SETTINGS"], large[request.endpoint])
        if request.blueprint in page_blueprints and request.endpoint not in exempt:
            csrf.check_form()

    @app.context_processor
    def _globals():
        from ballots import lifecycle
        from service.accounts.auth import ROLE_LABELS
        return {"state_labels": lifecycle.LABELS, "role_labels": ROLE_LABELS,
                "principal": g.get("principal")}

    app.add_template_filter(local_time, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(lambda text: local_time(dt.datetime.fromisoformat(text)), "opening_time")
    app.add_template_filter(actor_name, "actor")
    app.add_template_filter(messages.event_text, "event")
    from ballots import display, lifecycle
    from ballots.sections import rank_key, rank_label
    app.add_template_filter(display.pct, "pct")
    app.add_template_filter(display.num, "num")
    app.add_template_filter(display.ranked, "ranked")
    app.add_template_filter(display.by_source_line, "by_source_line")
    # Templates ask the lifecycle what a state allows, as the routes do (ballots/lifecycle.py).
    app.jinja_env.globals.update(rank_label=rank_label, rank_key=rank_key, allows=lifecycle.allows)
    app.jinja_env.globals.update(form_value=form_value, form_checked=form_checked, form_errors=form_errors,
                                 form_id=form_id)


def actor_name(actor: str | None) -> str:
    """Who did something, in words: a user by name, an API key by its name, the command line."""
    if not actor:
        return ""
    kind, _, name = actor.partition(":")
    if kind == "user":
        return name
    if kind == "key":
        return f"API 密钥「{name}」"
    return {"cli": "命令行", "public": "公众（匿名）", "system": "系统", "mixer": "混合程序"}.get(kind, actor)


def _zone(name: str | None) -> ZoneInfo:
    """The zone by name; China's when the name is missing or this host cannot load it (a rule
    stored elsewhere must not make a page fail)."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError: caught below
        return ZoneInfo(DEFAULT_ZONE)
    except KeyError:
        return ZoneInfo(DEFAULT_ZONE)


def use_zone(rules: dict) -> None:
    """Show this request's times in the campaign's time zone (rules.time_zone)."""
    g.time_zone = rules.get("time_zone") or DEFAULT_ZONE


DEFAULT_ZONE = "Asia/Shanghai"


def local_time(value, zone: str | None = None) -> str:
    """A stored UTC time as the people reading the page count time (the campaign's zone, China's
    by default); dates are shown as they are."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(_zone(zone or g.get("time_zone"))).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def local_date(value) -> str:
    """The day of a stored time as the page's readers count days (a date is shown as it is)."""
    return local_time(value)[:10]
