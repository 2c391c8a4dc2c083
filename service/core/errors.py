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


class APIError(Exception):
    status = 400
    code = "bad_request"
    message = "bad request"

    def __init__(self, message: str | None = None, details: dict | None = None, code: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}
        if code:
            self.code = code

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class MalformedJSON(APIError):
    status, code, message = 400, "malformed_json", "the request body is not valid JSON"


class Unauthorized(APIError):
    status, code, message = 401, "unauthorized", "authentication required"


class Forbidden(APIError):
    status, code, message = 403, "forbidden", "you lack the permission for this action"


class NotFound(APIError):
    status, code, message = 404, "not_found", "no such resource"


class Conflict(APIError):
    status, code, message = 409, "conflict", "the request conflicts with the current state"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class CampaignNotEditable(Conflict):
    code = "campaign_not_editable"


class PayloadTooLarge(APIError):
    status, code, message = 413, "payload_too_large", "the request body is too large"


class UnsupportedMediaType(APIError):
    status, code, message = 415, "unsupported_media_type", "send JSON with Content-Type: application/json"


class Invalid(APIError):
    status, code, message = 422, "validation_failed", "the request has invalid fields"


class TooManyRequests(APIError):
    status, code, message = 429, "too_many_requests", "too many attempts; try again later"


class DatabaseUnavailable(APIError):
    status, code, message = 503, "database_unavailable", "the database cannot be reached; nothing was changed, try again"


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


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 429: "too_many_requests",
}

_PAGE_TEXT = {
    400: ("请求有误", "提交的内容无法处理，请返回检查后重试。"),
    401: ("请先登录", "此页面需要登录后访问。"),
    403: ("无权访问", "您的账号没有执行此操作的权限。"),
    404: ("页面不存在", "您访问的页面不存在或已被移除。"),
    405: ("请求方式不支持", "此页面不支持该操作。"),
    409: ("操作与当前状态冲突", "该操作不适用于当前状态。"),
    413: ("内容过大", "上传的内容超过了大小限制。"),
    422: ("内容未通过校验", "请检查填写的内容。"),
    429: ("尝试次数过多", "请稍后再试。"),
    500: ("服务器内部错误", "服务暂时出现问题，请稍后再试。"),
    503: ("服务暂时不可用", "数据库暂时无法访问，刚才的操作没有保存，请稍后重试。"),
}
# What voters read instead (vote/error.html translates both).
_VOTER_TEXT = {503: ("暂时无法投票", "系统暂时无法记录选票，请稍后重试；您的选票尚未提交。")}




def wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
        resp.status_code = status
        return resp
    title, text = _PAGE_TEXT.get(status, _PAGE_TEXT[500] if status >= 500 else _PAGE_TEXT[400])
    if request.blueprint == "voting":  # voters get the voters' page furniture, not the admin's
        title, text = _VOTER_TEXT.get(status, (title, text))
        return render_template("vote/error.html", status=status, title=title, text=text), status
    # A message written for people (in Chinese) is shown under the page's own text; the API's
    # English messages, meant for developers, are not.
    from service.web.messages import zh
    shown = zh(message) if status < 500 and message else None
    return render_template("error.html", status=status, title=title, text=text, message=shown,
                           details=details), status


def register(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(exc: APIError):
        return _respond(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return _respond(422, Invalid.code, Invalid.message, {"fields": exc.messages})

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        resp = _respond(status, _HTTP_CODES.get(status, "http_error"), exc.description or exc.name)
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
        return _unavailable(DatabaseUnavailable())

    @app.errorhandler(DatabaseUnavailable)
    def _unavailable(err: DatabaseUnavailable):
        resp = app.make_response(_respond(err.status, err.code, err.message))
        resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return resp

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
    return _respond(500, "internal", "internal error", {"request_id": request_id})
