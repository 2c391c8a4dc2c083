"""Voting: a ballot code in, the ballot form and the receipt out."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.core.fields import CleanString

# --- issuance ---------------------------------------------------------------------------


TOKEN_PATTERN = (r"^[0-9A-TV-Za-tv-z\uff10-\uff19\uff21-\uff34\uff36-\uff3a\uff41-\uff54\uff56-\uff5a"
                 r" \u3000\-\u2010-\u2015\uff0d]{28,84}$(?!\n)")


class TokenIn(Schema):
    token = CleanString(required=True, validate=[
        validate.Length(min=28, max=84),
        validate.Regexp(TOKEN_PATTERN, error="not a ballot code: 28 letters and digits, spaces and dashes allowed")],
        metadata={"description": "the ballot code, as scanned or typed: 28 characters of 0-9 and A-Z without U, "
                                 "in either case, I and L read as 1, O as 0, full-width forms, spaces and dashes "
                                 "anywhere", "example": "0001-K7QM-3XPA-9D2F-ZZ0W-4H8J-TE6C"})


class CastIn(TokenIn):
    answers = fields.Dict(required=True, metadata={"description": (
        "keyed by section id: rating/approve {row: option label}, choose {chosen: [subject ids], "
        "write_ins: [names]}, score {row: number}, text: string; a row is '<subject id>' or "
        "'<subject id>:<criterion index>'")})


class ReceiptOut(Schema):
    tracker = CleanString(metadata={"description": "the receipt code: the first 80 bits of the ballot's hash"})
    board_url = CleanString()


class FormRowOut(Schema):
    key = CleanString()
    subject_id = fields.Integer()
    name = CleanString()
    unit = CleanString()
    commitment = CleanString()
    criterion = CleanString()


class FormSectionOut(Schema):
    id = fields.Integer()
    type = CleanString()
    title = CleanString()
    config = fields.Dict()
    options = fields.List(CleanString())
    rows = fields.List(fields.Nested(FormRowOut))


class BallotFormOut(Schema):
    campaign = CleanString(attribute="campaign.title")
    round = CleanString(attribute="round.title")
    group = CleanString(attribute="group.name")
    criteria = CleanString(attribute="group.criteria")
    sections = fields.List(fields.Nested(FormSectionOut))
