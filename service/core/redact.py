"""Keep ballot codes, client addresses and user agents out of every log.

A ballot path (/b/<code>, /B/<code>, in any spelling the code parser takes: spaces, dashes,
percent-encoding, full-width forms, even %2F for the slashes) is written as /b/… up to the end of
the path. Every IPv4 and IPv6 address becomes "-", except in the server's own "listening on"
lines. gunicorn's access-log atoms that carry an address, an agent or a credential read "-".
"""
from __future__ import annotations

import ipaddress
import logging
import re

from gunicorn.glogging import Logger, SafeAtoms

# The path runs to a query, a quote, a line end, or " HTTP/" in a request line (a raw request
# line with spaces in its path, or a decoded PATH_INFO, has the code's groups apart).
_BALLOT_PATH = re.compile(r"((?:/|%2f)(?:b|%62|%42)(?:/|%2f)|/receipt/\d+/)(?:(?!\s+HTTP/)[^?#\"'\r\n])+",
                          re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{0,4})(?:%[\w.]+)?",
                   re.IGNORECASE)
# gunicorn: "Invalid request from ip=<address>: <error: the request's own text, quoted>"
_INVALID_REQUEST = re.compile(r"Invalid request from ip=\S*?: (.*)", re.DOTALL)
# The server's own address, printed at start by gunicorn and werkzeug: not a client's.
_BANNERS = ("Listening at:", " * Running on", "Running on")
# Atoms that hold who is calling (address, agent, credentials): never logged, whatever the format.
_BLANK_ATOMS = re.compile(r"^(h|a|\{(remote_addr|remote_host|.*forwarded.*|.*real.?ip|.*client.?ip|via|"
                          r"(http_)?user.agent|(http_)?authorization|(http_)?cookie|(http_)?proxy.authorization|"
                          r"(http_)?x.api.key|gunicorn\.socket|werkzeug\..*)\}[ie])$", re.IGNORECASE)


def redact(text: str) -> str:
    return _BALLOT_PATH.sub(r"\1…", text)


def _v6(match: re.Match) -> str:
    text = match.group(0)
    for candidate in (text, text.rstrip(":")):  # "ip=2001:db8::1: …"
        try:
            ipaddress.IPv6Address(candidate.split("%")[0])
        except ValueError:
            continue
        return "-" + text[len(candidate):]
    return text  # a time of day (12:34:56) or other colons


def scrub(text: str) -> str:
    """The text without ballot codes and without addresses."""
    invalid = _INVALID_REQUEST.match(text)
    if invalid:  # the error quotes the request line or a header: keep only what kind of error
        text = "Invalid request: " + re.split(r"[:'\"]", invalid.group(1), maxsplit=1)[0].strip()
    return _IPV4.sub("-", _IPV6.sub(_v6, redact(text)))


class ScrubbingFilter(logging.Filter):
    """For every logger and handler that can print a request: the message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(_BANNERS):
            cleaned = scrub(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True




class _ScrubbedAtoms(SafeAtoms):
    """Atoms are scrubbed as the format reads them, so a request pays only for those it logs."""

    def __getitem__(self, key):
        if _BLANK_ATOMS.match(key):
            return "-"
        value = super().__getitem__(key)
        return scrub(value) if isinstance(value, str) else value


class GunicornLogger(Logger):
    """gunicorn's logs without ballot codes, addresses or agents, whatever the access log format."""

    atoms_wrapper_class = _ScrubbedAtoms

    def __init__(self, cfg):
        super().__init__(cfg)
        # The access log's atoms are scrubbed one by one: a pass over its whole line would read a
        # ballot path on to the next query mark (its status and size with it).
        _add_filter(self.error_log)


def _add_filter(target) -> None:
    if not any(isinstance(f, ScrubbingFilter) for f in target.filters):
        target.addFilter(ScrubbingFilter())


def install() -> None:
    """werkzeug's development server logs each request with the client's address; our own
    loggers reach the root logger's handlers."""
    _add_filter(logging.getLogger("werkzeug"))
    for handler in logging.getLogger().handlers:
        _add_filter(handler)
