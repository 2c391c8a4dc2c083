"""Per-client limits kept in this process's memory only: failed ballot-code lookups, and the
objections the public 公示 page takes.

Only codes that fail their MAC count, and only they are ever refused: a code with a valid MAC
cannot be a guess (80 random bits behind it), so it always goes through. A meeting hall shares
one address on its Wi-Fi; one voter mistyping over and over must not lock the others out.

Addresses are never written anywhere: the key is a keyed hash of the client address (an IPv6
client by its /64, client_key, which sign-in throttling uses too), kept for the current window and
forgotten with it. Each worker counts on its own, so the limit a client meets is at most
(workers × limit) a window — enough to make guessing codes hopeless on top of the 40-bit MAC,
and a flood of objections a trickle.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time

from flask import current_app, request

from ballots.tokens import derive_key
from service.core.errors import TooManyRequests

LIMIT_PER_MINUTE = 30          # failed ballot codes a minute
OBJECTIONS_PER_WINDOW = 5      # objections lodged from one client …
OBJECTION_WINDOW = 10 * 60     # … in ten minutes
_MAX_CLIENTS = 100_000
_lock = threading.Lock()
_windows: dict = {}


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


def _count(purpose: str, limit: int, seconds: int, message: str) -> None:
    key = client_key()
    now = int(time.time() // seconds)
    with _lock:
        window = _windows.get(purpose)
        if window is None or window[0] != now:
            window = _windows[purpose] = (now, {})
        counts = window[1]
        if counts.get(key, 0) >= limit or (key not in counts and len(counts) >= _MAX_CLIENTS):
            raise TooManyRequests(message)
        counts[key] = counts.get(key, 0) + 1


def failed() -> None:
    """Count a code that failed its MAC; TooManyRequests once the client is over the limit."""
    _count("codes", LIMIT_PER_MINUTE, 60, "too many invalid ballot codes from this client; wait a minute")


def objection() -> None:
    """Count an objection about to be lodged; TooManyRequests past a handful in ten minutes."""
    _count("objections", OBJECTIONS_PER_WINDOW, OBJECTION_WINDOW,
           "too many objections from this client; try again in a few minutes")


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _windows.clear()
