"""Sign-in throttling that cannot lock the right person out.

Per account (table login_throttle, by account name, never by address): from the
LOGIN_MAX_FAILURES-th failure in a row, each failure delays the name twice as long as the one
before (1 s, 2 s, 4 s, … up to LOGIN_LOCKOUT_SECONDS). While the name is delayed, an attempt from
a client that has failed recently is refused without its password being checked; a client with
no recent failure still has its password checked, so the real user signs in while someone else
hammers the name. A success clears the name's count.

Per client (this process's memory only, like service/core/ratelimit.py): the failed sign-ins of each
client in the current and the previous LOGIN_CLIENT_WINDOW, under a keyed hash of its address
(an IPv6 client by its /64, what one subscriber holds), never stored. After LOGIN_CLIENT_FAILURES
every attempt from it is refused without a password check, whatever the name: one guess at each
of many names is slowed as much as many guesses at one. A success does not reset it.

A device that signed in before (a signed cookie naming the account, from its last success) is
exempt from both for that account, up to DEVICE_FAILURES failures of its own: one client
guessing on a school's shared address, or someone hammering the name, cannot keep the real user
out of their own account on their own device (OWASP's "device cookies").

Account names are kept only as keyed hashes (a password typed into the name field must not sit
in the database and its backups).

One clock (`clock`, tests replace it) dates both, so tests need not wait.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
import time

from flask import current_app, request

from ballots.tokens import derive_key

LOGIN_CLIENT_WINDOW = 15 * 60
DEVICE_COOKIE = "pingyi_device"
DEVICE_DAYS = 90
DEVICE_FAILURES = 10
_MAX_CLIENTS = 100_000  # a window's table stays bounded whatever the number of addresses
clock = time.time
_lock = threading.Lock()
_state = {"window": 0, "current": {}, "previous": {}, "devices": {}}


def name_key(secret_key: str, name: str) -> str:
    """The throttle's key for an account name: a keyed hash, never the name itself."""
    return hmac.new(derive_key(secret_key, "login-name/v1"), name.strip().lower().encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _device_signer():
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(current_app.config["SETTINGS"].secret_key, salt="pingyi/device/v1")


def device_cookie(name: str) -> dict:
    """set_cookie's arguments for a device that has just signed in as `name`."""
    import secrets
    value = _device_signer().dumps({"u": name.strip().lower(), "n": secrets.token_urlsafe(12)})
    return {"key": DEVICE_COOKIE, "value": value, "max_age": DEVICE_DAYS * 86400, "httponly": True,
            "samesite": "Lax", "secure": current_app.config["SETTINGS"].session_cookie_secure}


def trusted_device(name: str) -> str | None:
    """The device's nonce when its cookie says it signed in as `name` before and it has not failed
    too often since; else None."""
    from itsdangerous import BadData
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_signer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("u") != name.strip().lower():
        return None
    with _lock:
        return data["n"] if _state["devices"].get(data["n"], 0) < DEVICE_FAILURES else None


def device_failed(nonce: str) -> None:
    with _lock:
        devices = _state["devices"]
        if nonce in devices or len(devices) < _MAX_CLIENTS:
            devices[nonce] = devices.get(nonce, 0) + 1


def _windows() -> tuple[dict, dict]:
    window = int(clock() // LOGIN_CLIENT_WINDOW)
    if window != _state["window"]:
        _state["previous"] = _state["current"] if window == _state["window"] + 1 else {}
        _state["current"], _state["window"] = {}, window
    return _state["current"], _state["previous"]


def recent_failures(key: bytes) -> int:
    """The client's failures of this window and the last; a client the full table cannot count is
    taken as over any budget (filling the table with addresses must not open the door)."""
    with _lock:
        current, previous = _windows()
        if key not in current and key not in previous and len(current) >= _MAX_CLIENTS:
            return 2 ** 31
        return current.get(key, 0) + previous.get(key, 0)


def failed(key: bytes) -> None:
    with _lock:
        current, _ = _windows()
        if key in current or len(current) < _MAX_CLIENTS:
            current[key] = current.get(key, 0) + 1


def account_delay(failures: int, max_failures: int, longest: int) -> int:
    """Seconds a name waits after its failures-th failure in a row (0 before max_failures)."""
    if failures < max_failures:
        return 0
    return min(longest, 2 ** min(failures - max_failures, 30))


def reset() -> None:
    """Forget every client (tests)."""
    with _lock:
        _state.update(window=0, current={}, previous={}, devices={})
