"""CSRF protection: a per-session token, checked on every unsafe web request.

Forms carry it in a hidden `csrf_token` field; the JSON API accepts it in the
`X-CSRF-Token` header when called with a session cookie (API keys need none).
"""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

from service.core.errors import CsrfFailed


def token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _matches(sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(expected.encode(), sent.encode())


def check_form() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
    if not _matches(sent):
        raise CsrfFailed("表单已过期或来源无效，请刷新页面后重试")


def check_header() -> None:
    if not _matches(request.headers.get("X-CSRF-Token")):
        raise CsrfFailed()
