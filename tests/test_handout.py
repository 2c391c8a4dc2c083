"""Portal hand-out: one ballot per voter reference and round, even under a burst of requests,
with only a keyed hash of the reference kept and nothing linking it to the ballot."""
from __future__ import annotations

import hashlib

from ballots.tokens import normalise
from tests.conftest import burst
from tests.helpers import ctid_order


def test_one_ballot_per_reference(client, portal):
    first = client.post(portal["url"], json={"voter_ref": "S2026001", "group_id": portal["group"]},
                        headers=portal["key"])
    assert first.status_code == 201
    assert first.json["url"].split("/b/")[1].replace("-", "") == first.json["code"].replace("-", "")
    again = client.post(portal["url"], json={"voter_ref": "S2026001", "group_id": portal["group"]},
                        headers=portal["key"])
    assert again.status_code == 409 and again.json["error"]["code"] == "already_handed_out"
    other = client.post(portal["url"], json={"voter_ref": "S2026002", "group_id": portal["group"]},
                        headers=portal["key"])
    assert other.status_code == 201 and other.json["code"] != first.json["code"]
    token = first.json["url"].split("/b/")[1]
    page = client.get(f"/b/{token}")  # a real ballot, waiting for the voting to open
    assert page.status_code == 409 and "投票尚未开始" in page.get_data(as_text=True)


def test_handout_needs_its_scope_and_an_issuing_state(client, make_campaign, organiser_key, make_key):
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    url = f"/api/v1/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/ballots:handout"
    body = {"voter_ref": "T1", "group_id": c["groups"][0]["id"]}
    assert client.post(url, json=body, headers=organiser_key).status_code == 403
    r = client.post(url, json=body, headers=make_key("handout"))
    assert r.status_code == 409 and r.json["error"]["code"] == "wrong_state"


def test_the_pool_refills_itself(client, portal, conn):
    for i in range(60):  # more than one pool refill (50)
        r = client.post(portal["url"], json={"voter_ref": f"T{i}", "group_id": portal["group"]},
                        headers=portal["key"])
        assert r.status_code == 201
    with conn.cursor() as cur:
        cur.execute("SELECT kind, size FROM batches WHERE campaign_id = %s ORDER BY id", (portal["cid"],))
        assert [tuple(r.values()) for r in cur.fetchall()] == [("handout", 50), ("handout", 50)]
        cur.execute("SELECT count(*) AS n FROM handouts")
        assert cur.fetchone()["n"] == 60
        cur.execute("SELECT count(*) AS n FROM handout_pool")
        assert cur.fetchone()["n"] == 40


def test_twenty_simultaneous_handouts_for_one_reference_give_one_ballot(gunicorn_server, portal, conn):
    statuses = burst(gunicorn_server.url + portal["url"], {"voter_ref": "同一位老师", "group_id": portal["group"]},
                     portal["key"], n=20)
    assert statuses == [201] + [409] * 19
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM handouts")
        assert cur.fetchone()["n"] == 1
        cur.execute("SELECT count(*) AS n FROM handout_pool")
        assert cur.fetchone()["n"] == 49  # one seed left the pool: the 19 refused took none
        cur.execute("SELECT count(*) AS n FROM batches WHERE campaign_id = %s", (portal["cid"],))
        assert cur.fetchone()["n"] == 1   # and no refill was made for them


def test_handout_rows_cannot_be_paired_with_tokens_by_order(client, organiser_key, make_campaign, make_key, conn):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    url = f"/api/v1/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/ballots:handout"
    key = make_key("handout")
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    given = []
    for i in range(12):
        r = client.post(url, json={"voter_ref": f"S{i}", "group_id": c["groups"][0]["id"]}, headers=key)
        given.append(hashlib.sha256(normalise(r.json["code"]).encode()).digest())
    stored = ctid_order(conn, "ballot_tokens", "token_hash", "campaign_id = %s", (cid,))
    assert stored == sorted(stored)  # the pool's hashes were written sorted, not in seed order
    positions = [stored.index(h) for h in given]
    assert positions != sorted(positions)  # hand-out order is not storage order (1 in 12! by chance)
    with conn.cursor() as cur:
        cur.execute("SELECT seed FROM handout_pool WHERE campaign_id = %s ORDER BY seed", (cid,))
        left = [bytes(r["seed"]) for r in cur.fetchall()]
    assert len(left) == 38


def test_voiding_a_handout_batch_withdraws_only_its_pool(client, organiser_key, make_campaign, make_key, conn):
    cid = make_campaign()
    for state in ("announced", "open"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    url = f"/api/v1/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/ballots:handout"
    key = make_key("handout")
    codes = [client.post(url, json={"voter_ref": f"S{i}", "group_id": c["groups"][0]["id"]},
                         headers=key).json["code"] for i in range(3)]
    (batch,) = client.get(f"/api/v1/campaigns/{cid}/batches", headers=organiser_key).json
    assert (batch["issued"], batch["pooled"], batch["cast"]) == (3, 47, 0)
    r = client.post(f"/api/v1/campaigns/{cid}/batches/{batch['id']}:void", headers=organiser_key)
    assert r.status_code == 200 and (r.json["withdrawn"], r.json["pooled"], r.json["issued"]) == (47, 0, 3)
    page = client.get(f"/b/{normalise(codes[0])}")
    assert page.status_code == 200  # a ballot already handed out still works
    again = client.post(url, json={"voter_ref": "S9", "group_id": c["groups"][0]["id"]}, headers=key)
    assert again.status_code == 201  # and a new hand-out takes a fresh pool


def test_a_pool_that_cannot_be_refilled_says_503_and_when_to_retry(client, portal, monkeypatch, fingerprint):
    """Three tries find the pool empty (here every refill is lost to other hand-outs): nothing is
    handed out, and the portal is told to come back (Retry-After), as for a database outage."""
    from service.issuance import operations as issuance
    monkeypatch.setattr(issuance, "refill_pool", lambda *args: None)
    before = fingerprint()
    r = client.post(portal["url"], json={"voter_ref": "S2026099", "group_id": portal["group"]}, headers=portal["key"])
    assert r.status_code == 503 and r.json["error"]["code"] == "pool_exhausted"
    assert r.headers["Retry-After"].isdigit()
    assert fingerprint() == before
