"""Tampering as a database superuser after a round's close (issue 11's acceptance): in 200 random
trials one audit entry is changed, deleted, moved or forged, or one ballot changed (its tracker
kept or recomputed), deleted or added; each time the offline verifier, run on a fresh bundle,
fails and names what was touched, and the untouched record, restored between trials, passes."""
from __future__ import annotations

import hashlib
import io
import json
import random
import uuid

import psycopg2
from psycopg2.extras import Json

from ballots import audit, forms, verify

CAST = "/api/v1/ballots:cast"
TRIALS = 200
SEED = 20261125
AWAY = 1_000_000  # heights moved out of the way while others take their place (the key is (chain, height))
CHAIN_KINDS = ("payload", "entry", "delete_entry", "swap_entries", "forge_entry")
BALLOT_KINDS = ("answers", "answers_and_tracker", "delete_ballot", "add_ballot")
AUDIT_COLUMNS = "chain, height, prev_hash, entry_hash, entry, payload, type, actor, created_at"
BALLOT_COLUMNS = "id, campaign_id, round_id, group_id, answers, tracker, source, tally"


def _steps(client, key, campaign) -> dict[int, verify.Step]:
    r = client.get(f"/api/v1/campaigns/{campaign.id}/rounds/{campaign.round}/bundle", headers=key)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return {s.number: s for s in verify.verify(io.BytesIO(r.get_data()))}


def _failed(steps) -> set[int]:
    return {n for n, s in steps.items() if s.status == verify.FAIL}


class Record:
    """The round's record as the close left it, kept row for row: restored exactly after each trial."""

    def __init__(self, cur, campaign):
        self.campaign = campaign
        cur.execute(f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE chain = %s ORDER BY height", (campaign.id,))
        self.entries = cur.fetchall()
        cur.execute(f"SELECT {BALLOT_COLUMNS} FROM ballots WHERE round_id = %s ORDER BY id", (campaign.round,))
        self.ballots = [(str(b[0]), *b[1:]) for b in cur.fetchall()]
        self.mixed: dict[int, int] = {}  # group → ballots the chain records mixed
        for e in self.entries:
            if e[6] == "ballots.mixed":
                p = json.loads(e[5])
                self.mixed[p["group_id"]] = self.mixed.get(p["group_id"], 0) + p["count"]

    def restore(self, cur) -> None:
        cur.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        cur.execute("DELETE FROM audit_log WHERE chain = %s", (self.campaign.id,))
        cur.executemany(f"INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        self.entries)
        cur.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        cur.execute("DELETE FROM ballots WHERE round_id = %s", (self.campaign.round,))
        cur.executemany(f"INSERT INTO ballots ({BALLOT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        [(*b[:4], Json(b[4]), *b[5:]) for b in self.ballots])


def _new_answers(campaign, old: dict) -> dict:
    """Other answers the rules accept, with other counts: a blank ballot filled in, a filled one blanked."""
    return campaign.valid if not old else {}


def _tamper_chain(cur, rng, kind, record) -> list[str]:
    """One change to the campaign's chain; what the verifier's step 3 must then say (each, exactly)."""
    cid, n = record.campaign.id, len(record.entries)
    if kind == "payload":
        h = rng.randrange(n)
        cur.execute("UPDATE audit_log SET payload = %s WHERE chain = %s AND height = %s",
                    (json.dumps({"forged": rng.randrange(10**6)}), cid, h))
        return [f"entry {h}: its payload is not the one it committed to"]
    if kind == "entry":  # the actor rewritten in the hashed text (and its column): the next link breaks
        h = rng.randrange(n)  # the last one's next is the download's own entry, linked to its stored hash
        cur.execute("""UPDATE audit_log SET entry = replace(entry, '"actor":"', '"actor":"x'), actor = 'x' || actor
                       WHERE chain = %s AND height = %s""", (cid, h))
        return [f"entry {h + 1}: does not link to the entry before it (prev is not that entry's hash)"]
    if kind == "delete_entry":  # not the last: audit_append would put the download's entry in its place
        h = rng.randrange(n - 1)
        cur.execute("DELETE FROM audit_log WHERE chain = %s AND height = %s", (cid, h))
        return [f"entry {h}: says height {h + 1}: an entry is missing, added or moved before it"]
    if kind == "swap_entries":
        h, k = sorted(rng.sample(range(n), 2))
        cur.execute("UPDATE audit_log SET height = height + %s WHERE chain = %s AND height IN (%s, %s)", (AWAY, cid, h, k))
        cur.execute("UPDATE audit_log SET height = %s - height WHERE chain = %s AND height >= %s", (h + k + AWAY, cid, AWAY))
        return [f"entry {h}: says height {k}: an entry is missing, added or moved before it",
                f"entry {k}: says height {h}: an entry is missing, added or moved before it"]
    assert kind == "forge_entry"  # well formed, linked to the entry before it, the later ones moved up
    h = rng.randrange(n)
    prev = audit.GENESIS if h == 0 else bytes(record.entries[h - 1][3])
    payload = json.dumps({"id": rng.randrange(1, 100)}, ensure_ascii=False)
    fields = {"actor": "key:test system", "chain": cid, "height": h, "payload": hashlib.sha256(payload.encode()).hexdigest(),
              "prev": prev.hex(), "time": json.loads(record.entries[h][4])["time"], "type": "subject.added"}
    text = audit.canonical_entry(fields)
    cur.execute("UPDATE audit_log SET height = height + %s WHERE chain = %s AND height >= %s", (AWAY + 1, cid, h))
    cur.execute("UPDATE audit_log SET height = height - %s WHERE chain = %s AND height >= %s", (AWAY, cid, AWAY))
    cur.execute(f"INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())",
                (cid, h, prev, audit.entry_hash(text), text, payload, fields["type"], fields["actor"]))
    return [f"entry {h + 1}: says height {h}: an entry is missing, added or moved before it"]


def _tamper_ballot(cur, rng, kind, record) -> tuple[int, str | None]:
    """One change to the round's ballots: (the group touched, the tracker's hex the verifier must
    name, when it can name one)."""
    campaign = record.campaign
    ballot_id, _, round_id, group_id, answers, tracker, source, tally = rng.choice(record.ballots)
    tracker = bytes(tracker)
    if kind == "answers":
        cur.execute("UPDATE ballots SET answers = %s WHERE id = %s",
                    (json.dumps(_new_answers(campaign, answers)), ballot_id))
        return group_id, tracker.hex()
    if kind == "answers_and_tracker":
        new = _new_answers(campaign, answers)
        cur.execute("UPDATE ballots SET answers = %s, tracker = %s WHERE id = %s",
                    (json.dumps(new), forms.tracker(ballot_id, round_id, group_id, new), ballot_id))
        return group_id, None
    if kind == "delete_ballot":
        cur.execute("DELETE FROM ballots WHERE id = %s", (ballot_id,))
        return group_id, None
    assert kind == "add_ballot"
    new_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    cur.execute(f"INSERT INTO ballots ({BALLOT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (new_id, campaign.id, round_id, group_id, json.dumps(answers),
                 forms.tracker(new_id, round_id, group_id, answers), source, tally))
    return group_id, None


def _assert_chain_named(steps, expected: list[str], what) -> None:
    assert 3 in _failed(steps), what
    assert _failed(steps) <= {3, 5}, what  # the ballots are untouched (5: a forged count of a mixed batch)
    for line in expected:
        assert line in steps[3].details, (what, steps[3].details)


def _assert_ballot_named(steps, kind, group_id, tracker_hex, record, what) -> None:
    failed = _failed(steps)
    assert 3 not in failed and {8, 9} <= failed, (what, failed)  # the chain is untouched; the recount differs
    assert any(d.startswith(f"group {group_id}, ") and "the recount gives" in d for d in steps[8].details), \
        (what, steps[8].details)
    assert any("the recount hashes to" in d for d in steps[9].details), (what, steps[9].details)
    held, mixed = len(record.ballots), record.mixed[group_id]
    if kind == "answers":  # the tree still holds: the ballot's content no longer hashes to its tracker
        assert 5 not in failed and 6 in failed, (what, failed)
        assert [d for d in steps[6].details if d.startswith(f"ballot {tracker_hex[:16]}… (line ")
                and d.endswith("its content does not hash to its tracker")] == steps[6].details, (what, steps[6].details)
    elif kind == "answers_and_tracker":  # each ballot hashes to its tracker, the trackers not to the signed root
        assert 6 not in failed and 5 in failed, (what, failed)
        assert len(steps[5].details) == 1 and steps[5].details[0].endswith("a ballot was changed, added or removed"), \
            (what, steps[5].details)
    else:
        assert 6 not in failed and 5 in failed, (what, failed)
        now = held - 1 if kind == "delete_ballot" else held + 1
        assert steps[5].details == [f"checkpoints/001-close.note: signed {held} ballots; the bundle holds {now}",
                                    f"group {group_id}: the chain records {mixed} ballots mixed, the bundle holds "
                                    f"{mixed - held + now}"], (what, steps[5].details)


def test_every_tampering_is_named_and_every_control_passes(client, closed_round, auditor_key, database):
    rng = random.Random(SEED)
    admin = psycopg2.connect(database)  # the postgres superuser; one transaction per change
    with admin.cursor() as cur:
        record = Record(cur, closed_round)
    admin.commit()
    assert len(record.entries) >= 20 and len(record.ballots) == 12
    control = _steps(client, auditor_key, closed_round)
    assert all(s.status == verify.PASS for s in control.values()), {n: (s.status, s.details) for n, s in control.items()}
    seen = []
    for trial in range(TRIALS):
        with admin.cursor() as cur:
            record.restore(cur)
        admin.commit()
        if trial % 10 == 0:
            control = _steps(client, auditor_key, closed_round)
            assert _failed(control) == set(), (trial, {n: s.details for n, s in control.items() if s.details})
        kind = rng.choice(CHAIN_KINDS + BALLOT_KINDS)
        seen.append(kind)
        with admin.cursor() as cur:
            if kind in CHAIN_KINDS:
                cur.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
                expected = _tamper_chain(cur, rng, kind, record)
                cur.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
            else:
                touched = _tamper_ballot(cur, rng, kind, record)
        admin.commit()
        steps = _steps(client, auditor_key, closed_round)
        what = (SEED, trial, kind)
        if kind in CHAIN_KINDS:
            _assert_chain_named(steps, expected, what)
        else:
            _assert_ballot_named(steps, kind, *touched, record, what)
    with admin.cursor() as cur:
        record.restore(cur)
    admin.commit()
    admin.close()
    assert set(seen) == set(CHAIN_KINDS + BALLOT_KINDS) and min(map(seen.count, set(seen))) >= 10
    control = _steps(client, auditor_key, closed_round)
    assert _failed(control) == set(), {n: s.details for n, s in control.items() if s.details}
