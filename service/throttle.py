"""Sign-in throttling that cannot lock the right person out.

Per account (table login_throttle, by account name, never by address): from the
LOGIN_MAX_FAILURES-th failure in a row, each failure delays the name twice as long as the one
before (1 s, 2 s, 4 s, … up to LOGIN_LOCKOUT_SECONDS). While the name is delayed, an attempt from
a client that has failed recently is refused without its password being checked; a client with
no recent failure still has its password checked, so the real user signs in while someone else
hammers the name. A success clears the name's count.

Per client (this process's memory only, like service/ratelimit.py): the failed sign-ins of each
client in the current and the previous LOGIN_CLIENT_WINDOW, under a keyed hash of its address
(an IPv6 client by its /64, what one subscriber holds), never stored. After LOGIN_CLIENT_FAILURES
every attempt from it is refused without a password check, whatever the name: one guess at each
of many names is slowed as much as many guesses at one. A success does not reset it.

One clock (`clock`, tests replace it) dates both, so tests need not wait.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time

from flask import current_app, request

from ballots.tokens import derive_key

LOGIN_CLIENT_WINDOW = 15 * 60
_MAX_CLIENTS = 100_000  # a window's table stays bounded whatever the number of addresses
clock = time.time
_lock = threading.Lock()
_state = {"window": 0, "current": {}, "previous": {}}


def client_key() -> bytes:
    """The caller's address as a keyed hash (the address itself is kept nowhere)."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped is None:
            address = str(ipaddress.IPv6Network((ip, 64), strict=False))
    except ValueError:
        pass
    secret = derive_key(current_app.config["SETTINGS"].secret_key, "login-client/v1")
    return hmac.digest(secret, address.encode(), hashlib.sha256)[:12]


def _windows() -> tuple[dict, dict]:
    window = int(clock() // LOGIN_CLIENT_WINDOW)
    if window != _state["window"]:
        _state["previous"] = _state["current"] if window == _state["window"] + 1 else {}
        _state["current"], _state["window"] = {}, window
    return _state["current"], _state["previous"]


def recent_failures(key: bytes) -> int:
    with _lock:
        current, previous = _windows()
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
        _state.update(window=0, current={}, previous={})
