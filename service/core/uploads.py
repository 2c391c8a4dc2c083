"""Reading an uploaded file whole, within its limit (subject lists, holiday schedules)."""
from __future__ import annotations

from service.core.errors import PayloadTooLarge


def read_upload(upload, limit: int) -> bytes:
    """The whole uploaded file, or PayloadTooLarge: never a silently shortened file."""
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(details={"limit_bytes": limit})
    return data
