"""The cast's answer without Flask's request machinery, for the one route a hall of voters hits
at once (docs/performance.md: Flask's request and response objects, routing and hooks were a
fifth of a cast's Python).

A POST of JSON with a declared length and no cookie to /api/v1/ballots:cast is cast here, in an
app context, by the code the route runs (parse_json, fast_cast_in, the MAC check, cast_receipt).
Only a cast that is kept is answered here. Whatever refuses one (a body the fast check does not
take, a code failing its MAC, a used or voided code, a broken rule, the wrong state or window, a
database error) raises before anything is kept (operations.cast's contract; fused_transaction
rolls back), and the request then goes on to Flask as it came, its body put back: the route runs
the cast again and answers the refusal with its own status, words, headers and log line, and the
count of invalid codes (ratelimit.failed) is taken there, once. Every other request goes straight
to Flask. tests/test_cast_fastpath.py holds the two answers equal."""
from __future__ import annotations

import io
import json

from service.core.api import parse_json
from service.voting import api as route
from service.voting import operations as casting
from service.voting.schemas import CastIn, fast_cast_in

PATH = "/api/v1/ballots:cast"
_STATUS = "201 CREATED"  # what Flask says for the route's 201


class CastFastPath:
    def __init__(self, app, wsgi_app):
        from service import HSTS, JSON_HEADERS
        self.app, self.wsgi_app = app, wsgi_app
        self.schema = CastIn()
        self.headers, self.hsts = list(JSON_HEADERS), ("Strict-Transport-Security", HSTS)

    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        if (environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST" or "HTTP_COOKIE" in environ
                or environ.get("CONTENT_TYPE") != "application/json" or not length.isdigit()
                or int(length) > self.app.config["SETTINGS"].json_max_bytes):
            return self.wsgi_app(environ, start_response)
        raw = environ["wsgi.input"].read(int(length))
        body = self._cast(raw)
        if body is None:
            environ["wsgi.input"] = io.BytesIO(raw)
            return self.wsgi_app(environ, start_response)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *self.headers]
        if environ.get("wsgi.url_scheme") in ("https", "wss"):  # as service._security_headers
            headers.append(self.hsts)
        start_response(_STATUS, headers)
        return [body]

    def _cast(self, raw: bytes) -> bytes | None:
        """The receipt's body, as Flask's JSON provider writes it; None when the cast was refused
        (nothing kept)."""
        with self.app.app_context():
            try:
                data = parse_json(raw, self.app.config["SETTINGS"].json_max_bytes, self.schema, fast_cast_in)
                receipt = route.cast_receipt(casting.verify(data["token"])[0], data)
            except Exception:  # noqa: BLE001 - a refusal: Flask answers it (the module's text)
                return None
        return (json.dumps(receipt, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
