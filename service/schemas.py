"""marshmallow schemas: input (unknown fields raise) and output, shared by API and pages.

Numbers and booleans are strict: "5" is not 5 and "true" is not true.
"""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ballots.sections import (DEFAULT_RULES, MAJORITY_BASES, MAJORITY_THRESHOLDS, QUORUM_BASES,
                              SCALES, SECTION_TYPES, WEIGHT_BASES)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class CleanString(fields.String):
    """Text without NUL or other control characters (tab and line breaks are fine):
    PostgreSQL cannot store NUL, and the rest only ever hides something."""

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


# --- campaign rules ---------------------------------------------------------------------

class QuorumSchema(Schema):
    share = Share(required=True)
    base = CleanString(required=True, validate=validate.OneOf(list(QUORUM_BASES)))


class MajoritySchema(Schema):
    threshold = CleanString(required=True, validate=validate.OneOf(list(MAJORITY_THRESHOLDS)))
    base = CleanString(required=True, validate=validate.OneOf(list(MAJORITY_BASES)))


class SourceWeights(Schema):
    ballots = StrictFloat(required=True, validate=validate.Range(min=0, max=1000))
    organisation = StrictFloat(required=True, validate=validate.Range(min=0, max=1000))
    leaders = StrictFloat(required=True, validate=validate.Range(min=0, max=1000))


class RulesSchema(Schema):
    """Campaign-wide rules; fields left out take the defaults of DOMAIN.md."""
    weight_base = CleanString(validate=validate.OneOf(list(WEIGHT_BASES)))
    quorum = fields.Nested(QuorumSchema, allow_none=True)
    majority = fields.Nested(MajoritySchema)
    pass_line = Share()
    laggard_share = Share()
    small_group_k = StrictInteger(validate=validate.Range(min=1, max=1000))
    publicity_days = StrictInteger(validate=validate.Range(min=1, max=60))
    sources = fields.Nested(SourceWeights, metadata={"description": "两推三评 weights: ballots, organisation, leaders"})
    sources_trim_above = StrictInteger(allow_none=True, validate=validate.Range(min=2, max=1000), metadata={
        "description": "with more organisation or leader entries than this for a subject, drop the highest "
                       "and the lowest before averaging (null: never)"})

    @post_load
    def fill_defaults(self, data, **_):
        return {**DEFAULT_RULES, **data}


# --- campaign and its parts -------------------------------------------------------------

class CampaignIn(Schema):
    title = Text(200, required=True, min_len=1)
    description = Text(5000)
    rules = fields.Nested(RulesSchema, load_default=lambda: dict(DEFAULT_RULES))


class CampaignPatch(Schema):
    """Only the fields sent change; `rules`, when sent, replaces the rules whole."""
    title = CleanString(validate=validate.Length(min=1, max=200))
    description = CleanString(validate=validate.Length(max=5000))
    rules = fields.Nested(RulesSchema)


class GroupIn(Schema):
    name = Text(50, required=True, min_len=1)
    weight = StrictFloat(required=True, validate=validate.Range(min=0, max=1000))
    criteria = Text(2000, metadata={"description": "this group's criteria, e.g. 比教学看师德、比科研看成果"})
    eligible = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=0, max=10_000_000))
    position = StrictInteger(load_default=0, validate=validate.Range(min=0, max=100000))


class SubjectIn(Schema):
    name = Text(100, required=True, min_len=1)
    kind = CleanString(required=True, validate=validate.OneOf(["organisation", "person"]))
    category = Text(50)
    unit = Text(100)
    commitment = Text(2000, metadata={"description": "public commitment (公开承诺) shown on the ballot"})
    position = StrictInteger(load_default=0, validate=validate.Range(min=0, max=100000))


class RoundIn(Schema):
    title = Text(100, required=True, min_len=1)
    kind = CleanString(required=True, validate=validate.OneOf(["evaluation", "recommendation"]))
    position = StrictInteger(load_default=0, validate=validate.Range(min=0, max=1000))


# --- section configurations, one per type ------------------------------------------------

class ScaleOption(Schema):
    label = Text(20, required=True, min_len=1)
    points = StrictFloat(allow_none=True, required=True, validate=validate.Range(min=0, max=1000))
    favourable = StrictBoolean(allow_none=True, load_default=None)


class OptionCap(Schema):
    option = Text(20, required=True, min_len=1)
    max_share = Share(required=True)


class RatingConfig(Schema):
    scale = CleanString(load_default="satisfaction", validate=validate.OneOf(list(SCALES)))
    options = fields.List(fields.Nested(ScaleOption), validate=validate.Length(min=2, max=10))
    criteria = fields.List(Text(50, min_len=1), load_default=list, validate=validate.Length(max=20))
    caps = fields.List(fields.Nested(OptionCap), load_default=list, validate=validate.Length(max=10))
    category = Text(50)

    @validates_schema
    def caps_name_options(self, data, **_):
        labels = {o["label"] for o in data.get("options") or SCALES[data.get("scale", "satisfaction")]}
        for cap in data.get("caps", []):
            if cap["option"] not in labels:
                raise ValidationError(f"cap names an option not on the scale: {cap['option']}", "caps")


class ChooseConfig(Schema):
    max_choices = StrictInteger(required=True, validate=validate.Range(min=1, max=500))
    quota = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=1, max=500),
                          metadata={"description": "名额: how many are recommended; defaults to max_choices"})
    write_ins = StrictBoolean(load_default=False)
    category = Text(50)


class ApproveConfig(Schema):
    category = Text(50)


class ScoreCap(Schema):
    at_least = StrictFloat(required=True)
    max_count = StrictInteger(required=True, validate=validate.Range(min=0))


class ScoreFloor(Schema):
    below = StrictFloat(required=True)
    min_count = StrictInteger(required=True, validate=validate.Range(min=0))


class ScoreConfig(Schema):
    min = StrictFloat(load_default=0)
    max = StrictFloat(load_default=100)
    criteria = fields.List(Text(50, min_len=1), load_default=list, validate=validate.Length(max=20))
    caps = fields.List(fields.Nested(ScoreCap), load_default=list, validate=validate.Length(max=10))
    floors = fields.List(fields.Nested(ScoreFloor), load_default=list, validate=validate.Length(max=10))
    identical_invalid = StrictBoolean(load_default=False)
    trim_above = StrictInteger(allow_none=True, load_default=5, validate=validate.Range(min=2),
                               metadata={"description": "drop the highest and lowest score when raters exceed this"})
    category = Text(50)

    @validates_schema
    def range_is_ordered(self, data, **_):
        if data.get("min", 0) >= data.get("max", 100):
            raise ValidationError("min must be below max", "max")


class TextConfig(Schema):
    max_length = StrictInteger(load_default=500, validate=validate.Range(min=1, max=5000))


SECTION_CONFIGS = {"rating": RatingConfig, "choose": ChooseConfig, "approve": ApproveConfig,
                   "score": ScoreConfig, "text": TextConfig}


class SectionIn(Schema):
    round_id = StrictInteger(required=True, validate=validate.Range(min=1))
    type = CleanString(required=True, validate=validate.OneOf(list(SECTION_TYPES)))
    title = Text(200, required=True, min_len=1)
    config = fields.Dict(load_default=dict, metadata={
        "description": "depends on type: see RatingConfig, ChooseConfig, ApproveConfig, ScoreConfig, TextConfig"})
    subject_ids = Ids(load_default=None)
    group_ids = Ids(load_default=None)
    position = StrictInteger(load_default=0, validate=validate.Range(min=0, max=1000))

    @post_load
    def load_config(self, data, **_):
        for column in ("subject_ids", "group_ids"):
            if data.get(column) == []:
                data[column] = None  # an empty list means "all", like leaving it out
        try:
            data["config"] = SECTION_CONFIGS[data["type"]]().load(data["config"])
        except ValidationError as exc:
            raise ValidationError({"config": exc.messages}) from None
        if data["type"] == "choose" and data["config"]["quota"] is None:
            data["config"]["quota"] = data["config"]["max_choices"]
        return data


class TransitionIn(Schema):
    to = CleanString(required=True, validate=validate.OneOf(
        ["announced", "open", "closed", "published", "archived"]))


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

class TokenIn(Schema):
    token = CleanString(required=True, validate=validate.Length(min=1, max=100),
                        metadata={"description": "the ballot code, as scanned or typed"})


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

class HonoureeIn(Schema):
    subject_id = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=1))
    name = Text(100, metadata={"description": "for someone who is not a subject (a write-in)"})
    award = Text(100, metadata={"description": "e.g. 优秀共产党员"})

    @validates_schema
    def named(self, data, **_):
        if data.get("subject_id") is None and not data.get("name"):
            raise ValidationError("give a subject_id or a name", "name")


class PublicationIn(Schema):
    honourees = fields.List(fields.Nested(HonoureeIn), required=True, validate=validate.Length(max=500))
    starts_on = fields.Date(load_default=None, metadata={"description": "default: today (China time)"})
    note = Text(2000)


class ObjectionIn(Schema):
    body = Text(2000, required=True, min_len=1)
    contact = Text(100)
    honouree_id = StrictInteger(allow_none=True, load_default=None)


class ConfirmIn(Schema):
    honouree_ids = fields.List(StrictInteger(), required=True, validate=validate.Length(max=500))


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
    published_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    open = fields.Boolean()
    ended = fields.Boolean()
    objections = fields.Integer()
    honourees = fields.List(fields.Nested(HonoureeOut))


class ObjectionOut(Schema):
    id = fields.Integer()
    honouree_id = fields.Integer(allow_none=True)
    honouree = CleanString(allow_none=True)
    body = CleanString()
    contact = CleanString()
    received_at = fields.DateTime()


# --- accounts ---------------------------------------------------------------------------

class UserIn(Schema):
    username = CleanString(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}\Z"))
    password = CleanString(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    role = CleanString(required=True, validate=validate.OneOf(["admin", "organiser", "auditor", "viewer"]))
    display_name = Text(50)


class UserPatch(Schema):
    password = CleanString(load_only=True, validate=validate.Length(min=10, max=200))
    role = CleanString(validate=validate.OneOf(["admin", "organiser", "auditor", "viewer"]))
    display_name = CleanString(validate=validate.Length(max=50))
    disabled = StrictBoolean()


class ApiKeyIn(Schema):
    name = Text(100, required=True, min_len=1)
    scopes = fields.List(
        CleanString(validate=validate.OneOf(["results", "turnout", "handout", "audit", "organise", "admin"])),
        required=True, validate=validate.Length(min=1, max=6))


# --- output -----------------------------------------------------------------------------

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
    key = CleanString(metadata={"description": "the key itself: present only in the creation response"})


class GroupOut(GroupIn):
    id = fields.Integer()


class SubjectOut(SubjectIn):
    id = fields.Integer()


class SectionOut(Schema):
    id = fields.Integer()
    round_id = fields.Integer()
    type = CleanString()
    title = CleanString()
    config = fields.Dict()
    subject_ids = fields.List(fields.Integer(), allow_none=True)
    group_ids = fields.List(fields.Integer(), allow_none=True)
    position = fields.Integer()


class RoundOut(RoundIn):
    id = fields.Integer()
    sections = fields.List(fields.Nested(SectionOut))


class CampaignOut(Schema):
    id = fields.Integer()
    title = CleanString()
    description = CleanString()
    state = CleanString()
    rules = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    state_changed_at = fields.DateTime()


class CampaignDetailOut(CampaignOut):
    groups = fields.List(fields.Nested(GroupOut))
    subjects = fields.List(fields.Nested(SubjectOut))
    rounds = fields.List(fields.Nested(RoundOut))
    readiness = fields.List(CleanString(), metadata={"description": "what keeps a draft from being announced"})


class ImportReport(Schema):
    imported = fields.Integer()
    subjects = fields.List(fields.Nested(SubjectOut))


class EventOut(Schema):
    id = fields.Integer()
    actor = CleanString()
    action = CleanString()
    details = fields.Dict()
    created_at = fields.DateTime()
