"""Account operations shared by the API, the admin pages and the CLI. None commits."""
from __future__ import annotations

from service.accounts import keyguard
from service.accounts import queries as q
from service.accounts.auth import hash_password, new_api_key
from service.accounts.errors import AlreadyRevoked, LastAdmin
from service.core.errors import Duplicate, NotFound
from service.core.event_queries import insert_event


def first_start(cur) -> bool:
    """True when no user exists yet; the users table stays locked for this transaction, so two
    starting processes cannot both make the first admin."""
    q.lock_users(cur)
    return q.count_users(cur) == 0


def list_users(cur):
    return q.list_users(cur)


def create_user(cur, principal, data):
    row = q.insert_user(cur, data["username"], hash_password(data["password"]), data["role"],
                        data.get("display_name", ""))
    if row is None:
        raise Duplicate("a user with this name already exists", {"username": data["username"]})
    insert_event(cur, principal.actor if principal else "cli", "user.created",
                 details={"username": row["username"], "role": row["role"]})
    return row


def update_user(cur, principal, user_id, data):
    user = q.get_user(cur, user_id)
    if user is None:
        raise NotFound("no such user")
    demoting = data.get("role", "admin") != "admin" or data.get("disabled") is True
    if user["role"] == "admin" and not user["disabled"] and demoting and q.lock_active_admins(cur) <= 1:
        raise LastAdmin("this is the last active admin; make another admin first")
    password = data.get("password")
    row = q.update_user(cur, user_id, role=data.get("role"), disabled=data.get("disabled"),
                        display_name=data.get("display_name"),
                        password_hash=hash_password(password) if password else None)
    changed = sorted(k for k in data if k != "password") + (["password"] if password else [])
    insert_event(cur, principal.actor, "user.updated", details={"username": row["username"], "fields": changed})
    return row


ONE_TIME_HOURS = 24


def set_password(cur, actor: str, username: str, password: str, one_time: bool, secret_key: str):
    """A new password for the named user (CLI reset, or the user's own change). A one-time
    password lets its holder sign in once, to choose their own; any change ends the user's
    other sessions (sessions carry the time of the last password change)."""
    user = q.get_user_by_username(cur, username)
    if user is None:
        raise NotFound("no such user", {"username": username})
    row = q.update_user(cur, user["id"], password_hash=hash_password(password), must_change_password=one_time,
                        one_time_hours=ONE_TIME_HOURS if one_time else None)
    from service.accounts.throttle import name_key
    q.clear_login_failures(cur, name_key(secret_key, row["username"]))
    insert_event(cur, actor, "user.password_reset" if actor != f"user:{row['username']}" else "user.password_changed",
                 details={"username": row["username"], "one_time": one_time})
    return row


def list_api_keys(cur):
    return [keyguard.with_state(row) for row in q.list_api_keys(cur)]


def create_api_key(cur, principal, data):
    key, prefix, key_hash = new_api_key()
    row = keyguard.with_state(q.insert_api_key(cur, data["name"], prefix, key_hash, sorted(set(data["scopes"])),
                                               principal.id if principal.kind == "user" else None, keyguard.clock(),
                                               data["days"], data["rate_per_minute"]))
    insert_event(cur, principal.actor, "api_key.created",
                 details={"id": row["id"], "name": row["name"], "scopes": row["scopes"], "prefix": row["prefix"],
                          "expires_at": row["expires_at"].isoformat(), "rate_per_minute": row["rate_per_minute"]})
    row["key"] = key
    return row


def revoke_api_key(cur, principal, key_id):
    if q.get_api_key(cur, key_id) is None:
        raise NotFound("no such API key")
    row = q.revoke_api_key(cur, key_id)
    if row is None:
        raise AlreadyRevoked("the key is already revoked")
    insert_event(cur, principal.actor, "api_key.revoked", details={"id": key_id, "name": row["name"], "prefix": row["prefix"]})
    return keyguard.with_state(row)


def get_api_key(cur, key_id):
    row = q.get_api_key(cur, key_id)
    if row is None:
        raise NotFound("no such API key")
    return keyguard.with_state(row)
