"""Issuance (batches, voiding, hand-outs) and voting (the ballot form, casting, receipts)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.core.fields import CleanString, StrictBoolean, StrictInteger, Text

# --- issuance ---------------------------------------------------------------------------

MAX_BATCH = 20000
BATCH_FORMATS = ["slips-2x4", "slips-3x6", "paper", "png", "svg", "csv"]


class BatchIn(Schema):
    round_id = StrictInteger(required=True, validate=validate.Range(min=1))
    group_id = StrictInteger(required=True, validate=validate.Range(min=1))
    size = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_BATCH))
    label = Text(100, metadata={"description": "the meeting, e.g. 教师大会 11 月 28 日"})
    layout = CleanString(load_default="slips-2x4", validate=validate.OneOf(BATCH_FORMATS), metadata={
        "description": "slips-2x4 / slips-3x6: A4 sheets of cut-out slips; paper: a full paper ballot per "
                       "token; png / svg: one ballot's QR code as an image (size must be 1); csv: no PDF, the "
                       "codes for a print shop's mail merge (one row a slip; needs understood)"})
    understood = StrictBoolean(load_default=False, metadata={
        "description": "csv only: the sender understands that every row is a live ballot, that the file is kept "
                       "like printed slips and deleted after printing, and that it cannot be downloaded again"})

    also_round_ids = fields.List(StrictInteger(validate=validate.Range(min=1)), load_default=list,
                                 validate=validate.Length(max=9), metadata={
        "description": "further rounds of the campaign the same slips cover (a meeting that votes in two "
                       "rounds at once: one scan opens them one after the other, each cast on its own); "
                       "not for paper ballots; a csv row is a slip, its 轮次 naming them all"})

    @validates_schema
    def rounds_are_distinct(self, data, **_):
        also = data.get("also_round_ids") or []
        if len(set(also)) != len(also):
            raise ValidationError("each round once", "also_round_ids")

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
    printed = fields.Integer(metadata={"description": "slips written to the PDF (or rows to the CSV) so far"})
    unused = fields.Integer()
    voided = fields.Integer()
    cast = fields.Integer(metadata={"description": "issued − unused − voided (of the issued)"})
    pooled = fields.Integer(metadata={"description": "hand-out tokens not yet handed out"})
    created_by = CleanString()
    created_at = fields.DateTime()
    voided_at = fields.DateTime(allow_none=True)
    joint_of = fields.Integer(allow_none=True, metadata={
        "description": "the batch whose slips these are too (one slip, several rounds), or null"})


class VoidCodeOut(Schema):
    batch_id = fields.Integer()
    voided = fields.Boolean()


# --- voting -----------------------------------------------------------------------------

# What the code parser takes, as a pattern (ECMA-262 and Python alike; "$(?!\n)" ends the text in
# both): the 28 characters of the code in either case, I/L for 1 and O for 0, full-width forms,
# with spaces and dashes anywhere (ballots/tokens.py). Outside it: 422; inside it but not a code
# of this service: 404 invalid_ballot.












