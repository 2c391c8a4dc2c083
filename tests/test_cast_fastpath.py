"""The cast's fast path (service/voting/fastpath.py): a kept cast is answered in front of Flask
exactly as the route answers it; every refusal goes on to the route, once, changing nothing."""
from __future__ import annotations

import dataclasses
import json
import time

import flask
import psycopg2
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


@pytest.fixture
def attempts(monkeypatch):
    """How many casts reached the database (cast_receipt), as a list."""
    from service.voting import api as route
    seen, real = [], route.cast_receipt

    def counted(token, data):
        seen.append(token)
        return real(token, data)
    monkeypatch.setattr(route, "cast_receipt", counted)
    return seen


def _same_answer(fast, routed):
    assert fast.status == routed.status
    assert headers_of(fast) == headers_of(routed)
    a, b = fast.get_json(), routed.get_json()
    a["error"]["details"].pop("request_id", None), b["error"]["details"].pop("request_id", None)
    assert a == b


@pytest.mark.parametrize("case", ["used", "breaks_rules", "malformed", "unknown_field"])
def test_every_refusal_is_the_routes_own_answer_cast_once_and_changes_nothing(client, full_campaign, dispatched,
                                                                            attempts, fingerprint, case):
    tokens = full_campaign.tokens(2)
    if case == "used":
        for t in tokens:
            assert post(client, {"token": t, "answers": full_campaign.valid}).status_code == 201
    score = str(full_campaign.sections["score"])
    bodies = [{"token": t, "answers": full_campaign.valid} for t in tokens]
    if case == "breaks_rules":
        bodies = [{**b, "answers": {**full_campaign.valid, score: {"x": 1}}} for b in bodies]
    elif case == "malformed":
        bodies = [b'{"token": '] * 2
    elif case == "unknown_field":
        bodies = [{**b, "voter": "王丽华"} for b in bodies]
    before, dispatched[:], attempts[:] = fingerprint(), [], []
    fast = post(client, bodies[0])
    assert fast.status_code == {"used": 409, "breaks_rules": 422, "malformed": 400, "unknown_field": 422}[case]
    assert dispatched == []  # answered by the handlers in front of Flask's dispatch …
    assert len(attempts) == (1 if case in ("used", "breaks_rules") else 0)  # … and never cast again
    _same_answer(fast, post(client, bodies[1], FLASK_PATH))
    assert fingerprint() == before


@pytest.mark.parametrize("case", ["invalid_code", "cookie", "no_length", "debug"])
def test_what_the_fast_path_leaves_to_flask(client, app, full_campaign, dispatched, attempts, fingerprint, case,
                                           monkeypatch):
    (token,) = full_campaign.tokens(1)
    body = {"token": token, "answers": full_campaign.valid}
    if case == "invalid_code":
        body["token"] = token[:-1] + ("0" if token[-1] != "0" else "1")
    elif case == "cookie":
        client.set_cookie("theme", "dark")
    elif case == "debug":  # Flask's JSON is indented then: the route writes it
        monkeypatch.setitem(app.config, "DEBUG", True)
    before = fingerprint()
    if case == "no_length":  # chunked: no declared length, so Flask reads it (capped)
        r = client.post("/api/v1/ballots:cast", data=json.dumps(body), content_type="application/json",
                        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True})
    else:
        r = post(client, body)
    assert dispatched == ["/api/v1/ballots:cast"]  # the route answered, once
    if case == "invalid_code":
        assert r.status_code == 404 and r.json["error"]["code"] == "invalid_ballot" and attempts == []
        assert fingerprint() == before
    else:
        assert r.status_code == 201 and len(attempts) == 1
    if case == "debug":
        assert r.data.startswith(b'{\n  "')


def _break_the_line_after_commit(monkeypatch):
    """The ballot's COMMIT reaches the server, then the connection breaks before its answer."""
    from service.voting import queries
    real = queries.store_sealed

    def committed_then_cut(cur, *args):
        real(cur, *args)
        if cur.connection.autocommit:  # the fused cast: the COMMIT rode with the insert
            assert cur.connection.info.transaction_status == 0  # idle: committed
        cur.connection.close()
        raise psycopg2.OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(queries, "store_sealed", committed_then_cut)


@pytest.mark.parametrize("path", ["fast", "route"])
def test_a_line_broken_after_the_commit_says_the_outcome_is_unknown(client, full_campaign, attempts, monkeypatch,
                                                                   conn, path):
    (token,) = full_campaign.tokens(1)
    _break_the_line_after_commit(monkeypatch)
    r = post(client, {"token": token, "answers": full_campaign.valid}, "application/json" if path == "fast" else FLASK_PATH)
    # not 409 "used" from a second cast, nor 503 "nothing was changed": the ballot is kept
    assert r.status_code == 500 and r.json["error"]["code"] == "commit_unknown", r.json
    assert len(attempts) == 1
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM sealed_ballots")
        assert cur.fetchone()["n"] == 1
    monkeypatch.undo()
    again = post(client, {"token": token, "answers": full_campaign.valid})
    assert again.status_code == 409 and again.json["error"]["code"] == "ballot_used"  # what the voter learns on retry


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


def test_the_voters_page_whose_commit_line_breaks_says_the_ballot_may_be_in(client, full_campaign, monkeypatch, conn):
    """The page casts in db.transaction: a COMMIT whose answer is lost is not 您的选票尚未提交."""
    from service.core import db
    token, second = full_campaign.tokens(2)

    def committed_then_cut(self):
        psycopg2.extensions.connection.commit(self)
        self.close()
        raise psycopg2.OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(db.Connection, "commit", committed_then_cut)
    form = {"ballot": "1", f"s{full_campaign.sections['text']}:text": "连接中断时"}
    r = client.post(f"/b/{token}", data=form)
    en = client.post(f"/b/{second}", data=form, headers={"Accept-Language": "en"}).get_data(as_text=True)
    monkeypatch.undo()
    assert "Your ballot may have been submitted" in en and "it may or may not have been counted" in en
    html = r.get_data(as_text=True)
    assert r.status_code == 500 and "选票可能已经提交" in html and "尚未提交" not in html
    assert 'id="sent-receipt"' in html and "sent.js" in html  # the receipt this tab drew, if it sent one
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM sealed_ballots")
        assert cur.fetchone()["n"] == 2
    again = client.get(f"/b/{token}").get_data(as_text=True)
    assert "此选票已经使用" in again


def test_a_connection_left_in_a_transaction_never_goes_back_to_the_pool(app):
    """A transaction begun by hand (fused_transaction's BEGIN) is not ended by psycopg2's
    rollback(): the teardown closes such a connection instead of pooling it open."""
    from service.core import db
    with app.app_context():
        conn = db._request_conn()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("BEGIN; SELECT 1")
        conn.autocommit = False
    assert conn.closed  # the app context's teardown: closed, not pooled mid-transaction
