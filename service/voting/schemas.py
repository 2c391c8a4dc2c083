"""Voting: a ballot code in, the ballot form and the receipt out."""
from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

from ballots import forms
from service.core.fields import CONTROL_FREE, CleanString

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
    ballot_id = CleanString(validate=validate.Regexp(forms.BALLOT_ID_PATTERN, error="not a random UUID (version 4, lower case)"),
                            metadata={"description": (
        "optional: the ballot's random id, drawn by the client (a version 4 UUID in lower case) so that it "
        "knows its receipt code before sending: the first 80 bits of SHA-256 of the canonical ballot "
        "{answers, group_id, id, round_id} (docs/voting.md). Omitted, the server draws it. Draw it at random: "
        "a ballot id chosen by anyone else is no longer secret, and two ballots with one id and one content "
        "share one receipt code (both are counted)"),
        "example": "3f0c9a52-8a4e-4b51-9d62-7c1f2e4a9b10"})


_TOKEN = re.compile(TOKEN_PATTERN)
_BALLOT_ID = re.compile(forms.BALLOT_ID_PATTERN)
_CLEAN = re.compile(CONTROL_FREE)
_CAST_FIELDS = frozenset(("token", "answers", "ballot_id"))


def _clean(value, pattern) -> bool:
    return isinstance(value, str) and pattern.match(value) is not None and _CLEAN.match(value) is not None


def fast_cast_in(data: dict) -> dict | None:
    """What CastIn().load(data) returns, for a body it would accept, without marshmallow's
    machinery (a third of a cast's Python, measured); None for anything else, which the schema
    then loads to say what is wrong. tests/test_voting_schemas.py holds the two equal."""
    if not _CAST_FIELDS.issuperset(data):
        return None
    token, answers = data.get("token"), data.get("answers")
    if not (_clean(token, _TOKEN) and isinstance(answers, dict)):
        return None
    out = {"token": token, "answers": dict(answers)}
    if "ballot_id" in data:
        if not _clean(data["ballot_id"], _BALLOT_ID):
            return None
        out["ballot_id"] = data["ballot_id"]
    return out


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
