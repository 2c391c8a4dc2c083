"""An API key on a request: known, not revoked, not expired, within its requests a minute.

Every request reads the key's row, so a revocation or an expiry holds from the very next request
(nothing is cached). The rate limit is a fixed window counted in the database (one row per key
and minute), so it holds across processes and workers. The last-used date is a date only, and
written only when it changes, so a key's reads do not each write its row.
"""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from service.accounts import queries as q
from service.accounts.errors import ApiKeyExpired, ApiKeyRateLimited, ApiKeyRevoked
from service.core.errors import Unauthorized

clock = time.time  # tests replace it: expiry, windows and dates are checked without waiting
WINDOW_SECONDS = 60
_ZONE = ZoneInfo("Asia/Shanghai")  # the date the pages show a key was last used on


def state(row, now: float) -> str:
    """active, expired or revoked: the one place this is decided, for a request (check_key) and
    for the pages, the API's list and the CLI (with this module's clock), so a key is shown
    expired exactly from the second its requests are refused."""
    if row["revoked_at"] is not None:
        return "revoked"
    return "expired" if row["expires_at"].timestamp() <= now else "active"


def with_state(row) -> dict:
    return {**row, "state": state(row, clock())}


def check_key(cur, key_hash: str):
    """The key's row, once this request is counted against it; else the refusal that says why."""
    now = clock()
    row = q.get_api_key_by_hash(cur, key_hash)
    if row is None:
        raise Unauthorized("unknown API key")
    refused = {"revoked": ApiKeyRevoked, "expired": ApiKeyExpired}.get(state(row, now))
    if refused:
        raise refused()
    minute = int(now // WINDOW_SECONDS)
    if q.count_api_key_request(cur, row["id"], minute) > row["rate_per_minute"]:
        raise ApiKeyRateLimited(row["rate_per_minute"], max(1, (minute + 1) * WINDOW_SECONDS - int(now)))
    today = datetime.fromtimestamp(now, _ZONE).date()
    if row["last_used_on"] != today:
        q.touch_api_key(cur, row["id"], today)
    return row
