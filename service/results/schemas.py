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



















# --- turnout, results, comments, composite (documented: the payloads are built in operations) ---

_N = {"required": True}
_NULLABLE = {"required": True, "allow_none": True}


class TurnoutGroupOut(Schema):
    id = fields.Integer(**_N)
    name = CleanString(**_N)
    issued = fields.Integer(**_N, metadata={"description": "ballots issued (发出)"})
    cast = fields.Integer(**_N, metadata={"description": "ballots received (收回), sealed or mixed"})
    remaining = fields.Integer(**_N)
    eligible = fields.Integer(**_NULLABLE, metadata={"description": "应参评人数 (应到), when the group records it"})
    rate = fields.Float(**_NULLABLE, metadata={"description": "收回率: cast / issued (4 decimals); null when none "
                                                              "was issued"})


class TurnoutRoundOut(Schema):
    id = fields.Integer(**_N)
    title = CleanString(**_N)
    issued = fields.Integer(**_N)
    cast = fields.Integer(**_N)
    eligible = fields.Integer(**_NULLABLE, metadata={"description": "the groups' 应参评人数 added up, over the "
                                                                    "groups that record it; null when none does"})
    rate = fields.Float(**_NULLABLE, metadata={"description": "收回率 of the round"})
    groups = fields.List(fields.Nested(TurnoutGroupOut), **_N)


class TurnoutOut(Schema):
    campaign_id = fields.Integer(**_N)
    title = CleanString(**_N)
    state = CleanString(**_N)
    rounds = fields.List(fields.Nested(TurnoutRoundOut), **_N)


class ResultGroupOut(Schema):
    id = fields.Integer(**_N)
    name = CleanString(**_N)
    weight = fields.Float(**_N)
    ballots = fields.Integer(**_N)
    issued = fields.Integer(**_N)
    eligible = fields.Integer(**_NULLABLE)
    suppressed = fields.Boolean(**_N, metadata={"description": "fewer ballots than small_group_k: its figures "
                                                               "are withheld from every per-group table"})


class PaperCountOut(Schema):
    online = fields.Integer(**_N, metadata={"description": "ballots cast on phones (or over the API)"})
    paper = fields.Integer(**_N, metadata={"description": "paper ballots counted (keyed by two tellers, docs/paper.md)"})
    total = fields.Integer(**_N)
    spoiled_ballots = fields.List(fields.Dict(), **_N, metadata={"description": "whole paper sheets 废票: "
                                                                               "[{reason, n}], not counted"})
    spoiled_sections = fields.List(fields.Dict(), **_N, metadata={"description": "paper sections 废票 (the rest of "
                                                                                 "the sheet counted): [{section_id, reason, n}]"})
    duplicates = fields.Integer(**_N, metadata={"description": "paper slips already used on a phone: not counted"})


class RoundResultsOut(Schema):
    campaign_id = fields.Integer(**_N)
    round_id = fields.Integer(**_N)
    round = CleanString(**_N)
    kind = CleanString(**_N)
    state = CleanString(**_N)
    rules = fields.Dict(**_N, metadata={"description": "the campaign's rules the tally applied (docs/rules.md)"})
    unopened = fields.Integer(**_N, metadata={"description": "sealed ballots not yet mixed (0 once closed)"})
    ballots = fields.Integer(**_N)
    by_source = fields.Nested(PaperCountOut, **_N, metadata={"description": "the ballots counted, online and paper "
                                                                            "apart, and the paper count's 废票 and duplicates"})
    void = fields.Boolean(**_N, metadata={"description": "the quorum was not met: the round's result is void"})
    quorum = fields.Dict(**_N, metadata={"description": "rule, base_value, required, required_ballots, cast, met"})
    groups = fields.List(fields.Nested(ResultGroupOut), **_N)
    sections = fields.List(fields.Dict(), **_N, metadata={"description": (
        "per section, by type: rating/approve {options, rank_by, rows: [{key, subject_id, name, criterion, counts, "
        "valid, rate, mean, rank, passed, groups}]}, choose {candidates, quota, seats_open, majority}, score "
        "{rows, trim_above}, text {} (the comments endpoint has them); each with id, type, title, withheld")})


class CommentSectionOut(Schema):
    id = fields.Integer(**_N)
    title = CleanString(**_N)
    count = fields.Integer(**_N)
    withheld = fields.Boolean(**_N, metadata={"description": "too few ballots answered it: only the count is shown"})
    comments = fields.List(CleanString(), **_N, metadata={"description": "sorted by their text"})


class CommentsOut(Schema):
    campaign_id = fields.Integer(**_N)
    round_id = fields.Integer(**_N)
    round = CleanString(**_N)
    sections = fields.List(fields.Nested(CommentSectionOut), **_N)


class CompositeSubjectOut(Schema):
    subject_id = fields.Integer(**_N)
    name = CleanString(**_N)
    total = fields.Float(**_NULLABLE, metadata={"description": "null while a weighted source is missing"})
    rank = fields.Integer(**_NULLABLE)
    missing = fields.List(CleanString(), **_N)
    ballots = fields.Float(**_NULLABLE)
    organisation = fields.Float(**_NULLABLE)
    leaders = fields.Float(**_NULLABLE)


class CompositeOut(Schema):
    weights = fields.Dict(**_NULLABLE, metadata={"description": "the campaign's source weights, if it sets them"})
    subjects = fields.List(fields.Nested(CompositeSubjectOut), **_N)
