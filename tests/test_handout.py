"""Portal hand-out: one ballot per voter reference and round, even under a burst of requests,
with only a keyed hash of the reference kept and nothing linking it to the ballot."""
from __future__ import annotations

from tests.conftest import burst


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


def test_closing_shuffles_the_record_of_hand_outs(client, portal, organiser_key, conn):
    """While voting is open the hand-outs sit in the order they were made (a cast soon follows
    each); the close rewrites them in random order under one transaction id."""
    for i in range(30):
        assert client.post(portal["url"], json={"voter_ref": f"S{i:03d}", "group_id": portal["group"]},
                           headers=portal["key"]).status_code == 201
    order = "SELECT ref_hash, xmin::text AS x FROM handouts ORDER BY ctid"
    with conn.cursor() as cur:
        cur.execute(order)
        before = cur.fetchall()
    conn.commit()
    assert len({r["x"] for r in before}) == 30  # one transaction a hand-out, in hand-out order
    url = f"/api/v1/campaigns/{portal['cid']}/transitions"
    for state in ("open", "closed"):
        assert client.post(url, json={"to": state}, headers=organiser_key).status_code == 200
    with conn.cursor() as cur:
        cur.execute(order)
        after = cur.fetchall()
    assert sorted(bytes(r["ref_hash"]) for r in after) == sorted(bytes(r["ref_hash"]) for r in before)
    assert [bytes(r["ref_hash"]) for r in after] != [bytes(r["ref_hash"]) for r in before]
    assert len({r["x"] for r in after}) == 1  # all rewritten by the close
