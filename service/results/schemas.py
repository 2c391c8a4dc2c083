"""两推三评 source scores and the 公示 publication."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.core.fields import CleanString, StrictFloat, StrictInteger, Text

# --- 两推三评 sources ----------------------------------------------------------------------

class SourceScoreIn(Schema):
    subject_id = StrictInteger(required=True, validate=validate.Range(min=1))
    source = CleanString(required=True, validate=validate.OneOf(["organisation", "leaders"]))
    score = StrictFloat(required=True, validate=validate.Range(min=0, max=100))
    comment = Text(2000, metadata={"description": "领导点评: the leader's comment"})


class SourceScoreOut(Schema):
    subject_id = fields.Integer()
    source = CleanString()
    entered_by = CleanString()
    score = fields.Float()
    comment = CleanString()
    entered_at = fields.DateTime()


# --- publication (公示) -------------------------------------------------------------------

















