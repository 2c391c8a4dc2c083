"""Webhooks (issue 12, docs/webhooks.md): a receiver the test starts on loopback gets a campaign's
life in order with valid Standard Webhooks signatures; a failing receiver is retried on the
schedule (the worker's clock moved, never slept) until it answers; a worker killed with SIGKILL
mid-delivery loses nothing and the redelivery carries the same webhook-id; 410 disables; private
targets are refused unless allowed; the admin pages."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import signal
import subprocess
import sys
import threading

import psycopg2
import psycopg2.extras
import pytest
from standardwebhooks import Webhook

from service.webhooks import delivery, worker
from service.webhooks import operations as ops
from service.webhooks.errors import BadWebhookTarget
from tests.polling import wait_until

CAST = "/api/v1/ballots:cast"


class Receiver:
    """An HTTP server on loopback that records each POST and answers from a script of statuses
    (200 once the script is spent); `hold` keeps the next request unanswered until `release`."""

    def __init__(self):
        self.seen, self.script = [], []
        self.hold, self.release = False, threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if receiver.hold:
                    receiver.hold = False
                    receiver.release.wait(30)
                status = receiver.script.pop(0) if receiver.script else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the worker that asked is gone

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/pingyi?src=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(body)["type"] for _h, body in self.seen]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.release.set()
    r.server.shutdown()
    r.server.server_close()


def _create(database, **data):
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        row = ops.create(cur, "user:admin", {"campaign_id": None, "event_types": [], "description": "",
                                             "allow_private": True, **data})
    c.close()
    return row


@pytest.fixture
def endpoint(database, receiver):
    return _create(database, url=receiver.url)


def _rows(database, sql, *args):
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall()
    c.close()
    return rows


def _verified(receiver, endpoint):
    """Every body received, each verified against its headers with the endpoint's secret."""
    hook = Webhook(endpoint["secret"])
    return [hook.verify(body, headers) for headers, body in receiver.seen]


def test_a_campaigns_life_reaches_the_receiver_in_order_signed(client, endpoint, receiver, full_campaign,
                                                                organiser_key, database, monkeypatch):
    from service.publication import operations as publication
    cid, api = full_campaign.id, f"/api/v1/campaigns/{full_campaign.id}"
    for token in full_campaign.tokens(3):
        assert client.post(CAST, json={"token": token, "answers": full_campaign.valid}).status_code == 201
    assert client.post(f"{api}/transitions", json={"to": "closed"}, headers=organiser_key).status_code == 200
    start = dt.date(2026, 9, 30)
    monkeypatch.setattr(publication, "today", lambda: start - dt.timedelta(days=1))
    r = client.post(f"{api}/publication", headers=organiser_key, json={
        "starts_on": start.isoformat(), "honourees": [{"subject_id": full_campaign.people[0], "award": "优秀共产党员"}]})
    assert r.status_code == 201, r.get_json()
    honouree, end = r.get_json()["honourees"][0]["id"], dt.date.fromisoformat(r.get_json()["ends_on"])

    def beijing_morning(day):
        return dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.timezone.utc)  # 10:00 in Beijing
    worker.run_once(database, day_of=beijing_morning(start - dt.timedelta(days=1)))
    monkeypatch.setattr(publication, "today", lambda: start)
    worker.run_once(database, day_of=beijing_morning(start))
    with client.session_transaction() as s:
        s["csrf"] = "t" * 43
    assert client.post(f"/c/{cid}/publicity", data={"body": "请核实。", "honouree_id": str(honouree),
                                                   "csrf_token": "t" * 43}).status_code == 200
    monkeypatch.setattr(publication, "today", lambda: end + dt.timedelta(days=1))
    worker.run_once(database, day_of=beijing_morning(end))  # the last day: not ended yet
    worker.run_once(database, day_of=beijing_morning(end + dt.timedelta(days=1)))
    objection = client.get(f"{api}/objections", headers=organiser_key).get_json()[0]["id"]
    assert client.post(f"{api}/objections/{objection}:answer", headers=organiser_key,
                       json={"status": "rejected", "reply": "经核实，反映不属实。"}).status_code == 200
    r = client.post(f"{api}/publication:confirm", headers=organiser_key, json={"honouree_ids": [honouree]})
    assert r.status_code == 200, r.get_json()
    worker.run_once(database, day_of=beijing_morning(end + dt.timedelta(days=1)))
    assert receiver.events() == ["round.opened", "round.closed", "checkpoint.signed", "results.published",
                                 "checkpoint.signed", "publicity.started", "objection.lodged", "publicity.ended",
                                 "final_list.confirmed"]
    bodies = _verified(receiver, endpoint)
    assert all(b["data"]["campaign_id"] == cid for b in bodies)
    assert bodies[1]["data"]["round_id"] == full_campaign.round and bodies[2]["data"]["ballots"] == 3
    assert (bodies[2]["data"]["kind"], bodies[4]["data"]["kind"]) == ("close", "publish")
    assert "请核实" not in json.dumps(bodies, ensure_ascii=False)  # an objection's words stay here
    ids = [h["webhook-id"] for h, _b in receiver.seen]
    assert len(set(ids)) == len(ids) and all(i.startswith("msg_") for i in ids)
    worker.run_once(database, day_of=beijing_morning(end + dt.timedelta(days=2)))
    assert len(receiver.seen) == 9  # each 公示 day announced once


def test_the_opening_is_announced_per_round(client, endpoint, receiver, make_campaign, organiser_key, database):
    cid = make_campaign()
    for state in ("announced", "open"):
        assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state},
                           headers=organiser_key).status_code == 200
    worker.run_once(database)
    rounds = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).get_json()["rounds"]
    assert receiver.events() == ["round.opened"] * len(rounds)
    assert [b["data"]["round_id"] for b in _verified(receiver, endpoint)] == [r["id"] for r in rounds]


def test_a_failing_receiver_is_retried_on_the_schedule_until_it_answers(endpoint, receiver, database):
    receiver.script = [500, 500, 500]
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        message = ops.send_test(cur, "user:admin", endpoint["id"])
    c.close()
    t = dt.datetime.now(dt.timezone.utc)
    for (soonest, latest), status in zip([(0, 0), (4.5, 5.5), (270, 330), (1620, 1980)], [500, 500, 500, 200]):
        if soonest:
            assert worker.run_once(database, now=t + dt.timedelta(seconds=soonest - 0.1)) == [], "came early"
        t += dt.timedelta(seconds=latest + 0.1)
        assert [d["status"] for d in worker.run_once(database, now=t)] == [status]
    assert [h["webhook-id"] for h, _b in receiver.seen] == [message] * 4
    assert _rows(database, "SELECT state, attempts, last_status FROM webhook_messages WHERE id = %s",
                 message) == [("delivered", 4, 200)]
    assert [r[0] for r in _rows(database, "SELECT status FROM webhook_attempts WHERE message_id = %s "
                                          "ORDER BY number", message)] == [500, 500, 500, 200]
    _verified(receiver, endpoint)


def test_the_schedule_ends_in_failure_and_410_disables_the_endpoint(endpoint, receiver, database):
    assert [round(worker.SCHEDULE[i] / 60, 1) for i in range(len(worker.SCHEDULE))] == \
        [0.1, 5, 30, 120, 300, 600, 600]
    assert worker.next_delay(worker.MAX_ATTEMPTS) is None
    delays = {round(worker.next_delay(1), 3) for _ in range(50)}
    assert len(delays) > 1 and all(4.5 <= d <= 5.5 for d in delays)  # jitter, within ±10 %
    receiver.script = [410]
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        ops.send_test(cur, "user:admin", endpoint["id"])
        ops.send_test(cur, "user:admin", endpoint["id"])
    c.close()
    done = worker.run_once(database)
    assert [(d["status"], d["state"]) for d in done] == [(410, "failed")]  # the second waits: endpoint disabled
    assert _rows(database, "SELECT disabled_at IS NOT NULL FROM webhook_endpoints WHERE id = %s",
                 endpoint["id"]) == [(True,)]
    assert len(receiver.seen) == 1


def test_a_worker_killed_mid_delivery_loses_nothing_and_resends_the_same_id(endpoint, receiver, database, settings):
    receiver.hold = True
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        message = ops.send_test(cur, "user:admin", endpoint["id"])
    c.close()
    env = {**os.environ, "DATABASE_URL": database, "PINGYI_VAR_DIR": str(settings.var_dir),
           "SECRET_KEY": settings.secret_key, "PINGYI_ENV": "test"}

    def start():
        return subprocess.Popen([sys.executable, "-m", "service", "worker", "--poll", "0.2"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = start()
    try:
        wait_until(lambda: receiver.seen, "the worker's first delivery to arrive")
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        first.kill()
    receiver.release.set()
    assert _rows(database, "SELECT state FROM webhook_messages WHERE id = %s", message) == [("pending",)]
    second = start()
    try:
        wait_until(lambda: _rows(database, "SELECT state FROM webhook_messages WHERE id = %s", message)
                   == [("delivered",)], "the restarted worker to deliver the message")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert [h["webhook-id"] for h, _b in receiver.seen] == [message, message]
    assert receiver.seen[0][1] == receiver.seen[1][1]  # the same body
    _verified(receiver, endpoint)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/x",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://192.168.0.7/",
                                 "http://100.64.0.1/", "ftp://example.org/", "http://user:pw@example.org/"])
def test_private_or_malformed_targets_are_refused_unless_allowed(database, url):
    with pytest.raises(BadWebhookTarget) as refused:
        _create(database, url=url, allow_private=False)
    assert refused.value.details["reason"]
    assert _rows(database, "SELECT count(*) FROM webhook_endpoints") == [(0,)]


def test_delivery_checks_the_address_again_and_times_out(receiver):
    blocked = delivery.post(receiver.url, ops.new_secret(), "msg_x", "{}", allow_private=False)
    assert blocked.status is None and "内网或本机地址" in blocked.error and receiver.seen == []
    receiver.hold = True
    slow = delivery.post(receiver.url, ops.new_secret(), "msg_y", "{}", allow_private=True, timeout=0.5)
    assert slow.status is None and "timed out" in slow.error.lower()


def test_the_admin_pages_register_test_and_redeliver(client, make_user, login, receiver, database):
    token = login(make_user("admin"))
    r = client.post("/admin/webhooks", data={"url": receiver.url, "description": "学校门户", "allow_private": "1",
                                             "event_types": ["round.closed", "results.published"],
                                             "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    (endpoint_id, secret), = _rows(database, "SELECT id, secret FROM webhook_endpoints")
    assert secret in page and "轮次投票结束" in page and "结果" in page
    assert client.post(f"/admin/webhooks/{endpoint_id}/test", data={"csrf_token": token}).status_code == 302
    worker.run_once(database)
    (message,), = _rows(database, "SELECT id FROM webhook_messages")
    assert client.post(f"/admin/webhooks/{endpoint_id}/messages/{message}/redeliver",
                       data={"csrf_token": token}).status_code == 302
    worker.run_once(database)
    assert [h["webhook-id"] for h, _b in receiver.seen] == [message, message]
    page = client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "已送达" in page and page.count("200") >= 2
    refused = client.post("/admin/webhooks", data={"url": "http://10.0.0.1/x", "csrf_token": token,
                                                   "_form": "new-webhook"})
    assert refused.status_code == 422 and "内网" in refused.get_data(as_text=True)
    assert client.post(f"/admin/webhooks/{endpoint_id}/test").status_code in (400, 403)  # no CSRF token
    types = [t for (t,) in _rows(database, "SELECT type FROM audit_log WHERE chain = 0 AND type LIKE 'webhook.%%' "
                                           "ORDER BY height")]
    assert types == ["webhook.created", "webhook.test_sent", "webhook.redelivered"]
    assert all(receiver.url.split("?")[0] not in e for (e,) in _rows(database, "SELECT payload FROM audit_log"))


def test_other_users_may_not_manage_webhooks(client, make_user, login):
    login(make_user("organiser"))
    assert client.get("/admin/webhooks").status_code == 403
