"""Issuance (batches, voiding, hand-outs) and voting (the ballot form, casting, receipts)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.core.fields import CleanString, StrictInteger, Text


# --- issuance ---------------------------------------------------------------------------

MAX_BATCH = 20000
BATCH_FORMATS = ["slips-2x4", "slips-3x6", "paper", "png", "svg"]


class BatchIn(Schema):
    round_id = StrictInteger(required=True, validate=validate.Range(min=1))
    group_id = StrictInteger(required=True, validate=validate.Range(min=1))
    size = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_BATCH))
    label = Text(100, metadata={"description": "the meeting, e.g. 教师大会 11 月 28 日"})
    layout = CleanString(load_default="slips-2x4", validate=validate.OneOf(BATCH_FORMATS), metadata={
        "description": "slips-2x4 / slips-3x6: A4 sheets of cut-out slips; paper: a full paper ballot per "
                       "token; png / svg: one ballot's QR code as an image (size must be 1)"})

    @validates_schema
    def images_are_single(self, data, **_):
        if data.get("layout") in ("png", "svg") and data.get("size") != 1:
            raise ValidationError("png and svg hold one ballot: size must be 1", "size")


class VoidCodeIn(Schema):
    code = CleanString(required=True, validate=validate.Length(min=1, max=100))


class HandoutIn(Schema):
    voter_ref = CleanString(required=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "the portal's opaque, stable id of its signed-in user; stored only as a keyed hash"})
    group_id = StrictInteger(required=True, validate=validate.Range(min=1))


class HandoutOut(Schema):
    url = CleanString()
    code = CleanString(metadata={"description": "the typable form of the ballot code"})


class BatchOut(Schema):
    id = fields.Integer()
    round_id = fields.Integer()
    group_id = fields.Integer()
    label = CleanString()
    kind = CleanString(metadata={"description": "print or handout"})
    layout = CleanString(allow_none=True)
    size = fields.Integer(metadata={"description": "tokens minted (for hand-out batches: the pool)"})
    issued = fields.Integer(metadata={"description": "ballots in voters' hands: printed, or handed out"})
    withdrawn = fields.Integer(metadata={"description": "hand-out tokens withdrawn from the pool by a void"})
    printed = fields.Integer(metadata={"description": "slips written to the PDF so far"})
    unused = fields.Integer()
    voided = fields.Integer()
    cast = fields.Integer(metadata={"description": "issued − unused − voided (of the issued)"})
    pooled = fields.Integer(metadata={"description": "hand-out tokens not yet handed out"})
    created_by = CleanString()
    created_at = fields.DateTime()
    voided_at = fields.DateTime(allow_none=True)


class VoidCodeOut(Schema):
    batch_id = fields.Integer()
    voided = fields.Boolean()


# --- voting -----------------------------------------------------------------------------

# What the code parser takes, as a pattern (ECMA-262 and Python alike; "$(?!\n)" ends the text in
# both): the 28 characters of the code in either case, I/L for 1 and O for 0, full-width forms,
# with spaces and dashes anywhere (ballots/tokens.py). Outside it: 422; inside it but not a code
# of this service: 404 invalid_ballot.
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
