"""The 公示: the proposed honourees, objections and their answers, the final list."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.core.fields import CleanString, StrictBoolean, StrictInteger, Text

# --- 两推三评 sources ----------------------------------------------------------------------


class HonoureeIn(Schema):
    subject_id = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=1))
    name = Text(100, metadata={"description": "for someone who is not a subject (a write-in)"})
    award = Text(100, metadata={"description": "e.g. 优秀共产党员"})

    @validates_schema
    def named(self, data, **_):
        if data.get("subject_id") is None and not data.get("name"):
            raise ValidationError("give a subject_id or a name", "name")


class PublicationIn(Schema):
    honourees = fields.List(fields.Nested(HonoureeIn), required=True, validate=[
        validate.Length(min=1, error="name at least one honouree: a 公示 of nobody cannot be undone"),
        validate.Length(max=500)])
    starts_on = fields.Date(load_default=None, metadata={"description": "default: today (China time); an "
                                                         "earlier day needs backdate_reason"})
    backdate_reason = Text(500, metadata={"description": "why the 公示 began before today (e.g. the list "
                                                          "was posted on paper first); recorded"})
    note = Text(2000)
    issuer = Text(100, metadata={"description": "who issues the 公示 notice (the campaign's body), e.g. 中共某某学院委员会"})
    objection_contact = Text(500, metadata={"description": "how to lodge an objection besides the public page: "
                                                           "an office, a telephone, a mailbox"})


class ObjectionIn(Schema):
    body = Text(2000, required=True, min_len=1)
    contact = Text(100)
    honouree_id = StrictInteger(allow_none=True, load_default=None)


class ConfirmIn(Schema):
    honouree_ids = fields.List(StrictInteger(), required=True, validate=validate.Length(max=500))
    despite_open_objections = StrictBoolean(load_default=False, metadata={
        "description": "confirm although some objections have no answer yet (recorded)"})


def _not_blank(text: str) -> bool:
    from ballots.lifecycle import visible
    if not visible(text):
        raise ValidationError("may not be blank")
    return True


class ObjectionAnswerIn(Schema):
    status = CleanString(required=True, validate=validate.OneOf(["verified", "rejected"]),
                         metadata={"description": "verified: 已核实; rejected: 不成立"})
    reply = CleanString(required=True, validate=[validate.Length(min=1, max=2000), _not_blank])


class HonoureeOut(Schema):
    id = fields.Integer()
    subject_id = fields.Integer(allow_none=True)
    name = CleanString()
    award = CleanString()
    final = fields.Boolean(allow_none=True)


class PublicationOut(Schema):
    starts_on = fields.Date()
    ends_on = fields.Date()
    working_days = fields.Integer()
    note = CleanString()
    issuer = CleanString()
    objection_contact = CleanString()
    published_at = fields.DateTime()
    backdate_reason = CleanString()
    confirmed_at = fields.DateTime(allow_none=True)
    status = CleanString(metadata={"description": "not_started, open, ended, confirmed or archived"})
    status_label = CleanString()
    open = fields.Boolean()
    ended = fields.Boolean()
    objections = fields.Integer()
    open_objections = fields.Integer(metadata={"description": "objections not yet answered"})
    honourees = fields.List(fields.Nested(HonoureeOut))


class ObjectionOut(Schema):
    id = fields.Integer()
    honouree_id = fields.Integer(allow_none=True)
    honouree = CleanString(allow_none=True)
    body = CleanString()
    contact = CleanString()
    received_at = fields.DateTime()
    status = CleanString(metadata={"description": "open, verified (已核实) or rejected (不成立)"})
    reply = CleanString()
    handled_by = CleanString(allow_none=True)
    handled_at = fields.DateTime(allow_none=True)
