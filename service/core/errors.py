"""Typed errors and the one table that maps them to HTTP.

API requests always get `{"error": {"code", "message", "details"}}`; pages get a
friendly page in Chinese. A 500 says only "internal error" and a request id.
"""
from __future__ import annotations

import logging
import secrets
import traceback

import psycopg2
import psycopg2.pool
from flask import Flask, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("pingyi.errors")


# Every error code the service gives, declared once: its class names the status, the code, the
# English message (for developers, in the API), the Chinese sentence a page shows (`zh`, with
# blanks the details fill; None when the code covers several messages and the message itself is
# translated by service.web.messages) and when it is given (`when`, for docs/api.md, which
# tests/test_error_registry.py checks against this registry). Features declare theirs in
# their own errors.py; a code declared twice fails at import.
REGISTRY: dict[str, type[APIError]] = {}
# The class that stands for a whole status: what a werkzeug HTTPException of that status becomes.
GENERIC: dict[int, type[APIError]] = {}


class APIError(Exception):
    text = "提交的内容无法处理，请返回检查后重试。"  # the page's paragraph under the title
    status = 400
    code = "bad_request"
    message = "bad request"
    zh: str | None = None
    title = "请求有误"  # the heading of a page refused with this status (a status's generic class sets it)
    when = "the request cannot be handled as sent"
    # What a voter's page shows for it (heading, text), where the voter sees it.
    voter: tuple[str, str] | None = None
    api = True  # False: only a page gives it (the ballot page, the sign-in page)

    def __init_subclass__(cls, generic: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [a for a in ("code", "zh", "when") if a not in cls.__dict__]
        if missing:
            raise TypeError(f"{cls.__name__} must declare its own {', '.join(missing)}")
        if generic and not {"title", "text"} <= set(cls.__dict__):
            raise TypeError(f"{cls.__name__} stands for its status: it must declare its page's title and text")
        _declare(cls, generic)

    def __init__(self, message: str | None = None, details: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def _declare(cls: type[APIError], generic: bool = False) -> None:
    if cls.code in REGISTRY and REGISTRY[cls.code] is not cls:
        raise TypeError(f"error code {cls.code!r} is declared twice: {REGISTRY[cls.code].__qualname__} "
                        f"and {cls.__qualname__}")
    REGISTRY[cls.code] = cls
    if generic:
        GENERIC[cls.status] = cls


_declare(APIError, generic=True)


def of(code: str) -> type[APIError]:
    """The class of a code a lower layer names (the domain's TransitionRefused carries codes)."""
    return REGISTRY[code]


class MalformedJSON(APIError):
    status, code, message = 400, "malformed_json", "the request body is not valid JSON"
    zh, when = "请求内容不是有效的 JSON", "the body is not JSON (or not UTF-8)"


class Unauthorized(APIError, generic=True):
    text = "此页面需要登录后访问。"
    status, code, message = 401, "unauthorized", "authentication required"
    title, zh, when = "请先登录", "请先登录", "no, unknown or revoked credentials"


class Forbidden(APIError, generic=True):
    text = "您的账号没有执行此操作的权限。"
    status, code, message = 403, "forbidden", "you lack the permission for this action"
    title, zh = "无权访问", "您的账号没有执行此操作的权限"
    when = "the caller lacks the permission (`details.required` names it)"


class CsrfFailed(Forbidden):
    code, message = "csrf_failed", "missing or wrong X-CSRF-Token header"
    zh, when = "表单已过期或来源无效，请刷新页面后重试", "a session's call or form without its CSRF token"


class NotFound(APIError, generic=True):
    text = "您访问的页面不存在或已被移除。"
    status, code, message = 404, "not_found", "no such resource"
    title, zh = "页面不存在", None
    when = "no such route or resource (a part of another campaign is \"not found\")"


class MethodNotAllowed(APIError, generic=True):
    text = "此页面不支持该操作。"
    status, code, message = 405, "method_not_allowed", "the method is not allowed for this resource"
    title, zh, when = "请求方式不支持", "不支持该请求方式", "the route takes other methods (`Allow` names them)"


class Conflict(APIError, generic=True):
    text = "该操作不适用于当前状态。"
    status, code, message = 409, "conflict", "the request conflicts with the current state"
    title, zh, when = "操作与当前状态冲突", "该操作与当前状态冲突", "the request conflicts with the current state"


class InvalidTransition(Conflict):
    code, message = "invalid_transition", "the campaign cannot move to that state from its own"
    zh = "当前状态下不能进行这一步：活动现为「{state}」（页面可能已过期，请刷新后重试）"
    when = "a state change, or an action, the campaign's state does not allow; the message names the state"


class WrongState(Conflict):
    code, message = "wrong_state", "the campaign's state does not allow this"
    zh, when = None, "scores, objections or hand-outs outside the states that take them (`details.state`)"


class Duplicate(Conflict):
    code, message = "duplicate", "one of the same name already exists"
    zh, when = None, "a user, or a part of a campaign, with the name of one that exists"


class PayloadTooLarge(APIError, generic=True):
    text = "上传的内容超过了大小限制。"
    status, code, message = 413, "payload_too_large", "the request body is too large"
    title, zh, when = "内容过大", "文件超过大小上限", "body or upload over its limit"


class UnsupportedMediaType(APIError, generic=True):
    text = "提交的内容格式不受支持。"
    status, code, message = 415, "unsupported_media_type", "send JSON with Content-Type: application/json"
    title, zh, when = "请求格式不支持", "请以 JSON 格式提交（Content-Type: application/json）", "not `application/json`"


class Invalid(APIError, generic=True):
    text = "请检查填写的内容。"
    status, code, message = 422, "validation_failed", "the request has invalid fields"
    title, zh, when = "内容未通过校验", None, "fields fail validation (`details.fields`)"


class TooManyRequests(APIError, generic=True):
    text = "请稍后再试。"
    status, code, message = 429, "too_many_requests", "too many attempts; try again later"
    title, zh = "尝试次数过多", "尝试次数过多，请稍后再试"
    voter = ("尝试次数过多，请稍后再试。", "")
    when = "sign-ins, mistyped ballot codes or objections from one client over their limit"


class Internal(APIError, generic=True):
    text = "服务暂时出现问题，请稍后再试。"
    status, code, message = 500, "internal", "internal error"
    title, zh = "服务器内部错误", "服务器内部错误，请稍后再试"
    when = "details hold only a `request_id`, which is also in the server log"


class CommitUnknown(APIError):
    text = "保存时与数据库的连接中断，刚才的操作可能已经保存，请先核对再决定是否重试。"
    status, code, message = 500, "commit_unknown", ("the database connection broke after the change was sent to be "
                                                    "committed: it may have been made; check before trying again")
    title, zh = "结果未知", "保存时与数据库的连接中断，可能已经保存：请先核对再重试"
    when = ("the connection to PostgreSQL broke after the COMMIT was sent (a cast, most often): the change "
            "may have been made; a cast sent again says `ballot_used` if it was")
    voter = ("选票可能已经提交", "提交时与系统的连接中断，选票可能已经计入，也可能没有。请稍后重新打开这张选票："
             "提示“此选票已经使用”即已计入；若打开的仍是这一轮的选票，说明尚未计入，请再投一次。")


class HttpError(APIError):
    """A status no other class stands for (werkzeug's own, e.g. 406); the status is the exception's."""
    code, message = "http_error", "the request cannot be handled"
    shown_status = "other"  # docs/api.md: not 400, whatever werkzeug said
    zh, when = "请求有误", "another HTTP status werkzeug gives (e.g. 406); the status is its own"


class DatabaseUnavailable(APIError, generic=True):
    text = "数据库暂时无法访问，刚才的操作没有保存，请稍后重试。"
    status, code, message = 503, "database_unavailable", \
        "the database cannot be reached; nothing was changed, try again"
    title, zh = "服务暂时不可用", "数据库暂时无法访问，请稍后重试"
    when = ("PostgreSQL cannot be reached (refused, closed, restarting): nothing was changed; "
            "`Retry-After` says when to try again")
    voter = ("暂时无法投票", "系统暂时无法记录选票，请稍后重试；您的选票尚未提交。")
    # Opening a ballot (a GET) submits nothing, and cannot say whether an earlier submission went in.
    voter_opening = ("暂时无法打开选票", "系统暂时无法访问，请稍后重新打开这张选票。")


RETRY_AFTER_SECONDS = 10
# SQLSTATEs of a server that is gone, restarting or full (connection exception, admin or crash
# shutdown, cannot connect now, insufficient resources). A psycopg2 error without one failed on
# the client's side: refused, closed, timed out.
_UNAVAILABLE_STATES = ("08", "53", "57P01", "57P02", "57P03")


def database_unavailable(exc: Exception) -> bool:
    if isinstance(exc, (psycopg2.pool.PoolError, psycopg2.InterfaceError)):
        return True  # no connection to be had from the pool, or the one in hand is closed
    if isinstance(exc, psycopg2.OperationalError):
        return exc.pgcode is None or exc.pgcode.startswith(_UNAVAILABLE_STATES)
    return False


# The statuses werkzeug's own exceptions (no route, wrong method, body too large …) take the
# generic code of; any other is `http_error`.
_WERKZEUG_STATUSES = frozenset({400, 401, 403, 404, 405, 409, 413, 415, 429})


def wants_json() -> bool:
    """The API, and the pages' JSON feeds (the projector's and the widgets' turnout.json, polled
    by a script that reads JSON, never a page)."""
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _respond(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
        resp.status_code = status
        return resp
    cls = REGISTRY.get(code, HttpError)
    generic = GENERIC.get(status) or (Internal if status >= 500 else APIError)
    title, text = generic.title, generic.text
    if request.blueprint == "voting":  # voters get the voters' page furniture, not the admin's
        title, text = (request.method == "GET" and getattr(cls, "voter_opening", None)) or cls.voter or (title, text)
        return render_template("vote/error.html", status=status, title=title, text=text), status
    return render_template("error.html", status=status, title=title, text=text,
                           message=_sentence(cls, status, message, details), details=details), status


def _sentence(cls: type[APIError], status: int, message: str, details: dict | None) -> str | None:
    """What the page says under its text: a code's own sentence (from the registry, its blanks
    filled), or the message when it was written for people or can be said in Chinese; never the
    API's English, meant for developers, and nothing for a status's generic code."""
    from service.web.messages import error_lines, zh
    if status >= 500:
        return None
    if cls.zh and cls is not GENERIC.get(cls.status):
        return error_lines(cls(message, details))[0]
    return zh(message) if message else None


def respond(exc: APIError):
    """What the service answers for exc (JSON or a page, by wants_json): for a blueprint's own
    handler that passes some errors on."""
    return _respond(exc.status, exc.code, exc.message, exc.details)


def register(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(exc: APIError):
        resp = respond(exc)
        if exc.status == 503:  # nothing was done: say when to try again (pool_exhausted too)
            resp = app.make_response(resp)
            resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        elif getattr(exc, "retry_after", None) is not None:  # a limit that knows when it lifts
            resp = app.make_response(resp)
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return _respond(422, Invalid.code, Invalid.message, {"fields": exc.messages})

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        generic = GENERIC.get(status) if status in _WERKZEUG_STATUSES else None
        resp = _respond(status, (generic or HttpError).code, exc.description or exc.name)
        allowed = getattr(exc, "valid_methods", None)
        if status == 405 and allowed:  # HTTP requires it: which methods the resource does take
            resp = app.make_response(resp)
            resp.headers["Allow"] = ", ".join(sorted(allowed))
        return resp

    @app.errorhandler(psycopg2.Error)
    def _database(exc: psycopg2.Error):
        if not database_unavailable(exc):
            return _internal(exc)
        # The message names the server (host, port, user) and may quote values: log the type only.
        log.warning("database unavailable endpoint=%s type=%s sqlstate=%s", request.endpoint,
                    type(exc).__name__, getattr(exc, "pgcode", None))
        return _api_error(DatabaseUnavailable())

    app.errorhandler(Exception)(_internal)


def _internal(exc: Exception):
    request_id = secrets.token_hex(8)
    # The path may hold a ballot token (/b/…); log only the endpoint name. On voters' paths
    # the exception's message may quote the ballot (a database error repeats its values):
    # log the traceback's frames and the type only.
    if request.blueprint == "voting" or (request.endpoint or "").startswith("api.") and \
            request.path.startswith("/api/v1/ballots"):
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("internal error request_id=%s endpoint=%s type=%s\n%s", request_id, request.endpoint,
                  type(exc).__name__, frames)
    else:
        log.exception("internal error request_id=%s endpoint=%s", request_id, request.endpoint)
    return _respond(Internal.status, Internal.code, Internal.message, {"request_id": request_id})
