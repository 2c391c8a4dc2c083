"""Failed ballot-code lookups, limited per client in this process's memory only.

Only codes that fail their MAC count, and only they are ever refused: a code with a valid MAC
cannot be a guess (80 random bits behind it), so it always goes through. A meeting hall shares
one address on its Wi-Fi; one voter mistyping over and over must not lock the others out.

Addresses are never written anywhere: the key is a keyed hash of the client address, kept
for the current minute and forgotten with it. Each worker counts on its own, so the limit a
client meets is at most (workers × limit) a minute — enough to make guessing codes hopeless
on top of the 40-bit MAC.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
import time

from flask import current_app, request

from .errors import TooManyRequests

LIMIT_PER_MINUTE = 30
_lock = threading.Lock()
_window = {"minute": 0, "counts": {}}


def _client_key() -> bytes:
    secret = current_app.config["SETTINGS"].secret_key.encode()
    return hmac.digest(secret, (request.remote_addr or "").encode(), hashlib.sha256)[:12]


def _counts() -> dict:
    minute = int(time.time() // 60)
    if _window["minute"] != minute:
        _window["minute"], _window["counts"] = minute, {}
    return _window["counts"]


def failed() -> None:
    """Count a code that failed its MAC; TooManyRequests once the client is over the limit."""
    key = _client_key()
    with _lock:
        counts = _counts()
        if counts.get(key, 0) >= LIMIT_PER_MINUTE:
            raise TooManyRequests("too many invalid ballot codes from this client; wait a minute")
        counts[key] = counts.get(key, 0) + 1


def reset() -> None:
    """Forget every count (tests)."""
    with _lock:
        _window["minute"], _window["counts"] = 0, {}
