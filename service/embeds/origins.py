"""An origin as a browser sends it (RFC 6454): `scheme://host[:port]`, http or https, lower case,
without the scheme's default port and without a path. What the administrator types is made into
that or refused with the reason in Chinese: it goes into a Content-Security-Policy header and is
compared with the Origin header byte for byte, so nothing else may get through."""
from __future__ import annotations

import ipaddress
import re

from service.embeds.errors import BadOrigin

DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_SHAPE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.S)


def _refuse(reason: str):
    raise BadOrigin(details={"reason": reason})


def normalise(text: str) -> str:
    """The origin `text` names, in the browser's spelling; BadOrigin (with the reason) otherwise."""
    text = text.strip()
    if not text:
        _refuse("请填写网站地址，例如 https://oa.example.edu.cn")
    if any(c.isspace() for c in text) or any(c in text for c in "'\";,*\\"):
        _refuse("不能包含空格、引号、分号、逗号、反斜杠或通配符 *，每次只填写一个网站")
    m = _SHAPE.fullmatch(text)
    if m is None:
        _refuse("须以 http:// 或 https:// 开头，例如 https://oa.example.edu.cn")
    scheme, rest = m["scheme"].lower(), m["rest"]
    if scheme not in DEFAULT_PORTS:
        _refuse(f"只能是 http 或 https 网址，不能是 {scheme}:")
    if rest.endswith("/") and "/" not in rest[:-1]:
        rest = rest[:-1]  # the root path a browser's address bar shows: not a path of the site
    if any(c in rest for c in "/?#"):
        _refuse("只填写协议、域名和端口，不要包含路径、查询参数或 #" + _suggestion(scheme, rest))
    if "@" in rest:
        _refuse("不能包含用户名或密码（@）")
    host, port = _split_port(rest)
    return f"{scheme}://{_host(host)}" + ("" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}")


def _split_port(rest: str) -> tuple[str, int | None]:
    """(host, port or None): an IPv6 host keeps its brackets, a port follows the last ':' after it."""
    cut = rest.rfind(":")
    if cut == -1 or cut < rest.rfind("]"):
        return rest, None
    host, digits = rest[:cut], rest[cut + 1:]
    if not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= 65535):
        _refuse("端口须为 1 至 65535 之间的数字")
    return host, int(digits)


def _host(host: str) -> str:
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            _refuse("方括号中须为有效的 IPv6 地址")
    if not host:
        _refuse("缺少域名")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()  # 学校.中国 → xn--…
    except UnicodeError:
        _refuse(f"「{host}」不是有效的域名")
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        _refuse(f"「{host}」不是有效的域名（只能包含字母、数字、连字符和点）")
    if all(label.isdigit() for label in labels):
        try:
            return str(ipaddress.IPv4Address(ascii_host))
        except ValueError:
            _refuse(f"「{host}」不是有效的 IPv4 地址")
    return ascii_host


def _suggestion(scheme: str, rest: str) -> str:
    """What was probably meant by an address with a path: its origin, when that is one."""
    head = re.split(r"[/?#]", rest, maxsplit=1)[0]
    try:
        return f"：应填写 {normalise(f'{scheme}://{head}')}"
    except BadOrigin:
        return "（例如 https://oa.example.edu.cn）"
