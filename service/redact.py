"""Keep ballot tokens out of every log: the ballot path /b/<token> is logged as /b/…"""
from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

_BALLOT_PATH = re.compile(r"(/[bB]/|/receipt/\d+/)[^\s/?\"']+")


def redact(text: str) -> str:
    return _BALLOT_PATH.sub(r"\1…", text)


class RedactingFilter(logging.Filter):
    """For loggers that print request lines (werkzeug's development server, tests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class GunicornLogger(Logger):
    """gunicorn's access log with ballot paths redacted in every atom that can hold one."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f", "{raw_uri}e", "{path_info}e", "{request_uri}e"):
            if key in atoms and isinstance(atoms[key], str):
                atoms[key] = redact(atoms[key])
        return atoms


def install() -> None:
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
