"""The mixer (service/voting/mixer.py): the only writer of plaintext ballots. It opens a group's
sealed ballots only once k wait, a batch is one transaction (killed midway, nothing is both
sealed and mixed, nothing neither), a close waits for a cast or a batch in flight and then mixes
what is left, and keys go once their round is past voting."""
from __future__ import annotations

import json
import threading

import psycopg2
import psycopg2.extras
import pytest

from service.voting import mixer, round_keys
from tests.polling import wait_for_lock_waiter, wait_until, waiting_on_lock


def cast(client, token, answers):
    r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": answers}),
                    content_type="application/json")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["tracker"]


def counts(database) -> tuple[int, int]:
    """(sealed, mixed) ballots in the database."""
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM sealed_ballots), (SELECT count(*) FROM ballots)")
        out = cur.fetchone()
    c.close()
    return out


def test_groups_are_mixed_apart_and_only_in_crowds(client, full_campaign, database, mix, organiser_key):
    teachers = [cast(client, t, {}) for t in full_campaign.tokens(7, group=0)]
    students = [cast(client, t, {}) for t in full_campaign.tokens(5, group=1)]
    # 2k = 6: the teachers' group is mixed but for k = 3 of them, kept for the close's last batch;
    # the students' 5 wait.
    assert mix(k=3) == {"mixed": 4, "batches": 1, "keys_destroyed": []}
    assert counts(database) == (8, 4)
    board = client.get(f"/board/{full_campaign.round}").get_data(as_text=True)
    assert "已收回选票" in board and ">12<" in board  # turnout counts sealed and mixed alike
    turnout = client.get(f"/api/v1/campaigns/{full_campaign.id}/turnout",
                         headers=organiser_key).get_json()["rounds"][0]["groups"]
    assert [g["cast"] for g in turnout] == [7, 5]
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT group_id FROM ballots")
        assert {r[0] for r in cur.fetchall()} == {full_campaign.groups[0]}
    c.close()
    assert len(teachers) == 7 and len(students) == 5


def test_a_batch_cut_short_leaves_every_ballot_sealed(client, full_campaign, database, settings, monkeypatch):
    """kill -9 in the middle of a batch is a transaction that never commits: here the insert fails
    after the ballots were opened and the first rows written."""
    for t in full_campaign.tokens(5):
        cast(client, t, {})
    from service.voting import queries as q
    real = q.delete_sealed

    def crash(cur, ids):
        raise psycopg2.OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(q, "delete_sealed", crash)
    with pytest.raises(psycopg2.OperationalError):
        mixer.run_once(database, settings.var_dir, 1, flush=True)
    assert counts(database) == (5, 0)  # nothing mixed, nothing lost
    monkeypatch.setattr(q, "delete_sealed", real)
    assert mixer.run_once(database, settings.var_dir, 1, flush=True)["mixed"] == 5  # the next pass takes them up
    assert counts(database) == (0, 5)


def test_a_close_waits_for_a_cast_in_flight_and_mixes_it(client, full_campaign, organiser_key, database, app):
    """The cast holds the campaign row FOR KEY SHARE from its sealed insert to its commit; the
    close (FOR UPDATE) waits for it, and then mixes it with the rest: nothing acknowledged is left
    out of the tally, and nothing is left sealed."""
    from service.voting import operations as voting
    tokens = full_campaign.tokens(3)
    cast(client, tokens[0], {})
    cast(client, tokens[1], {})
    conn = psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor)
    with app.test_request_context(), conn.cursor() as cur:
        receipt = voting.cast(cur, tokens[2], {})  # stored, not yet committed
    outcome = {}

    def close():
        outcome["status"] = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                                        headers=organiser_key).status_code
    closer = threading.Thread(target=close)
    closer.start()
    wait_for_lock_waiter(database, "the close to wait for the cast in flight", application_name="pingyi")
    conn.commit()  # the voter's 201
    conn.close()
    closer.join(30)
    assert not closer.is_alive() and outcome == {"status": 200}
    assert counts(database) == (0, 3)
    board = client.get(f"/board/{full_campaign.round}").get_data(as_text=True)
    assert receipt["tracker"] in board


def test_a_close_is_not_kept_waiting_by_casts_that_keep_coming(client, full_campaign, organiser_key, database, app):
    """Casts' row locks do not conflict with one another: without the gate, a cast that starts
    while the close waits would go ahead of it, and a steady stream of casts could hold the close
    off for ever. With it, a cast that comes after the close waits behind it, and is then refused
    (voting has closed) with its token unspent; the cast that was in flight is in the tally."""
    from service.voting import operations as voting
    first, later = full_campaign.tokens(2)
    in_flight = psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor)
    with app.test_request_context(), in_flight.cursor() as cur:
        voting.cast(cur, first, {})  # stored, not yet committed
    outcome = {}

    def close():
        outcome["close"] = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                                       headers=organiser_key).status_code

    def cast_later():
        outcome["later"] = client.post("/api/v1/ballots:cast", json={"token": later, "answers": {}}).status_code
    closer = threading.Thread(target=close)
    closer.start()
    wait_for_lock_waiter(database, "the close to wait for the cast in flight", application_name="pingyi")
    caster = threading.Thread(target=cast_later)
    caster.start()
    wait_until(lambda: waiting_on_lock(database, "advisory", "pingyi"), "the later cast to queue behind the close")
    assert "later" not in outcome  # it did not go ahead of the close
    in_flight.commit()
    in_flight.close()
    closer.join(30)
    caster.join(30)
    assert outcome == {"close": 200, "later": 409}
    assert counts(database) == (0, 1)
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM ballot_tokens WHERE round_id = %s", (full_campaign.round,))
        assert cur.fetchone()[0] == 1  # the later cast's token: refused, so not spent
    c.close()


def test_a_cast_after_the_close_is_refused_and_spends_nothing(client, full_campaign, organiser_key, database):
    (token,) = full_campaign.tokens(1)
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    r = client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "voting_closed"
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM ballot_tokens WHERE round_id = %s", (full_campaign.round,))
        assert cur.fetchone()[0] == 1  # the token is still there: nothing was spent
    c.close()


def test_keys_are_made_at_the_opening_and_swept_if_the_close_could_not_destroy_them(
        client, full_campaign, organiser_key, database, settings, monkeypatch):
    from service.voting import operations as voting
    assert round_keys.load(settings.var_dir, full_campaign.round) is not None  # made when voting opened
    cast(client, full_campaign.tokens(1)[0], {})
    monkeypatch.setitem(voting.EFFECTS, "round_keys_destroyed", voting.Effect())  # the process died after commit
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    assert round_keys.load(settings.var_dir, full_campaign.round) is not None
    done = mixer.run_once(database, settings.var_dir, 10)
    assert full_campaign.round in done["keys_destroyed"]
    assert round_keys.load(settings.var_dir, full_campaign.round) is None


def test_the_background_thread_mixes_without_being_asked(client, full_campaign, database, settings):
    for t in full_campaign.tokens(4):
        cast(client, t, {})
    stop = threading.Event()
    worker = threading.Thread(target=mixer.loop, args=(database, settings.var_dir, 2, 0.2, stop))
    worker.start()
    try:
        wait_until(lambda: counts(database) == (2, 2), "the thread to mix all but k of the ballots")
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()


def test_each_gunicorn_worker_starts_its_mixing_thread(database, settings, monkeypatch):
    """gunicorn calls load() in each worker after the fork: that is where the thread starts."""
    from service.core import server
    started = []
    monkeypatch.setattr(mixer, "start", lambda dsn, var_dir, k, seconds: started.append((dsn, var_dir, k, seconds)))
    for name, value in (("DATABASE_URL", database), ("SECRET_KEY", settings.secret_key), ("PINGYI_ENV", "test"),
                        ("PINGYI_VAR_DIR", str(settings.var_dir)), ("MIX_SECONDS", "45"), ("MIX_K", "12")):
        monkeypatch.setenv(name, value)
    app = server._App({"bind": "127.0.0.1:0", "workers": 1}).load()
    assert app.config["DATABASE_DSN"] == database and started == [(database, settings.var_dir, 12, 45)]


def test_the_mix_command(client, full_campaign, run_cli, database):
    for t in full_campaign.tokens(2):
        cast(client, t, {})
    r = run_cli("mix", env={"MIX_K": "1"})
    assert r.exit_code == 0 and "mixed 1 ballots in 1 batches" in r.stdout, r.output
    assert counts(database) == (1, 1)


def test_the_mixers_counts_equal_a_recount_of_the_ballots(client, full_campaign, organiser_key, conn, mix):
    """Each batch's counts are added to its group's row in the same transaction; after mixes and
    the close's last batches, the stored counts are exactly what a recount of the rows says."""
    from ballots.counts import counts_from_ballots
    from service.results.queries import count_round, stored_counts
    s = {k: str(v) for k, v in full_campaign.sections.items()}
    o, p = full_campaign.orgs, full_campaign.people
    answers = [full_campaign.valid,
               {s["rating"]: {str(o[0]): "不满意"}, s["choose"]: {"chosen": [p[1], p[2]]}, s["score"]: {str(p[0]): 61.5}},
               {s["approve"]: {str(p[0]): "不赞成"}, s["choose"]: {"write_ins": ["赵静", "钱坤"]}}, {}]
    for i in range(23):
        (token,) = full_campaign.tokens(1, group=i % 2)
        cast(client, token, answers[i % 4])
        if i in (9, 17):
            mix(k=4)
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    with conn.cursor() as cur:
        stored = stored_counts(cur, full_campaign.round)
        cur.execute("SELECT group_id, answers FROM ballots WHERE round_id = %s", (full_campaign.round,))
        recount = counts_from_ballots(cur.fetchall())
        from ballots import forms
        definition = client.get(f"/api/v1/campaigns/{full_campaign.id}", headers=organiser_key).get_json()
        sections = forms.build_form(definition, full_campaign.round, None)
        sql = count_round(cur, full_campaign.round, sections, lambda g: forms.build_form(definition, full_campaign.round, g))
    conn.commit()
    assert sum(stored.ballots.values()) == 23
    for name in ("ballots", "options", "chosen", "write_ins"):
        assert dict(getattr(stored, name)) == dict(getattr(recount, name)) == dict(getattr(sql, name)), name
    assert {k: (a.n, a.total, a.low, a.high) for k, a in stored.scores.items()} == \
        {k: (a.n, a.total, a.low, a.high) for k, a in recount.scores.items()}


def test_a_sealed_row_that_does_not_open_is_left_out_and_said(client, full_campaign, organiser_key, database,
                                                               settings, caplog, login, make_user):
    """An operator flips a byte of one sealed ballot: the mixer leaves it sealed and logs it
    (never a guess, never blocking its group), the close goes through, the key still goes, and
    the results say that one ballot received was not counted."""
    for token in full_campaign.tokens(3):
        cast(client, token, {})
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("""UPDATE sealed_ballots SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1)
                       WHERE id = (SELECT id FROM sealed_ballots WHERE round_id = %s ORDER BY id LIMIT 1)""",
                    (full_campaign.round,))
    c.close()
    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()
    assert counts(database) == (1, 2)
    assert "do not open with the round's key" in caplog.text
    assert round_keys.load(settings.var_dir, full_campaign.round) is None  # forward secrecy all the same
    result = client.get(f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/results",
                        headers=organiser_key).get_json()
    assert result["unopened"] == 1 and result["ballots"] == 2
    login(make_user("organiser"))
    page = client.get(f"/admin/campaigns/{full_campaign.id}/results").get_data(as_text=True)
    assert "另有 1 张已收到的密封选票无法用本轮密钥打开，未计入结果" in page
    with psycopg2.connect(database) as c, c.cursor() as cur:  # what the after-test check would call unmixed
        cur.execute("DELETE FROM sealed_ballots WHERE round_id = %s", (full_campaign.round,))
    c.close()
