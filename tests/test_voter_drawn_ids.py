"""The voter's page (or a portal) draws the ballot's random id itself and so knows its receipt
code before the response arrives (docs/voting.md, service/web/static/tracker.js). The id is the
voter's, not a key: two casts with one id are two ballots, both counted, and a reused id can
block neither the mixer nor the close."""
from __future__ import annotations

import uuid

import psycopg2

from ballots import forms
from ballots.tokens import token_hash
from tests.helpers import superuser
from tests.polling import wait_until

CAST = "/api/v1/ballots:cast"


def _expected(campaign, ballot_id: str, answers: dict, group: int = 0) -> str:
    return forms.short_tracker(forms.tracker(ballot_id, campaign.round, campaign.groups[group], answers))


def test_the_receipt_is_known_before_sending(client, full_campaign, database, mix):
    """With its own id, a client computes the receipt from what it sends: the server's receipt is
    that one, and the mixed ballot carries the id and hashes to the tracker."""
    (token,) = full_campaign.tokens(1)
    ballot_id = str(uuid.uuid4())
    r = client.post(CAST, json={"token": token, "answers": full_campaign.valid, "ballot_id": ballot_id})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["tracker"] == _expected(full_campaign, ballot_id, full_campaign.valid)
    mix()
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT id::text, answers, tracker FROM ballots WHERE round_id = %s", (full_campaign.round,))
        ((stored_id, answers, tracker),) = cur.fetchall()
    c.close()
    assert stored_id == ballot_id
    assert bytes(tracker) == forms.tracker(ballot_id, full_campaign.round, full_campaign.groups[0], answers)


def test_without_an_id_the_server_draws_one(client, full_campaign):
    first, second = full_campaign.tokens(2)
    a = client.post(CAST, json={"token": first, "answers": {}}).get_json()["tracker"]
    b = client.post(CAST, json={"token": second, "answers": {}}).get_json()["tracker"]
    assert a != b  # two blank ballots differ by their random ids


def test_an_id_that_is_not_a_random_uuid_is_refused_and_nothing_is_spent(client, full_campaign):
    (token,) = full_campaign.tokens(1)
    for bad in ("not-an-id", str(uuid.uuid4()).upper(), str(uuid.uuid1()), str(uuid.uuid4()) + "\n", "", 7,
                "00000000-0000-4000-8000-0000000000000"):
        r = client.post(CAST, json={"token": token, "answers": {}, "ballot_id": bad})
        assert r.status_code == 422, (bad, r.get_json())
        assert "ballot_id" in str(r.get_json()["error"]["details"])
    assert client.post(CAST, json={"token": token, "answers": {}}).status_code == 201  # still unspent


def test_one_id_sent_twice_makes_two_ballots_and_blocks_nothing(client, full_campaign, organiser_key, database, mix):
    """A voter holding several slips sends one id with every one of them (or copies an id they saw):
    each cast is a ballot, the equal ones share a receipt, the mixer's batches and the close go
    through, and the count is the number of tokens spent."""
    tokens = full_campaign.tokens(24)
    same = str(uuid.uuid4())
    receipts = set()
    for i, token in enumerate(tokens):
        answers = {} if i % 2 else full_campaign.valid  # half of them equal ballots, the rest differing
        r = client.post(CAST, json={"token": token, "answers": answers, "ballot_id": same})
        assert r.status_code == 201
        receipts.add(r.get_json()["tracker"])
    assert receipts == {_expected(full_campaign, same, full_campaign.valid), _expected(full_campaign, same, {})}
    assert mix(k=5)["mixed"] == 19  # a batch while voting is open: all but k
    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT id), count(DISTINCT tracker) FROM ballots WHERE round_id = %s",
                    (full_campaign.round,))
        assert cur.fetchone() == (24, 1, 2)
        cur.execute("SELECT count(*) FROM sealed_ballots WHERE round_id = %s", (full_campaign.round,))
        assert cur.fetchone() == (0,)
    c.close()
    board = client.post(f"/board/{full_campaign.round}", data={"tracker": min(receipts)})
    assert "已计入" in board.get_data(as_text=True)


def test_the_page_sends_its_id_and_a_tampered_one_is_not_used(client, full_campaign, database, mix):
    """The ballot page's hidden field carries the id the page drew; a value that is not a random
    UUID (a tampered page) is ignored and the server draws one — the ballot is cast either way."""
    good, tampered = full_campaign.tokens(2)
    ballot_id = str(uuid.uuid4())
    for token, sent in ((good, ballot_id), (tampered, "x' OR 1=1 --")):
        page = client.get(f"/b/{token}").get_data(as_text=True)
        assert 'name="ballot_id"' in page
        r = client.post(f"/b/{token}", data={"ballot": "1", "ballot_id": sent})
        assert r.status_code == 201
    mix()
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT id::text FROM ballots WHERE round_id = %s", (full_campaign.round,))
        ids = {row[0] for row in cur.fetchall()}
    c.close()
    assert len(ids) == 2 and ballot_id in ids


def test_a_cast_whose_last_statement_fails_spends_nothing(client, full_campaign, database):
    """A cast's BEGIN rides with its first statement and its COMMIT with its sealed insert
    (service.core.db.fused_transaction): when that insert fails, the whole cast is rolled back —
    the token unspent, no sealed row, no transaction left open on the pooled connection — and
    the same connection casts the same token once the fault is gone."""
    (token,) = full_campaign.tokens(1)
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("ALTER TABLE sealed_ballots ADD CONSTRAINT refuse_every_row CHECK (id IS NULL) NOT VALID")
    try:
        r = client.post(CAST, json={"token": token, "answers": {}})
        assert r.status_code == 500 and r.get_json()["error"]["code"] == "internal", r.get_json()
        with admin.cursor() as cur:
            cur.execute("SELECT count(*) FROM sealed_ballots")
            assert cur.fetchone()[0] == 0
            cur.execute("SELECT count(*) FROM ballot_tokens WHERE token_hash = %s", (token_hash(token),))
            assert cur.fetchone()[0] == 1

        def all_idle():
            # every 'pingyi' connection idle: a transaction the failed cast left open stays open, while
            # another process's (the session's gunicorn server: its schedule pass) is gone at once
            with admin.cursor() as cur:
                cur.execute("SELECT state FROM pg_stat_activity WHERE application_name = 'pingyi'")
                return {s for (s,) in cur.fetchall()} == {"idle"}
        wait_until(all_idle, "every pingyi connection idle", timeout=10)
    finally:
        with admin.cursor() as cur:
            cur.execute("ALTER TABLE sealed_ballots DROP CONSTRAINT refuse_every_row")
        admin.close()
    assert client.post(CAST, json={"token": token, "answers": {}}).status_code == 201
    assert client.post(CAST, json={"token": token, "answers": {}}).status_code == 409
