"""One webhook delivery (docs/webhooks.md): the body signed in the Standard Webhooks form with the
`standardwebhooks` library, POSTed with a timeout to an address checked before connecting.

SSRF: the target's host is resolved once and every address it resolves to must be public
(not loopback, private, link-local, multicast, reserved or unspecified) unless an administrator
allowed private targets for the endpoint; the connection then goes to the address that was
checked (no second lookup for a rebinding DNS answer to change), with the host name kept for the
Host header and TLS. Redirects are not followed (a 3xx is a failed attempt, as the specification
says)."""
from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from standardwebhooks import Webhook

TIMEOUT_SECONDS = 10
USER_AGENT = "Pingyi-Webhooks/1"
_MAX_ERROR = 300


class Refused(Exception):
    """The target may not be contacted (its address, its form)."""


@dataclass
class Outcome:
    status: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def headers(secret: str, message_id: str, body: str, now: float | None = None) -> dict:
    """The three signature headers for this attempt (its own timestamp; the id never changes)."""
    stamp = dt.datetime.fromtimestamp(int(time.time() if now is None else now), dt.timezone.utc)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(stamp.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, stamp, body)}


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a target the service may POST to; Refused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("目标地址必须是 http:// 或 https:// 开头的完整网址")
    if parts.username or parts.password:
        raise Refused("目标地址不能包含用户名或密码")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("目标地址的端口无效") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


def resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: every address of the host checked, the first one used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"无法解析主机名 {host}：{exc.strerror}") from None
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        blocked = [a for a in addresses if not is_public(a)]
        if blocked:
            raise Refused(f"{host} 解析到内网或本机地址 {blocked[0]}；如确需投递，请管理员为该订阅允许内网地址")
    return addresses[0]


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, secret: str, message_id: str, body: str, allow_private: bool,
         timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """One attempt: its status, or why there was none."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)
    try:
        scheme, host, port, path = check_url(url)
        address = resolve(host, port, allow_private)
        conn = (_PinnedTLS if scheme == "https" else _Pinned)(host, port, address, timeout)
        try:
            conn.request("POST", path, body=body.encode("utf-8"), headers={
                **headers(secret, message_id, body), "Content-Type": "application/json", "User-Agent": USER_AGENT})
            response = conn.getresponse()
            response.read(64 * 1024)
            return Outcome(response.status, None, took())
        finally:
            conn.close()
    except Refused as exc:
        return Outcome(None, str(exc)[:_MAX_ERROR], took())
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR], took())
