"""The JSON API under /api/v1.

Views are declared with `endpoint(...)`, which registers the URL rule, guards it with
the permission it names, loads the body through its input schema, and records what
the OpenAPI document needs — so the document cannot drift from the routes.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from flask import Blueprint, current_app, request

from service.accounts.auth import BALLOT_TOKEN, requires
from service.core.errors import Invalid, MalformedJSON, PayloadTooLarge, UnsupportedMediaType

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class EndpointDoc:
    rule: str
    method: str
    summary: str
    permission: str
    body: type | None
    response: type | None
    status: int
    many: bool
    tag: str
    multipart: bool = False
    produces: tuple = ()
    query: type | None = None


REGISTRY: list[EndpointDoc] = []


class _DuplicateKey(Exception):
    pass


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def json_body(schema, fast=None):
    """Parse the body strictly: JSON object only, size-capped, unknown fields refused. `fast`, if
    given, returns what the schema would load for a body it accepts, or None (the schema decides)."""
    environ = request.environ  # read directly: this runs on every cast, and werkzeug's properties cost
    if environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaType()
    limit = current_app.config["SETTINGS"].json_max_bytes
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit():
        if int(length) > limit:
            raise PayloadTooLarge(details={"limit_bytes": limit})
        raw = environ["wsgi.input"].read(int(length))  # the declared length: read it, nothing more
    else:  # chunked or undeclared: read at most one byte past the limit, so a longer body shows
        # (werkzeug's capped stream stops at the cap without a word: the body would look cut off)
        request.max_content_length = limit + 1
        raw = request.get_data(cache=True)
    return parse_json(raw, limit, schema, fast)


def parse_json(raw: bytes, limit: int, schema, fast=None):
    """json_body's checks of a body already read (service/voting/fastpath.py reads its own)."""
    if len(raw) > limit:
        raise PayloadTooLarge(details={"limit_bytes": limit})
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as exc:
        raise MalformedJSON(f"the key {exc.args[0]!r} appears twice in one object") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedJSON() from None
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", {"fields": {"_schema": ["expected an object"]}})
    loaded = fast(data) if fast is not None else None
    return schema.load(data) if loaded is None else loaded


def endpoint(rule, method, *, summary, permission, body=None, response=None, status=200,
             many=False, tag="campaigns", multipart=False, produces=(), fast_body=None, documents=None, query=None):
    """`response` is dumped through (its fields are what the client gets); `documents` only
    describes a payload built elsewhere (results, verification: their keys depend on the round's
    sections), for the OpenAPI document, which tests/test_schemathesis.py holds to the responses.
    `query` documents the query string's parameters (the view reads them)."""
    # One schema instance per endpoint: marshmallow schemas keep no state between calls,
    # and building one costs more than loading a small body.
    body_schema = body() if body is not None else None
    response_schema = response(many=many) if response is not None else None
    assert response is None or documents is None, "a response is dumped or documented, not both"

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            if body_schema is not None:
                kwargs["data"] = json_body(body_schema, fast_body)
            result = view(**kwargs)
            if response_schema is None:
                return ("", status) if result is None else result
            return response_schema.dump(result), status

        if permission == BALLOT_TOKEN:
            wrapper.required_permission = BALLOT_TOKEN  # the token in the body is the credential
            guarded = wrapper
        else:
            guarded = requires(permission)(wrapper)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
        REGISTRY.append(EndpointDoc(rule, method, summary, permission, body, response or documents, status,
                                    many, tag, multipart, tuple(produces), query))
        return guarded

    return decorate

