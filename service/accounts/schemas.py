"""Users and API keys."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.accounts.auth import ROLES
from service.core.fields import CleanString, StrictBoolean, StrictInteger, Text

# --- accounts ---------------------------------------------------------------------------

class UserIn(Schema):
    username = CleanString(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}$(?!\n)"))
    password = CleanString(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    role = CleanString(required=True, validate=validate.OneOf(list(ROLES)))
    display_name = Text(50)


class UserPatch(Schema):
    password = CleanString(load_only=True, validate=validate.Length(min=10, max=200))
    role = CleanString(validate=validate.OneOf(list(ROLES)))
    display_name = CleanString(validate=validate.Length(max=50))
    disabled = StrictBoolean()


KEY_DAYS_DEFAULT, KEY_DAYS_MAX, KEY_RATE_DEFAULT, KEY_RATE_MAX = 90, 730, 600, 10000


class ApiKeyIn(Schema):
    name = Text(100, required=True, min_len=1)
    scopes = fields.List(
        CleanString(validate=validate.OneOf(["results", "turnout", "handout", "audit", "organise", "admin"])),
        required=True, validate=validate.Length(min=1, max=6))
    days = StrictInteger(load_default=KEY_DAYS_DEFAULT, validate=validate.Range(min=1, max=KEY_DAYS_MAX),
                          metadata={"description": "days until the key expires"})
    rate_per_minute = StrictInteger(load_default=KEY_RATE_DEFAULT, validate=validate.Range(min=1, max=KEY_RATE_MAX),
                                     metadata={"description": "requests a minute the key may make"})


class UserOut(Schema):
    id = fields.Integer()
    username = CleanString()
    display_name = CleanString()
    role = CleanString()
    disabled = fields.Boolean()
    created_at = fields.DateTime()


class ApiKeyOut(Schema):
    id = fields.Integer()
    name = CleanString()
    prefix = CleanString()
    scopes = fields.List(CleanString())
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime()
    last_used_on = fields.Date(allow_none=True, metadata={"description": "the day (China time) it was last used"})
    rate_per_minute = fields.Integer()
    state = CleanString(metadata={"description": "active, expired or revoked"})
    key = CleanString(metadata={"description": "the key itself: present only in the creation response"})


class MeOut(Schema):
    kind = CleanString(required=True, metadata={"description": "`user` (a web session) or `key` (an API key)"})
    name = CleanString(required=True)
    role = CleanString(required=True, allow_none=True, metadata={"description": "a user's role; null for a key"})
    permissions = fields.List(CleanString(), required=True,
                              metadata={"description": "the scopes this caller holds (docs/api.md, Scopes)"})
