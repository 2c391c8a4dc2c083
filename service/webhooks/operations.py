"""Webhook endpoints and their messages (docs/webhooks.md): registered, switched off and on,
deleted, a message sent again (same webhook-id), a test event sent; every change an audit event on
the endpoint's campaign chain, or the service's for an endpoint of every campaign."""
from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from urllib.parse import urlsplit

from service.core.event_queries import insert_event
from service.webhooks import delivery
from service.webhooks import queries as q
from service.webhooks.errors import BadWebhookTarget, NoSuchEndpoint, NoSuchMessage
from service.webhooks.schemas import EVENT_TYPES, TEST_TYPE


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check_target(url: str, allow_private: bool) -> None:
    try:
        _scheme, host, port, _path = delivery.check_url(url)
        delivery.resolve(host, port, allow_private)
    except delivery.Refused as exc:
        raise BadWebhookTarget(details={"reason": str(exc)}) from None


def create(cur, actor: str, data: dict) -> dict:
    check_target(data["url"], data["allow_private"])
    row = q.insert_endpoint(cur, data, new_secret(), actor)
    insert_event(cur, actor, "webhook.created", row["campaign_id"],
                 {"endpoint_id": row["id"], "host": urlsplit(row["url"]).netloc, "event_types": row["event_types"],
                  "allow_private": row["allow_private"]})
    return row


def endpoint(cur, endpoint_id: int, lock: bool = False) -> dict:
    row = q.endpoint(cur, endpoint_id, lock)
    if row is None:
        raise NoSuchEndpoint()
    return row


def endpoints(cur) -> list[dict]:
    return q.endpoints(cur)


def log(cur, endpoint_id: int) -> list[dict]:
    """The endpoint's latest messages, newest first, each with its attempts."""
    messages = q.messages(cur, endpoint_id)
    tries: dict[str, list] = {}
    for a in q.attempts(cur, [m["id"] for m in messages]):
        tries.setdefault(a["message_id"], []).append(a)
    for m in messages:
        m["tries"] = tries.get(m["id"], [])
    return messages


def set_enabled(cur, actor: str, endpoint_id: int, enabled: bool) -> None:
    row = endpoint(cur, endpoint_id, lock=True)
    q.set_disabled(cur, endpoint_id, None if enabled else "管理员停用")
    insert_event(cur, actor, "webhook.enabled" if enabled else "webhook.disabled", row["campaign_id"],
                 {"endpoint_id": endpoint_id})


def delete(cur, actor: str, endpoint_id: int) -> None:
    row = endpoint(cur, endpoint_id, lock=True)
    q.delete_endpoint(cur, endpoint_id)
    insert_event(cur, actor, "webhook.deleted", row["campaign_id"],
                 {"endpoint_id": endpoint_id, "host": urlsplit(row["url"]).netloc})


def redeliver(cur, actor: str, endpoint_id: int, message_id: str) -> None:
    """The message due again now, with the webhook-id it had (a receiver that saw it can tell)."""
    row = endpoint(cur, endpoint_id)
    m = q.message(cur, message_id)
    if m is None or m["endpoint_id"] != endpoint_id:
        raise NoSuchMessage()
    q.redeliver(cur, message_id, dt.datetime.now(dt.timezone.utc))
    insert_event(cur, actor, "webhook.redelivered", row["campaign_id"],
                 {"endpoint_id": endpoint_id, "message_id": message_id, "event_type": m["event_type"]})


def send_test(cur, actor: str, endpoint_id: int) -> str:
    row = endpoint(cur, endpoint_id)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"type": TEST_TYPE, "timestamp": now,
                       "data": {"endpoint_id": endpoint_id, "message": "这是一条测试消息（评议 Pingyi）"}},
                      ensure_ascii=False, separators=(",", ":"))
    message_id = q.insert_message(cur, endpoint_id, TEST_TYPE, body)
    insert_event(cur, actor, "webhook.test_sent", row["campaign_id"],
                 {"endpoint_id": endpoint_id, "message_id": message_id})
    return message_id


def type_words(types) -> str:
    return "、".join(EVENT_TYPES.get(t, t) for t in types) if types else "全部事件"
