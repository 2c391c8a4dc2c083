"""The cast's fast path (service/voting/fastpath.py): a kept cast is answered in front of Flask
exactly as the route answers it; every refusal goes on to the route, once, changing nothing."""
from __future__ import annotations

import dataclasses
import json
import time

import flask
import pytest

from service.core import ratelimit

FLASK_PATH = "application/json; charset=utf-8"  # the route takes it; the fast path leaves it to Flask


@pytest.fixture
def dispatched(app):
    """How many requests reached Flask's dispatch, as a list to read after the requests."""
    seen = []

    def note(_sender, **_extra):
        seen.append(flask.request.path)
    with flask.request_started.connected_to(note, app):
        yield seen


def post(client, body, content_type="application/json", **kw):
    return client.post("/api/v1/ballots:cast", data=body if isinstance(body, (bytes, str)) else json.dumps(body),
                       content_type=content_type, **kw)


def headers_of(response) -> dict:
    return {k: v for k, v in response.headers.items() if k != "Content-Length"}


def test_a_kept_cast_is_answered_in_front_of_flask_as_the_route_answers_it(client, full_campaign, dispatched, conn):
    fast_token, routed_token = full_campaign.tokens(2)
    fast = post(client, {"token": fast_token, "answers": full_campaign.valid})
    assert dispatched == []  # Flask never saw it
    routed = post(client, {"token": routed_token, "answers": full_campaign.valid}, FLASK_PATH)
    assert dispatched == ["/api/v1/ballots:cast"]
    assert fast.status == routed.status == "201 CREATED"
    assert headers_of(fast) == headers_of(routed)
    assert fast.headers["Content-Length"] == str(len(fast.data))
    assert fast.json.keys() == routed.json.keys() == {"tracker", "board_url"}
    assert fast.json["board_url"] == routed.json["board_url"]
    assert fast.data == routed.data.replace(routed.json["tracker"].encode(), fast.json["tracker"].encode())
    with conn.cursor() as cur:  # both kept, both tokens spent
        cur.execute("SELECT count(*) AS n FROM sealed_ballots")
        assert cur.fetchone()["n"] == 2
        cur.execute("SELECT count(*) AS n FROM ballot_tokens")
        assert cur.fetchone()["n"] == 0


def test_over_https_both_answers_carry_hsts(client, full_campaign, settings):
    from service import create_app
    fast_token, routed_token = full_campaign.tokens(2)
    secure = client.application.test_client()
    fast = post(secure, {"token": fast_token, "answers": full_campaign.valid}, base_url="https://localhost")
    routed = post(secure, {"token": routed_token, "answers": full_campaign.valid}, FLASK_PATH,
                  base_url="https://localhost")
    assert fast.status_code == routed.status_code == 201
    assert fast.headers["Strict-Transport-Security"] == routed.headers["Strict-Transport-Security"]
    # behind a proxy, the scheme it forwards (ProxyFix stands in front of the fast path)
    (proxied_token,) = full_campaign.tokens(1)
    behind = create_app({"SETTINGS": dataclasses.replace(settings, trusted_proxies=1)}).test_client()
    r = post(behind, {"token": proxied_token, "answers": full_campaign.valid}, headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 201 and "Strict-Transport-Security" in r.headers
    plain = post(client, {"token": full_campaign.tokens(1)[0], "answers": full_campaign.valid})
    assert plain.status_code == 201 and "Strict-Transport-Security" not in plain.headers


@pytest.mark.parametrize("case", ["used", "breaks_rules", "malformed", "unknown_field", "invalid_code", "cookie",
                                  "no_length"])
def test_every_refusal_is_the_routes_own_answer_and_changes_nothing(client, full_campaign, dispatched, fingerprint,
                                                                    case):
    (token,) = full_campaign.tokens(1)
    if case == "used":
        assert post(client, {"token": token, "answers": full_campaign.valid}).status_code == 201
    body = {"token": token, "answers": full_campaign.valid}
    score = str(full_campaign.sections["score"])
    bodies = {"used": body, "breaks_rules": {**body, "answers": {**full_campaign.valid, score: {"x": 1}}},
              "malformed": b'{"token": ', "unknown_field": {**body, "voter": "王丽华"},
              "invalid_code": {**body, "token": token[:-1] + ("0" if token[-1] != "0" else "1")},
              "cookie": body, "no_length": body}
    expected = {"used": 409, "breaks_rules": 422, "malformed": 400, "unknown_field": 422, "invalid_code": 404,
                "cookie": 201, "no_length": 201}
    if case == "cookie":
        client.set_cookie("theme", "dark")
    before, dispatched[:] = fingerprint(), []
    if case == "no_length":  # chunked: no declared length, so Flask reads it (capped)
        raw = json.dumps(body).encode()
        r = client.post("/api/v1/ballots:cast", data=raw, content_type="application/json",
                        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True})
    else:
        r = post(client, bodies[case])
    assert r.status_code == expected[case], r.json
    assert dispatched == ["/api/v1/ballots:cast"]  # the route answered, once
    if r.status_code != 201:
        assert r.json["error"]["code"] and r.json["error"]["message"]
        assert fingerprint() == before


def test_invalid_codes_are_counted_once_each(client, full_campaign):
    (token,) = full_campaign.tokens(1)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for _ in range(3):  # a minute boundary inside the burst resets the count: try again
        ratelimit.reset()
        minute = int(time.time() // 60)
        statuses = [post(client, {"token": forged, "answers": {}}).status_code
                    for _ in range(ratelimit.LIMIT_PER_MINUTE + 1)]
        if int(time.time() // 60) == minute:
            break
    # counted twice (once in front, once by the route) the limit would bite at half of it
    assert statuses == [404] * ratelimit.LIMIT_PER_MINUTE + [429]
