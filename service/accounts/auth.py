"""Who is calling, and what they may do.

Users (web sessions) have a role; API keys have scopes. Both resolve to a set of
permissions, and every API view names the one it needs with `@requires`, which
also marks the view so a test can check that no API route is left open.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field

from flask import g, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from service.accounts import keyguard, throttle
from service.accounts import queries as q
from service.accounts.errors import OneTimePasswordSpent, PasswordChangeRequired
from service.core import db, ratelimit
from service.core.errors import Forbidden, TooManyRequests, Unauthorized

CAMPAIGNS_READ = "campaigns:read"
CAMPAIGNS_WRITE = "campaigns:write"
USERS_MANAGE = "users:manage"
APIKEYS_MANAGE = "apikeys:manage"
RESULTS_READ = "results:read"
TURNOUT_READ = "turnout:read"
BALLOTS_HANDOUT = "ballots:handout"
# 意见建议: the voters' own words, for those who act on them and those who audit (not viewers).
COMMENTS_READ = "comments:read"
CALENDAR_MANAGE = "calendar:manage"  # the holiday schedules the 公示 window is counted with
# The audit log, each round's verification, its bundle and checkpoints asked for (docs/audit.md).
AUDIT_READ = "audit:read"
# The paper count (docs/paper.md): 计票人 key paper ballots; 监票人 also decide entries that differ.
PAPER_ENTER = "paper:enter"
PAPER_DECIDE = "paper:decide"
# Not a permission of a user or key: the route is authorised by the ballot token in its body.
BALLOT_TOKEN = "ballot-token"
# Held by every signed-in user and every API key, whatever its role or scopes (who am I?).
SIGNED_IN = "signed-in"
ALL_PERMISSIONS = frozenset({CAMPAIGNS_READ, CAMPAIGNS_WRITE, USERS_MANAGE, APIKEYS_MANAGE,
                             RESULTS_READ, TURNOUT_READ, BALLOTS_HANDOUT, CALENDAR_MANAGE,
                             COMMENTS_READ, AUDIT_READ, PAPER_ENTER, PAPER_DECIDE})

ROLES = {
    "admin": ALL_PERMISSIONS,
    "organiser": frozenset({CAMPAIGNS_READ, CAMPAIGNS_WRITE, RESULTS_READ, TURNOUT_READ, COMMENTS_READ}),
    "auditor": frozenset({CAMPAIGNS_READ, RESULTS_READ, TURNOUT_READ, COMMENTS_READ, AUDIT_READ}),
    "viewer": frozenset({CAMPAIGNS_READ, RESULTS_READ, TURNOUT_READ}),
    "teller": frozenset({CAMPAIGNS_READ, PAPER_ENTER}),
    "supervisor": frozenset({CAMPAIGNS_READ, TURNOUT_READ, PAPER_ENTER, PAPER_DECIDE}),
}
ROLE_LABELS = {"admin": "管理员", "organiser": "组织者", "auditor": "审计员", "viewer": "查看者", "teller": "计票人",
               "supervisor": "监票人"}

SCOPES = {
    "results": frozenset({CAMPAIGNS_READ, RESULTS_READ}),
    "turnout": frozenset({TURNOUT_READ}),
    "handout": frozenset({BALLOTS_HANDOUT}),
    "audit": frozenset({CAMPAIGNS_READ, RESULTS_READ, COMMENTS_READ, AUDIT_READ}),
    "organise": frozenset({CAMPAIGNS_READ, CAMPAIGNS_WRITE, RESULTS_READ, TURNOUT_READ, COMMENTS_READ}),
    "admin": ALL_PERMISSIONS,
}

API_KEY_PREFIX = "pgy_"
_DUMMY_HASH = generate_password_hash("pingyi-timing-equaliser")
_TOO_MANY = "登录失败次数过多，请稍后再试"


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "key"
    id: int
    name: str
    permissions: frozenset = field(default_factory=frozenset)
    role: str | None = None
    must_change_password: bool = False  # signed in with a one-time password: nothing else until changed

    @property
    def actor(self) -> str:
        # The command line is one actor, `cli`, whatever it does (as create-user and reset-password record it).
        return "cli" if self.kind == "cli" else f"{self.kind}:{self.name}"

    def can(self, permission: str) -> bool:
        return permission == SIGNED_IN or permission in self.permissions


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def new_api_key() -> tuple[str, str, str]:
    """Return (the key shown once, its display prefix, its stored hash)."""
    secret = secrets.token_urlsafe(32)
    key = API_KEY_PREFIX + secret
    return key, key[: len(API_KEY_PREFIX) + 6], hash_api_key(key)


def hash_api_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_login(cur, username: str, password: str, settings):
    """Return the user row, or None; TooManyRequests, without checking the password, for a client
    over its failure budget, or one that has failed recently trying a delayed name (service/accounts/throttle.py)."""
    name, client, now = username.strip().lower(), ratelimit.client_key(), throttle.clock()
    key = throttle.name_key(settings.secret_key, name)
    device = throttle.trusted_device(name)  # this account's own device: neither throttle shuts it out
    if device is None and throttle.recent_failures(client) >= settings.login_client_failures:
        raise TooManyRequests(_TOO_MANY)
    row = q.lock_login_attempt(cur, key, now)
    # Read again under the name's row lock: parallel attempts from one client see each other's failures.
    if device is None and row["delayed"] and throttle.recent_failures(client):
        raise TooManyRequests(_TOO_MANY)
    user = q.get_user_by_username(cur, name)
    ok = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password)
    if ok and user and not user["disabled"]:
        if user["must_change_password"] and not q.spend_one_time_password(cur, user["id"]):
            raise OneTimePasswordSpent()
        q.clear_login_failures(cur, key)
        return user
    failures = row["failures"] + 1
    delay = throttle.account_delay(failures, settings.login_max_failures, settings.login_lockout_seconds)
    q.record_login_failure(cur, key, failures, delay, now)
    throttle.failed(client)
    if device is not None:
        throttle.device_failed(device)
    return None


def start_session(user) -> None:
    session.clear()
    session["uid"] = user["id"]
    session["pwc"] = user["password_changed_at"].isoformat()
    session["epoch"] = user["session_epoch"]
    session.permanent = True


def end_session() -> None:
    """Sign out here and everywhere: older cookies of this user stop counting."""
    uid = session.get("uid")
    session.clear()
    if uid is not None:
        with db.transaction() as cur:
            q.bump_session_epoch(cur, uid)


def _session_principal(cur):
    uid = session.get("uid")
    if uid is None:
        return None
    user = q.get_user(cur, uid)
    if (not user or user["disabled"] or user["password_changed_at"].isoformat() != session.get("pwc")
            or user["session_epoch"] != session.get("epoch")):
        session.clear()
        return None
    return Principal("user", user["id"], user["username"], ROLES[user["role"]], user["role"],
                     user["must_change_password"])


def _key_principal(cur, header: str):
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(API_KEY_PREFIX):
        raise Unauthorized("malformed Authorization header; send 'Bearer <API key>'")
    row = keyguard.check_key(cur, hash_api_key(token.strip()))
    perms = frozenset().union(*(SCOPES.get(s, frozenset()) for s in row["scopes"]))
    return Principal("key", row["id"], row["name"], perms)


def current_principal():
    """Resolve the caller once per request: an API key on /api/, else the web session.

    Pages ignore Authorization headers (a proxy's Basic auth must not break them)."""
    if "principal" not in g:
        header = request.headers.get("Authorization") if request.path.startswith("/api/") else None
        with db.transaction() as cur:
            g.principal = _key_principal(cur, header) if header else _session_principal(cur)
        g.via_session = not header and g.principal is not None
    return g.principal


def _refusal(principal: Principal, permission: str) -> Forbidden:
    """403; for a key, the message names the scopes that would grant the permission."""
    if principal.kind != "key":
        return Forbidden(details={"required": permission})
    scopes = [s for s in SCOPES if permission in SCOPES[s]]
    return Forbidden(f"this API key lacks the scope {' or '.join(scopes)} (permission {permission})",
                     details={"required": permission, "scopes": scopes})


def requires(permission: str):
    """Guard an API view; the permission is recorded on the view for the route audit test."""
    if permission not in ALL_PERMISSIONS | {SIGNED_IN}:
        raise ValueError(f"unknown permission {permission}")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise Unauthorized()
            if g.via_session and request.method not in ("GET", "HEAD", "OPTIONS"):
                from service.core.csrf import check_header
                check_header()
            if principal.must_change_password:
                raise PasswordChangeRequired()
            if not principal.can(permission):
                raise _refusal(principal, permission)
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate


