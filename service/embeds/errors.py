"""The embeds' refusals."""
from __future__ import annotations

from service.core.errors import Conflict, Invalid, NotFound


class BadOrigin(Invalid):
    code, message = "bad_embed_origin", "not an origin: scheme://host[:port] over http or https, nothing more"
    zh = "网站地址不符合要求：{reason}"
    when = ("(admin page) an embedding origin that is not `http(s)://host[:port]` (a path, query, user name, wildcard or "
            "anything else; `details.reason`)")
    api = False


class OriginListed(Conflict):
    code, message = "embed_origin_listed", "the origin is on the list already"
    zh, when = "「{origin}」已在允许嵌入的网站列表中", "(admin page) an embedding origin added twice"
    api = False


class NoSuchOrigin(NotFound):
    code, message = "embed_origin_not_found", "the origin is not on the list"
    zh, when = "「{origin}」不在允许嵌入的网站列表中", "(admin page) removing an embedding origin that is not on the list"
    api = False
