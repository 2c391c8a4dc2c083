"""The embedding allowlist: the origins that may frame /embed/ and read /api/v1 from a browser.
Each addition and removal is an audit event on the service's chain."""
from __future__ import annotations

from service.core.event_queries import insert_event
from service.embeds import queries as q
from service.embeds.errors import NoSuchOrigin, OriginListed
from service.embeds.origins import normalise


def origins(cur) -> list[dict]:
    return q.origins(cur)


def allowed(cur) -> list[str]:
    """The origins on the list, as the browser spells them."""
    return q.origin_names(cur)


def is_allowed(cur, origin: str | None) -> bool:
    """Whether a request's Origin header names a listed origin (compared as sent: a browser sends
    the serialised origin, so a spelling the list does not hold is another origin)."""
    return bool(origin) and len(origin) <= 300 and q.is_listed(cur, origin)


def add(cur, actor: str, text: str, note: str = "") -> str:
    origin = normalise(text)
    if not q.insert_origin(cur, origin, note, actor):
        raise OriginListed(details={"origin": origin})
    insert_event(cur, actor, "embed.origin_added", None, {"origin": origin})
    return origin


def remove(cur, actor: str, origin: str) -> None:
    if not q.delete_origin(cur, origin):
        raise NoSuchOrigin(details={"origin": origin})
    insert_event(cur, actor, "embed.origin_removed", None, {"origin": origin})


def frame_ancestors(origins: list[str]) -> str:
    """The CSP directive: the service itself (the campaign page's preview) and the listed origins."""
    return " ".join(["frame-ancestors", "'self'", *origins])
