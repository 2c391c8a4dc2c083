"""Campaigns: rules, parts (groups, subjects, rounds), section configurations, transitions, and
their output forms."""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ballots.sections import (
    DEFAULT_RULES,
    MAJORITY_BASES,
    MAJORITY_THRESHOLDS,
    QUORUM_BASES,
    RANK_KEYS,
    SCALES,
    SECTION_TYPES,
    WEIGHT_BASES,
)
from service.campaigns import schedule
from service.core.fields import CleanString, Ids, Share, StrictBoolean, StrictFloat, StrictInteger, Text

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


def _known_zone(name: str) -> bool:
    """An IANA zone name that every installation has (the tzdata package's list), not one of the
    host's own files (localtime, posixrules, posix/…, right/…) that another host may lack."""
    if name not in _zones():
        raise ValidationError("not a known time zone (e.g. Asia/Shanghai)")
    return True


def _zones() -> frozenset:
    global _ZONES
    if _ZONES is None:
        import importlib.resources
        listing = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
        _ZONES = frozenset(z for z in listing.split() if z not in ("localtime", "posixrules", "Factory"))
    return _ZONES


_ZONES = None


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

    time_zone = CleanString(validate=[validate.Length(max=64), _known_zone], metadata={
        "description": "IANA time zone the campaign's pages and exports show times in (default Asia/Shanghai)"})

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


AFTER_THE_LAST = {"description": "the place in the list; left out: after the last when added, unchanged when replaced"}


class GroupIn(Schema):
    name = Text(50, required=True, min_len=1)
    weight = StrictFloat(required=True, validate=validate.Range(min=0, max=1000))
    criteria = Text(2000, metadata={"description": "this group's criteria, e.g. 比教学看师德、比科研看成果"})
    eligible = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=0, max=10_000_000))
    position = StrictInteger(validate=validate.Range(min=0, max=100000), metadata=AFTER_THE_LAST)


class SubjectIn(Schema):
    name = Text(100, required=True, min_len=1)
    kind = CleanString(required=True, validate=validate.OneOf(["organisation", "person"]))
    category = Text(50)
    unit = Text(100)
    commitment = Text(2000, metadata={"description": "public commitment (公开承诺) shown on the ballot"})
    position = StrictInteger(validate=validate.Range(min=0, max=100000), metadata=AFTER_THE_LAST)


# A round's times: within a century (a mistyped year is refused, not stored or overflowed).
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)


class RoundIn(Schema):
    title = Text(100, required=True, min_len=1)
    kind = CleanString(required=True, validate=validate.OneOf(["evaluation", "recommendation"]))
    position = StrictInteger(validate=validate.Range(min=0, max=1000), metadata=AFTER_THE_LAST)
    opens_at = fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "when this round's voting opens (ISO 8601 with its offset): casts before it are refused, and "
                       "an announced campaign opens by itself when its first round's time comes (docs/voting.md)"})
    closes_at = fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "when this round's voting closes: casts from then on are refused; an open campaign closes by "
                       "itself once every round's closing time has passed"})

    @validates_schema
    def closes_after_opening(self, data, **_):
        for name in ("opens_at", "closes_at"):
            at = data.get(name)
            if at is not None and not _EARLIEST <= at <= _LATEST:
                raise ValidationError("the time must lie between the years 2000 and 2100", name)
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            raise ValidationError("the closing time must come after the opening time", "closes_at")
        if data.get("closes_at") and data["closes_at"] <= schedule.now():
            raise ValidationError("the closing time has passed already", "closes_at")


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
    rank_by = CleanString(allow_none=True, load_default=None, validate=validate.OneOf(RANK_KEYS), metadata={
        "description": "rank by rate (满意率), mean (综合得分) or unfavourable (不满意率, lowest first); "
                       "default: rate for the satisfaction scale, mean for the member scale and custom scales"})

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
    rank_by = CleanString(allow_none=True, load_default=None, validate=validate.OneOf(RANK_KEYS), metadata={
        "description": "rank by rate (赞成率, the default), mean or unfavourable (不赞成, lowest first)"})


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
    position = StrictInteger(validate=validate.Range(min=0, max=1000), metadata=AFTER_THE_LAST)

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


class FromTemplateIn(Schema):
    template = CleanString(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,49}$"),
                           metadata={"description": "a template's key (GET /campaign-templates)"})
    title = CleanString(validate=validate.Length(min=1, max=200), metadata={"description": "default: the template's"})


class CopyIn(Schema):
    title = CleanString(validate=validate.Length(min=1, max=200), metadata={"description": "default: the title + （副本）"})


class MoveIn(Schema):
    direction = CleanString(required=True, validate=validate.OneOf(["up", "down"]))


class TransitionIn(Schema):
    to = CleanString(required=True, validate=validate.OneOf(
        ["announced", "open", "closed", "published", "archived"]))


# --- output -----------------------------------------------------------------------------

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
    announced_at = fields.DateTime(allow_none=True, metadata={"description": "when it was announced (公开 #1)"})
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)


class CampaignDetailOut(CampaignOut):
    groups = fields.List(fields.Nested(GroupOut))
    subjects = fields.List(fields.Nested(SubjectOut))
    rounds = fields.List(fields.Nested(RoundOut))
    readiness = fields.List(CleanString(), metadata={"description": "what keeps a draft from being announced"})


class ImportReport(Schema):
    imported = fields.Integer()
    subjects = fields.List(fields.Nested(SubjectOut))


class TemplateOut(Schema):
    key = CleanString()
    name = CleanString()
    summary = CleanString()
    title = CleanString(metadata={"description": "the title a campaign made from it starts with"})
    groups = fields.List(CleanString())
    rounds = fields.List(fields.Dict(), metadata={"description": "each round's title and its sections' titles"})


class EventOut(Schema):
    height = fields.Integer(metadata={"description": "the entry's place in the campaign's audit chain, from 0"})
    hash = CleanString(metadata={"description": "the entry's SHA-256, hex: what the next entry's prev is (docs/audit.md)"})
    actor = CleanString()
    action = CleanString()
    details = fields.Dict()
    created_at = fields.DateTime()
