"""Strict marshmallow fields: "5" is not 5, "true" is not true, and no control characters."""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

_CONTROL_CHARS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# The same rule as a pattern that reads alike in ECMA-262 (OpenAPI's) and Python, so the OpenAPI
# document states what a 422 is for; a field with a pattern of its own states that one instead.
CONTROL_FREE = f"^[^{_CONTROL_CHARS}]*$"


class CleanString(fields.String):
    """Text without NUL or other control characters (tab and line breaks are fine):
    PostgreSQL cannot store NUL, and the rest only ever hides something."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not any(isinstance(v, validate.Regexp) for v in self.validators):
            self.metadata.setdefault("pattern", CONTROL_FREE)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise ValidationError("Control characters and lone surrogates are not allowed.")
        return text


class StrictInteger(fields.Integer):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictFloat(fields.Float):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("Not a valid number.")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value


def Text(max_len, required=False, min_len=0, **kw):  # noqa: N802 - a field factory
    if not required:
        kw.setdefault("load_default", "")
    return CleanString(required=required, validate=validate.Length(min=min_len, max=max_len), **kw)


Share = lambda **kw: StrictFloat(validate=validate.Range(min=0, max=1), **kw)  # noqa: E731
Ids = lambda **kw: fields.List(StrictInteger(validate=validate.Range(min=1)),  # noqa: E731
                               validate=validate.Length(max=1000), allow_none=True, **kw)
