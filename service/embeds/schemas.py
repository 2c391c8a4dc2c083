"""The allowlist form's fields."""
from __future__ import annotations

from marshmallow import Schema

from service.core.fields import Text


class OriginIn(Schema):
    origin = Text(300, required=True, min_len=1)
    note = Text(200)
