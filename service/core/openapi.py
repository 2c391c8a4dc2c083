"""The OpenAPI 3 document, built from the endpoint registry and the marshmallow schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from service.accounts.auth import BALLOT_TOKEN, SCOPES, SIGNED_IN
from service.core import errors
from service.core.api import REGISTRY
from service.core.api import bp as api_bp

spec_bp = Blueprint("openapi", __name__)

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}
# Statuses every operation may answer with besides its own (405 is the router's, not an operation's).
_NOT_PER_OPERATION = {405}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again; nothing was changed",
                                "schema": {"type": "integer"}}}


def error_responses() -> dict[str, str]:
    """Each error status the API gives, described by its codes: from the error registry."""
    codes: dict[int, list[str]] = {}
    for cls in errors.REGISTRY.values():
        if cls.api and cls.status not in _NOT_PER_OPERATION and "shown_status" not in cls.__dict__:
            codes.setdefault(cls.status, []).append(cls.code)
    return {str(status): f"{errors.GENERIC[status].message}; codes: {', '.join(sorted(names))}"
            for status, names in sorted(codes.items())}


def _schema_name(cls):
    return cls.__name__


def _granted_by(permission: str) -> list[str]:
    """The API key scopes that carry a permission (every key holds signed-in)."""
    if permission == SIGNED_IN:
        return sorted(SCOPES)
    return sorted(name for name, perms in SCOPES.items() if permission in perms)


def _who(permission: str) -> str:
    if permission == BALLOT_TOKEN:
        return "No API key: the ballot code in the body is the credential."
    return (f"Needs the permission `{permission}`: an API key with one of the scopes "
            f"{', '.join(f'`{s}`' for s in _granted_by(permission))}, or a signed-in user whose role holds it. "
            "Without a key: 401; with a key lacking it: 403, naming the permission.")


def _parameters(doc) -> list:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "integer" if conv == "int" else "string"}}
              for conv, name in _PARAM.findall(doc.rule)]
    if doc.query is not None:
        params.append({"in": "query", "schema": _schema_name(doc.query)})
    return params


def build_spec(version: str) -> dict:
    spec = APISpec(
        title="Pingyi (评议) API",
        version=version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=lambda s: None)],
        info={"description": "Anonymous QR-coded ballots, tallies and results. "
                             "Authenticate with `Authorization: Bearer <API key>`. Each operation names the "
                             "permission it needs and the key scopes that carry it (x-permission, x-scopes); "
                             "every error is the Error object, its code listed per status (docs/api.md)."},
        servers=[{"url": api_bp.url_prefix}],
    )
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer", "description": (
        "An API key (pgy_…), made on /admin/api-keys or with `python -m service api-keys create`; its scopes: "
        + "; ".join(f"`{name}`: {', '.join(sorted(perms))}" for name, perms in sorted(SCOPES.items())))})
    spec.components.schema("Error", ERROR_SCHEMA)
    seen = set()
    paths: dict[str, dict] = {}
    for doc in REGISTRY:
        for cls in (doc.body, doc.response, doc.query):
            if cls is not None and cls.__name__ not in seen:
                spec.components.schema(_schema_name(cls), schema=cls)
                seen.add(cls.__name__)
        path = _PARAM.sub(r"{\2}", doc.rule)
        params = _parameters(doc)
        op = {
            "summary": doc.summary,
            "description": _who(doc.permission),
            "tags": [doc.tag],
            "security": [] if doc.permission == BALLOT_TOKEN else [{"apiKey": []}],
            "x-permission": doc.permission,
            "x-scopes": [] if doc.permission == BALLOT_TOKEN else _granted_by(doc.permission),
            "parameters": params,
            "responses": {},
        }
        if doc.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{_schema_name(doc.body)}"}}}}
        if doc.multipart:
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}
        ok = {"description": "success"}
        if doc.response is not None:
            ref = {"$ref": f"#/components/schemas/{_schema_name(doc.response)}"}
            ok["content"] = {"application/json": {"schema": {"type": "array", "items": ref} if doc.many else ref}}
        elif doc.produces:
            ok["content"] = {mt: {"schema": {"type": "string", "format": "binary"}} for mt in doc.produces}
        elif doc.status != 204:
            ok["content"] = {"application/json": {"schema": {"type": "object"}}}
        op["responses"][str(doc.status)] = ok
        for status, text in error_responses().items():
            op["responses"][status] = {"description": text, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
        op["responses"]["503"]["headers"] = _RETRY_AFTER
        op["responses"]["429"]["headers"] = _RETRY_AFTER
        paths.setdefault(path, {})[doc.method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


@spec_bp.get("/api/openapi.json")
def openapi_document():
    from service import __version__
    return jsonify(build_spec(__version__))
