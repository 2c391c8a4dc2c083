"""Settling while voting is open: ballots and portal hand-outs made since the last pass are
rewritten in random order, so neither the rows' order (what a dump keeps) nor their transaction
ids (what the live database shows) keep the order they were made in for longer than a pass."""
from __future__ import annotations

import json
import threading

import psycopg2
import psycopg2.extras
import pytest

from service.voting import settle
from tests.helpers import assert_scrubbed
from tests.polling import wait_for_lock_waiter, wait_until


def cast(client, token, answers):
    r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": answers}),
                    content_type="application/json")
    assert r.status_code == 201, r.json
    return r.json["tracker"]


def rows(dsn, table="ballots", column="tracker"):
    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        cur.execute(f"SELECT {column} AS v, xmin::text AS x, in_order FROM {table} ORDER BY ctid")
        out = cur.fetchall()
    c.close()
    return out


def test_a_pass_rewrites_the_new_ballots_in_random_order(client, full_campaign, database, organiser_key):
    from ballots.forms import short_tracker
    s, o = full_campaign.sections, full_campaign.orgs
    tokens = full_campaign.tokens(30)
    trackers = [cast(client, t, {str(s["rating"]): {str(o[0]): "满意" if i % 3 else "不满意"}})
                for i, t in enumerate(tokens)]
    before = rows(database)
    assert [short_tracker(bytes(r["v"])) for r in before] == trackers and all(r["in_order"] for r in before)
    assert len({r["x"] for r in before}) == 30  # a transaction a cast, in cast order
    url = f"/api/v1/campaigns/{full_campaign.id}"
    assert settle.run_once(database) == {"ballots": 30, "handouts": 0}
    after = rows(database)
    assert sorted(bytes(r["v"]) for r in after) == sorted(bytes(r["v"]) for r in before)
    assert [short_tracker(bytes(r["v"])) for r in after] != trackers
    assert len({r["x"] for r in after}) == 1 and not any(r["in_order"] for r in after)
    assert settle.run_once(database) == {"ballots": 0, "handouts": 0}  # nothing new: nothing to do
    # Later casts are settled with the whole round (it is small): nobody's position says when.
    for t in full_campaign.tokens(3):
        cast(client, t, {})
    assert settle.run_once(database) == {"ballots": 33, "handouts": 0}
    client.post(f"{url}/transitions", json={"to": "closed"}, headers=organiser_key)
    r = client.get(f"{url}/rounds/{full_campaign.round}/results", headers=organiser_key).json
    (row,) = [x for x in r["sections"][0]["rows"] if x["subject_id"] == o[0]]
    assert row["counts"]["满意"] == 20 and row["counts"]["不满意"] == 10 and r["ballots"] == 33  # all counted


def test_a_large_round_has_only_its_new_ballots_mixed(client, full_campaign, database, monkeypatch):
    monkeypatch.setattr(settle, "FULL_MAX", 5)
    for t in full_campaign.tokens(8):
        cast(client, t, {})
    settle.run_once(database)
    first = {bytes(r["v"]): r["x"] for r in rows(database)}
    for t in full_campaign.tokens(4):
        cast(client, t, {})
    assert settle.run_once(database) == {"ballots": 4, "handouts": 0}
    after = {bytes(r["v"]): r["x"] for r in rows(database)}
    assert all(after[t] == x for t, x in first.items())  # the settled ones were left alone
    assert len({x for t, x in after.items() if t not in first}) == 1


def test_hand_outs_are_settled_too(client, portal, database):  # noqa: F811 (the fixture)
    url, key, group = portal["url"], portal["key"], portal["group"]
    for i in range(20):
        assert client.post(url, json={"voter_ref": f"S{i:03d}", "group_id": group}, headers=key).status_code == 201
    before = rows(database, "handouts", "ref_hash")
    assert settle.run_once(database) == {"ballots": 0, "handouts": 20}
    after = rows(database, "handouts", "ref_hash")
    assert [bytes(r["v"]) for r in after] != [bytes(r["v"]) for r in before]
    assert sorted(bytes(r["v"]) for r in after) == sorted(bytes(r["v"]) for r in before)
    assert len({r["x"] for r in after}) == 1 and not any(r["in_order"] for r in after)
    # the one-hand-out-per-reference rule still holds after the rewrite
    assert client.post(url, json={"voter_ref": "S007", "group_id": group}, headers=key).status_code == 409


def test_one_process_settles_at_a_time(database):
    holder = psycopg2.connect(database)
    with holder.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (settle._LOCK,))
    try:
        assert settle.run_once(database) == {}  # another process holds it: this pass steps aside
    finally:
        holder.close()


def test_the_background_thread_settles_without_being_asked(client, full_campaign, database):
    for t in full_campaign.tokens(5):
        cast(client, t, {})
    stop = threading.Event()
    worker = threading.Thread(target=settle.loop, args=(database, 0.2, stop))
    worker.start()
    try:
        wait_until(lambda: not any(r["in_order"] for r in rows(database)), "the thread to settle the ballots")
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()


def test_each_gunicorn_worker_starts_its_settling_thread(database, settings, monkeypatch):
    """gunicorn calls load() in each worker after the fork: that is where the thread starts."""
    from service.core import server
    started = []
    monkeypatch.setattr(settle, "start", lambda dsn, seconds: started.append((dsn, seconds)))
    for name, value in (("DATABASE_URL", database), ("SECRET_KEY", settings.secret_key), ("PINGYI_ENV", "test"),
                        ("PINGYI_VAR_DIR", str(settings.var_dir)), ("SETTLE_SECONDS", "45")):
        monkeypatch.setenv(name, value)
    app = server._App({"bind": "127.0.0.1:0", "workers": 1}).load()
    assert app.config["DATABASE_DSN"] == database and started == [(database, 45)]


def test_a_close_waits_for_a_settling_pass_instead_of_deadlocking(client, full_campaign, database,
                                                                   organiser_key):
    """A pass holds its write lock on ballots, then checks the rewritten rows' campaign; a close
    that locked the campaign row first and then waited for the table would deadlock with it."""
    from service.voting.queries import rewrite_ballots
    for t in full_campaign.tokens(5):
        cast(client, t, {})
    passing = psycopg2.connect(database)
    with passing.cursor() as cur:
        cur.execute("LOCK TABLE ballots IN ROW EXCLUSIVE MODE")  # what the pass's DELETE takes first
    outcome = {}

    def close():
        outcome["status"] = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                                        headers=organiser_key).status_code
    closer = threading.Thread(target=close)
    closer.start()
    wait_for_lock_waiter(database, "the close to queue behind the pass", application_name="pingyi")
    with passing.cursor() as cur:  # the pass goes on: rewriting checks each row's campaign row
        assert rewrite_ballots(cur, "round_id = %s", (full_campaign.round,)) == 5
    passing.commit()
    closer.join(30)
    assert not closer.is_alive()
    passing.close()
    assert outcome == {"status": 200}
    assert client.get(f"/api/v1/campaigns/{full_campaign.id}", headers=organiser_key).json["state"] == "closed"


@pytest.mark.rewrite_may_fail
def test_a_rewrite_that_could_not_run_after_a_close_is_retried(client, full_campaign, database, organiser_key,
                                                               monkeypatch):
    """The close records that the ballot tables need rewriting; when the rewrite cannot get its
    lock in time (here a reader holds one), the record stays, and the next settling pass does it."""
    from service.voting import scrub
    monkeypatch.setattr(scrub, "LOCK_TIMEOUT", "200ms")
    for t in full_campaign.tokens(3):
        cast(client, t, {})
    reader = psycopg2.connect(database)
    with reader.cursor() as cur:
        cur.execute("SELECT count(*) FROM cast_events")  # holds a lock VACUUM FULL must wait for
    tried = []
    real = scrub.scrub
    monkeypatch.setattr(scrub, "scrub", lambda dsn: tried.append(real(dsn)) or tried[-1])
    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                    headers=organiser_key)
    assert r.status_code == 200 and tried == [None]  # the close tried, and could not: it still closed
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT campaign_id FROM pending_scrubs")
        assert cur.fetchall() == [(full_campaign.id,)]
    c.close()
    reader.close()
    monkeypatch.setattr(scrub, "scrub", real)
    assert settle.run_once(database)["scrubbed"] == [full_campaign.id]
    w = psycopg2.connect(database)
    with w.cursor() as cur:
        assert_scrubbed(cur)
    w.close()
