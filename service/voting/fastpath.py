"""The cast's answer without Flask's request machinery, for the one route a hall of voters hits
at once (docs/performance.md: Flask's request and response objects, routing and hooks were most
of what a cast cost beyond a bare endpoint).

A POST of JSON with a declared length and no cookie to /api/v1/ballots:cast (outside debug mode)
is cast here, in an app context, by the code the route runs (parse_json, fast_cast_in, the MAC
check, cast_receipt), and a kept cast is answered here with the route's status, headers and body.
A code that fails its MAC touched nothing: that request goes on to Flask as it came (its body put
back), whose route counts it against the client (ratelimit.failed) and answers. Any other
refusal or failure (a bad body, a used or voided code, a broken rule, the wrong state or window,
a database error, CommitUnknown when the line broke after the COMMIT was sent) is never cast
again: it is answered by the app's own error handlers and after-request hooks, in a request
context made for it, so its status, words, headers and log line are the route's. Every other
request goes straight to Flask. tests/test_cast_fastpath.py holds the answers equal."""
from __future__ import annotations

import io
import json

from service.core.api import parse_json
from service.voting import api as route
from service.voting import errors as ve
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
                or int(length) > self.app.config["SETTINGS"].json_max_bytes or self.app.debug):
            return self.wsgi_app(environ, start_response)
        raw = environ["wsgi.input"].read(int(length))
        body = self._cast(raw)
        if isinstance(body, BaseException):
            environ["wsgi.input"] = io.BytesIO(raw)
            if isinstance(body, ve.BallotInvalid):  # the MAC alone: the route counts it, and answers
                return self.wsgi_app(environ, start_response)
            return self._refuse(environ, start_response, body)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *self.headers]
        if environ.get("wsgi.url_scheme") in ("https", "wss"):  # as service._security_headers
            headers.append(self.hsts)
        start_response(_STATUS, headers)
        return [body]

    def _cast(self, raw: bytes) -> bytes | Exception:
        """The receipt's body, as Flask's JSON provider writes it; or what refused the cast."""
        with self.app.app_context():
            try:
                data = parse_json(raw, self.app.config["SETTINGS"].json_max_bytes, self.schema, fast_cast_in)
                receipt = route.cast_receipt(casting.verify(data["token"])[0], data)
            except Exception as exc:  # noqa: BLE001 - answered by the app's handlers (_refuse)
                return exc
        return (json.dumps(receipt, ensure_ascii=False, separators=(",", ":")) + "\n").encode()

    def _refuse(self, environ, start_response, exc: Exception):
        """exc answered as the route's would be (its error handler, then the after-request hooks),
        without casting again."""
        with self.app.request_context(environ):
            response = self.app.finalize_request(self.app.handle_user_exception(exc))
        return response(environ, start_response)
