"""CORS on the read-only API for the embedding allowlist: a page of a listed origin may call a
GET (or HEAD) route of /api/v1 from the browser, with its API key in the Authorization header.
The answer names that one origin (never `*`) and never allows credentials, so the browser sends
no cookie of this service with it and a signed-in session can never be read across sites. Any
other origin, any other method, and every route outside /api/v1 get no CORS headers at all."""
from __future__ import annotations

import psycopg2
from flask import current_app, request
from werkzeug.exceptions import HTTPException

from service.core import db
from service.embeds import operations as ops

READ_METHODS = ("GET", "HEAD")
PREFLIGHT_MAX_AGE = "600"  # seconds a browser may keep a preflight's answer


def _reads(path: str) -> bool:
    """Whether the path is a GET route of the API (what a preflight asks about may be any path)."""
    if not path.startswith("/api/v1/"):
        return False
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    except HTTPException:  # no such route, or not one that reads (405), or a redirect
        return False
    return True


def add_headers(resp):
    origin = request.headers.get("Origin")
    if not origin or request.method not in (*READ_METHODS, "OPTIONS") or not _reads(request.path):
        return resp
    preflight = request.method == "OPTIONS"
    if preflight and request.headers.get("Access-Control-Request-Method") not in READ_METHODS:
        return resp
    try:
        with db.transaction() as cur:
            if not ops.is_allowed(cur, origin):
                return resp
    except psycopg2.Error:  # the answer stands (an error of its own, most likely); it is only not shared
        return resp
    resp.headers["Access-Control-Allow-Origin"] = origin
    resp.vary.add("Origin")
    if preflight:
        resp.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        resp.headers["Access-Control-Allow-Headers"] = "Authorization"
        resp.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return resp
