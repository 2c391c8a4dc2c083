"""The paper count over the API: a slip's code in, its form, entries and outcomes out."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.core.fields import CleanString
from service.voting.schemas import FormSectionOut

_CODE = {"description": "the slip's code as typed (28 characters, spaces and dashes allowed), or the URL its QR "
                        "code holds as a USB scanner types it (…/B/<code>)", "example": "0001-K7QM-3XPA-9D2F-ZZ0W-4H8J-TE6C"}
_ANSWERS = {"description": "the marks as read from the paper, in the ballot's answer format (POST /ballots:cast): "
                           "a section whose marks break a rule is counted as 废票 with the reason, not refused; "
                           "a rating or approve row marked twice is the value \"多选\" (that row is 废票); "
                           "{} is a blank sheet (an abstention)"}


class CodeIn(Schema):
    code = CleanString(required=True, validate=validate.Length(min=28, max=400), metadata=_CODE)


class EntryIn(CodeIn):
    answers = fields.Dict(required=True, metadata=_ANSWERS)


class DecisionIn(CodeIn):
    answers = fields.Dict(metadata={**_ANSWERS, "description": "the answers as the supervisor reads the paper "
                                                               "(or `spoiled`)"})
    spoiled = CleanString(validate=validate.Length(min=1, max=200),
                   metadata={"description": "the whole sheet is 废票: the reason (torn, unreadable, signed, …)"})

    @validates_schema
    def _one(self, data, **_kwargs):
        if ("answers" in data) == ("spoiled" in data):
            raise ValidationError("give the answers as read, or the reason the sheet is spoiled: one of the two",
                                  "answers")


class SheetOut(Schema):
    state = CleanString(metadata={"description": "first_entry, second_entry, waiting (you keyed the first entry: "
                                                 "another teller keys the second), disputed, counted, spoiled or "
                                                 "duplicate (the slip was used on a phone: recorded, not counted)"})
    round_id = fields.Integer()
    campaign = CleanString(attribute="campaign.title")
    round = CleanString(attribute="round.title")
    group = CleanString(attribute="group.name")
    sections = fields.List(fields.Nested(FormSectionOut))


class SpoiledSectionOut(Schema):
    section_id = fields.Integer()
    reason = CleanString()


class OutcomeOut(Schema):
    outcome = CleanString(metadata={"description": "first_entry, counted, disputed, spoiled or duplicate"})
    spoiled_sections = fields.List(fields.Nested(SpoiledSectionOut))


class EntryOut(Schema):
    teller = CleanString()
    answers = fields.Dict()


class DisputeOut(Schema):
    campaign = CleanString(attribute="campaign.title")
    round = CleanString(attribute="round.title")
    group = CleanString(attribute="group.name")
    sections = fields.List(fields.Nested(FormSectionOut))
    entries = fields.List(fields.Nested(EntryOut))


class ReasonCountOut(Schema):
    reason = CleanString()
    n = fields.Integer()


class SectionReasonOut(ReasonCountOut):
    section_id = fields.Integer()


class PaperRoundOut(Schema):
    round_id = fields.Integer()
    counted = fields.Integer(metadata={"description": "paper ballots counted"})
    keyed_once = fields.Integer(metadata={"description": "sheets waiting for their second entry"})
    disputed = fields.Integer(metadata={"description": "sheets waiting for a supervisor"})
    duplicates = fields.Integer(metadata={"description": "slips already used on a phone: not counted"})
    spoiled_ballots = fields.List(fields.Nested(ReasonCountOut), metadata={"description": "whole sheets 废票"})
    spoiled_sections = fields.List(fields.Nested(SectionReasonOut), metadata={"description": "sections 废票"})


class PaperSummaryOut(Schema):
    rounds = fields.List(fields.Nested(PaperRoundOut))
