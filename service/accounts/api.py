"""Users and API keys (admin only), and who the caller is."""
from __future__ import annotations

from service.accounts import operations as ops
from service.accounts.auth import APIKEYS_MANAGE, SIGNED_IN, USERS_MANAGE, current_principal
from service.accounts.schemas import ApiKeyIn, ApiKeyOut, MeOut, UserIn, UserOut, UserPatch
from service.core import db
from service.core.api import endpoint


@endpoint("/me", "GET", summary="The caller: user or API key, and its permissions",
          permission=SIGNED_IN, tag="accounts", documents=MeOut)
def whoami():
    p = current_principal()
    return {"kind": p.kind, "name": p.name, "role": p.role, "permissions": sorted(p.permissions)}


@endpoint("/users", "GET", summary="List users", permission=USERS_MANAGE, response=UserOut,
          many=True, tag="accounts")
def list_users():
    with db.transaction() as cur:
        return ops.list_users(cur)


@endpoint("/users", "POST", summary="Create a user", permission=USERS_MANAGE, body=UserIn,
          response=UserOut, status=201, tag="accounts")
def create_user(data):
    with db.transaction() as cur:
        return ops.create_user(cur, current_principal(), data)


@endpoint("/users/<int:user_id>", "PATCH", summary="Change a user's role, name, password or disabled flag",
          permission=USERS_MANAGE, body=UserPatch, response=UserOut, tag="accounts")
def update_user(user_id, data):
    with db.transaction() as cur:
        return ops.update_user(cur, current_principal(), user_id, data)


@endpoint("/api-keys", "GET", summary="List API keys (never the keys themselves)",
          permission=APIKEYS_MANAGE, response=ApiKeyOut, many=True, tag="accounts")
def list_api_keys():
    with db.transaction() as cur:
        return ops.list_api_keys(cur)


@endpoint("/api-keys", "POST", summary="Create an API key; the response shows the key once",
          permission=APIKEYS_MANAGE, body=ApiKeyIn, response=ApiKeyOut, status=201, tag="accounts")
def create_api_key(data):
    with db.transaction() as cur:
        return ops.create_api_key(cur, current_principal(), data)


@endpoint("/api-keys/<int:key_id>", "DELETE", summary="Revoke an API key", permission=APIKEYS_MANAGE,
          status=204, tag="accounts")
def revoke_api_key(key_id):
    with db.transaction() as cur:
        ops.revoke_api_key(cur, current_principal(), key_id)
