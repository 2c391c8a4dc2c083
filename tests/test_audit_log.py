"""The hash-chained audit log (issue 11.1; migrations/0020_audit_log.sql, ballots/audit.py): each
event appended to its campaign's chain or the service's, in the transaction of its change; the
table refuses UPDATE, DELETE and TRUNCATE; tampering as a superuser (the trigger disabled) is
named by the chain check; the events recorded before the chain are carried into it."""
from __future__ import annotations

import shutil
import threading

import psycopg2
import pytest

from ballots.audit import GENESIS, Entry, batch_digest, check_chain, entry_hash
from service.core import migrate
from tests.conftest import _worker, recreate_database
from tests.helpers import superuser


def chain_of(dsn, chain) -> list[Entry]:
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        cur.execute("SELECT entry, payload FROM audit_log WHERE chain = %s ORDER BY height", (chain,))
        entries = [Entry(t, p) for t, p in cur.fetchall()]
    c.close()
    return entries


def test_a_campaigns_events_form_a_chain_that_checks(full_campaign, database):
    entries = chain_of(database, full_campaign.id)
    assert len(entries) >= 10  # created, groups, subjects, sections, batches, transitions
    assert check_chain(full_campaign.id, entries) == []
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT height, prev_hash, entry_hash, type FROM audit_log WHERE chain = %s ORDER BY height",
                    (full_campaign.id,))
        rows = cur.fetchall()
    c.close()
    assert [r[0] for r in rows] == list(range(len(rows)))
    assert bytes(rows[0][1]) == GENESIS
    assert all(bytes(rows[i + 1][1]) == bytes(rows[i][2]) for i in range(len(rows) - 1))
    assert all(bytes(r[2]) == entry_hash(e.text) for r, e in zip(rows, entries))
    assert "campaign.transition" in {r[3] for r in rows}


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log",
                                       "TRUNCATE audit_log", "DELETE FROM audit_log WHERE false"])
def test_the_log_refuses_to_be_changed_even_by_a_superuser(full_campaign, database, statement):
    admin = superuser(database)
    before = chain_of(database, full_campaign.id)
    with admin.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
        cur.execute(statement)
    admin.close()
    assert chain_of(database, full_campaign.id) == before


def _tampered(database, chain, sql, *params) -> list[str]:
    """Run `sql` as a superuser with the append-only trigger off, then check the chain."""
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        cur.execute(sql, params or {"c": chain})
        cur.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    admin.close()
    return [str(p) for p in check_chain(chain, chain_of(database, chain))]


def test_a_changed_payload_is_named(full_campaign, database):
    found = _tampered(database, full_campaign.id, """UPDATE audit_log SET payload = '{"name": "另一个"}'
                                                     WHERE chain = %s AND height = 3""", full_campaign.id)
    assert found == ["entry 3: its payload is not the one it committed to"]


def test_a_rewritten_entry_is_named_by_the_link_after_it(full_campaign, database):
    found = _tampered(database, full_campaign.id, """UPDATE audit_log SET entry = replace(entry, '"actor":"', '"actor":"x')
                                                     WHERE chain = %s AND height = 2""", full_campaign.id)
    assert found == ["entry 3: does not link to the entry before it (prev is not that entry's hash)"]


def test_a_deleted_entry_is_named(full_campaign, database):
    found = _tampered(database, full_campaign.id, "DELETE FROM audit_log WHERE chain = %s AND height = 4",
                      full_campaign.id)
    assert found[0].startswith("entry 4: says height 5") and "does not link" in found[1]


def test_two_swapped_entries_are_named(full_campaign, database):
    found = _tampered(database, full_campaign.id, """
        UPDATE audit_log SET height = 1000005 WHERE chain = %(c)s AND height = 5;
        UPDATE audit_log SET height = 5 WHERE chain = %(c)s AND height = 6;
        UPDATE audit_log SET height = 6 WHERE chain = %(c)s AND height = 1000005""")
    assert {f.split(":")[0] for f in found} >= {"entry 5", "entry 6"}


def test_an_entry_removed_from_the_end_shows_against_the_signed_head(full_campaign, database):
    entries = chain_of(database, full_campaign.id)
    head = entry_hash(entries[-1].text)
    assert check_chain(full_campaign.id, entries, head) == []
    problems = check_chain(full_campaign.id, entries[:-1], head)
    assert len(problems) == 1 and problems[0].height is None and "not at the head" in str(problems[0])


def test_concurrent_appends_to_one_chain_take_consecutive_heights(database):
    chain, n, threads = 990_001, 15, []

    def append(who):
        conn = psycopg2.connect(database)
        for i in range(n):
            with conn.cursor() as cur:
                cur.execute("SELECT audit_append(%s, 'test.append', %s, %s::jsonb)", (chain, who, f'{{"i": {i}}}'))
            conn.commit()
        conn.close()

    for who in ("a", "b", "c"):
        threads.append(threading.Thread(target=append, args=(who,)))
        threads[-1].start()
    for t in threads:
        t.join()
    entries = chain_of(database, chain)
    assert len(entries) == 3 * n and check_chain(chain, entries) == []


def test_the_events_recorded_before_the_chain_are_carried_into_it(admin_dsn, tmp_path):
    dsn = recreate_database(admin_dsn, f"pingyi_audit_migr_{_worker()}")
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(migrate.MIGRATIONS_DIR.glob("*.sql")):
        if int(path.name[:4]) < 20:
            shutil.copy(path, before / path.name)
    conn = psycopg2.connect(dsn)
    migrate.migrate(conn, before)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO campaigns (title) VALUES ('旧的测评') RETURNING id")
        cid = cur.fetchone()[0]
        for i, (campaign, action) in enumerate([(cid, "campaign.created"), (None, "user.created"),
                                                (cid, "campaign.updated"), (cid, "campaign.transition")]):
            cur.execute("INSERT INTO events (campaign_id, actor, action, details, created_at) "
                        "VALUES (%s, 'user:old', %s, %s, now() - interval '1 day' + %s * interval '1 second')",
                        (campaign, action, f'{{"n": {i}, "说明": "旧记录"}}', i))
    conn.commit()
    assert migrate.migrate(conn)[0] == "0020_audit_log.sql"
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('events')")
        assert cur.fetchone()[0] is None
        cur.execute("SELECT chain, height, type, payload::jsonb FROM audit_log ORDER BY chain, height")
        rows = cur.fetchall()
    conn.close()
    assert [(r[0], r[1], r[2], r[3]["n"]) for r in rows] == [
        (0, 0, "user.created", 1), (cid, 0, "campaign.created", 0), (cid, 1, "campaign.updated", 2),
        (cid, 2, "campaign.transition", 3)]
    assert check_chain(cid, chain_of(dsn, cid)) == [] and check_chain(0, chain_of(dsn, 0)) == []
    recreate_database(admin_dsn, f"pingyi_audit_migr_{_worker()}", drop_only=True)


def test_a_mixed_batch_is_on_the_chain_by_its_count_and_sorted_trackers(client, full_campaign, database, mix):
    for token in full_campaign.tokens(12):
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}).status_code == 201
    assert mix(k=3)["mixed"] == 9  # all but k, once 2k wait
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT tracker FROM ballots WHERE round_id = %s", (full_campaign.round,))
        trackers = [bytes(t) for (t,) in cur.fetchall()]
        cur.execute("SELECT actor, payload::jsonb FROM audit_log WHERE chain = %s AND type = 'ballots.mixed'",
                    (full_campaign.id,))
        ((actor, payload),) = cur.fetchall()
    c.close()
    assert actor == "mixer" and payload == {"round_id": full_campaign.round, "group_id": full_campaign.groups[0],
                                            "count": 9, "trackers_sha256": batch_digest(trackers).hex()}
    assert check_chain(full_campaign.id, chain_of(database, full_campaign.id)) == []


def test_the_close_counts_the_hand_outs_on_the_chain(client, full_campaign, organiser_key, database, make_key):
    portal = make_key("handout")
    for i, ref in enumerate(("u1", "u2", "u3", "u1")):  # u1 twice: one hand-out a voter and round
        r = client.post(f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/ballots:handout",
                        json={"voter_ref": ref, "group_id": full_campaign.groups[0]}, headers=portal)
        assert r.status_code == (409 if i == 3 else 201), r.get_json()
    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT type, payload::jsonb FROM audit_log WHERE chain = %s ORDER BY height", (full_campaign.id,))
        rows = cur.fetchall()
    c.close()
    types = [t for t, _ in rows]
    counted = types.index("handouts.counted")
    assert types[counted + 1] == "checkpoint.signed" and types[counted - 1] == "campaign.transition"
    assert rows[counted][1] == {"rounds": [[full_campaign.round, 3]]}
