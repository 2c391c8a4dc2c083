"""The webhooks' refusals."""
from __future__ import annotations

from service.core.errors import Invalid, NotFound


class BadWebhookTarget(Invalid):
    code, message = "bad_webhook_target", "the webhook's address may not be used"
    zh = "订阅地址不可用：须为 http(s) 网址，且不能指向本机或内网地址（除非管理员明确允许）"
    when = ("a target that is not an http(s) URL, carries a user name, does not resolve, or resolves to a "
            "loopback, private or link-local address without allow_private (`details.reason`)")


class NoSuchEndpoint(NotFound):
    code, message = "webhook_not_found", "no such webhook endpoint"
    zh, when = "没有这个订阅", "an endpoint id that does not exist"


class NoSuchMessage(NotFound):
    code, message = "webhook_message_not_found", "no such webhook message for this endpoint"
    zh, when = "这个订阅没有这条消息", "a message id that is not one of the endpoint's"
