"""What an endpoint is made of, as the admin form and the API send it."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.core.fields import CleanString, StrictBoolean, StrictInteger, Text

# What other systems are told of (migrations/0022_webhooks.sql writes them; docs/webhooks.md).
EVENT_TYPES = {
    "round.opened": "轮次开始投票", "round.closed": "轮次投票结束", "checkpoint.signed": "签署检查点",
    "results.published": "发布结果", "publicity.started": "公示开始", "publicity.ended": "公示结束",
    "objection.lodged": "收到异议", "final_list.confirmed": "确定最终名单",
}
TEST_TYPE = "webhook.test"


class EndpointIn(Schema):
    url = CleanString(required=True, validate=validate.Length(min=8, max=2000))
    campaign_id = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=1))
    event_types = fields.List(CleanString(validate=validate.OneOf(list(EVENT_TYPES))), load_default=list,
                              validate=validate.Length(max=len(EVENT_TYPES)))
    description = Text(200, load_default="")
    allow_private = StrictBoolean(load_default=False, metadata={
        "description": "let the target be a loopback, private or link-local address (an intranet system)"})
