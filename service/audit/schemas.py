"""The auditor's API: what the audit log, checkpoints and verification answer (documented; built in
operations), and the log's filters."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.core.fields import CleanString

_N = {"required": True}
MAX_OFFSET = 10_000_000


class LogQuery(Schema):
    campaign_id = fields.Integer(metadata={"description": "one campaign's chain"})
    type = CleanString(metadata={"description": "an event type, e.g. campaign.transition (docs/audit.md)"})
    actor = CleanString(metadata={"description": "e.g. user:alice or key:portal"})
    since = fields.Date(metadata={"description": "from this date (China time), inclusive"})
    until = fields.Date(metadata={"description": "to this date (China time), inclusive"})
    limit = fields.Integer(validate=validate.Range(min=1, max=1000), metadata={"description": "entries, 200 unless said"})
    offset = fields.Integer(validate=validate.Range(min=0, max=MAX_OFFSET), metadata={
        "description": "entries to skip, newest first (0 unless said): the next page starts at offset + limit"})


class LogEntryOut(Schema):
    chain = fields.Integer(**_N, metadata={"description": "the campaign's chain, or 0 for the service chain"})
    height = fields.Integer(**_N)
    hash = CleanString(**_N, metadata={"description": "the entry's SHA-256, hex: it commits to its parent"})
    campaign_id = fields.Integer(**_N, allow_none=True)
    action = CleanString(**_N)
    actor = CleanString(**_N)
    details = fields.Dict(**_N)
    created_at = CleanString(**_N, metadata={"format": "date-time"})
    text = CleanString(**_N, metadata={"description": "the event in words (Chinese)"})


class CheckpointOut(Schema):
    number = fields.Integer(**_N)
    kind = CleanString(**_N, metadata={"description": "close, publish or on-demand"})
    note = CleanString(**_N, metadata={"description": "the C2SP signed note, Ed25519"})
    created_at = CleanString(**_N, metadata={"format": "date-time"})


class SignedCheckpointOut(Schema):
    number = fields.Integer(**_N)
    kind = CleanString(**_N)
    ballots = fields.Integer(**_N)
    root = CleanString(**_N, metadata={"description": "the tracker tree's root (RFC 9162), base64"})
    note = CleanString(**_N)


class VerificationStepOut(Schema):
    number = fields.Integer(**_N)
    title = CleanString(**_N)
    status = CleanString(**_N, validate=validate.OneOf(["PASS", "FAIL", "SKIPPED"]))
    details = fields.List(fields.Raw(), **_N)


class VerificationOut(Schema):
    verdict = CleanString(**_N, validate=validate.OneOf(["PASS", "FAIL", "INCOMPLETE"]), metadata={
        "description": "FAIL if any step failed, INCOMPLETE if none failed but some were skipped, else PASS"})
    steps = fields.List(fields.Nested(VerificationStepOut), **_N)
