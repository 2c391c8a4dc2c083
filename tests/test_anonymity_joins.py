"""The anonymity suite's summary join (issue 10): ballots cast in a known order from printed
batches and portal hand-outs, and everything a database superuser can chain from the WAL — the
token's row deleted, the sealed row inserted beside it, the batch that deleted that sealed row and
wrote ballots — places each ballot in its batch of at least k of its group (or the whole group),
and no nearer its token, its hand-out or its cast position (docs/voting.md)."""
from __future__ import annotations

import random
from collections import defaultdict

from tests.helpers import assert_one_in_k, open_voting, superuser, wal_mark, wal_since

K = 10
BALLOT_TABLES = {"ballot_tokens", "sealed_ballots", "sealed_ballots.toast", "ballots", "ballots.toast", "ballot_counts"}


def _vote(v, rng, teachers: int, students: int, printed: dict, handed: dict) -> None:
    """Casts of both groups in a shuffled but recorded order; a hand-out's ballot is handed out
    just before it is cast (what a portal does), in a window of its own."""
    plan = [0] * teachers + [1] * students
    rng.shuffle(plan)
    for group in plan:
        if rng.random() < 0.5 and handed[group]:
            token = v.handout(handed[group].pop(), group)
            v.cast(token, v.answers(len(v.casts), rng), group, via="handout")
        else:
            v.cast(printed[group].pop(), v.answers(len(v.casts), rng), group, via="print")


def _chain(records, token_ctids: dict, cast_of_hash: dict) -> tuple[dict, dict]:
    """What the WAL alone chains, in LSN order: the transaction that deleted a token's row (by its
    ctid), the sealed row that transaction inserted, and the transaction that deleted that sealed
    row (the close mixes every group in its one transaction: a batch is a transaction and a group,
    which the sealed row names). Returns ({cast xid: cast}, {(batch xid, group): cast positions
    whose sealed row it deleted})."""
    cast_xids, sealed_at, batches = {}, {}, defaultdict(set)
    for r in records:
        if r.rmgr != "Heap" or not r.ctid:
            continue
        if r.rel == "ballot_tokens" and r.op == "DELETE":
            cast_xids[r.xid] = cast_of_hash[token_ctids[r.ctid]]
        elif r.rel == "sealed_ballots" and r.op == "INSERT":
            sealed_at[r.ctid] = r.xid
        elif r.rel == "sealed_ballots" and r.op == "DELETE":
            cast = cast_xids[sealed_at.pop(r.ctid)]
            batches[(r.xid, cast.group)].add(cast.position)
    return cast_xids, batches


def test_no_ballot_is_joined_to_its_token_handout_or_cast_position_better_than_1_in_k(
        client, organiser_key, make_key, database, mix):
    """Teachers 25 then 6 more, students 7, about half through the portal: the mixer's batch of 15
    while voting is open, the close's 16 and the students' 7 (the whole group). Chaining token row
    → cast transaction → sealed row → batch transaction → ballot (its xmin) succeeds, and gives
    each ballot exactly its batch. The hand-out's own transaction touches none of the ballot tables
    and a cast touches no hand-out table: granting the attacker even the hand-out's cast (it comes
    right after it), the ballot is still only in its batch."""
    from ballots.tokens import token_hash
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(1010)
    printed = {0: v.tokens(31, 0), 1: v.tokens(7, 1)}
    for group, ref in ((0, "T-absent"), (1, "S-absent")):  # handed out, never cast; fills each group's pool
        v.handout(ref, group)
    handed = {0: [f"T{i}" for i in range(15)], 1: [f"S{i}" for i in range(3)]}
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("SELECT ctid::text, token_hash FROM ballot_tokens WHERE campaign_id = %s", (v.id,))
        token_ctids = {tuple(int(x) for x in c.strip("()").split(",")): bytes(h) for c, h in cur.fetchall()}
        mark = wal_mark(cur)
    _vote(v, rng, 25, 7, printed, handed)
    assert mix(k=K) == {"mixed": 15, "batches": 1, "keys_destroyed": []}
    _vote(v, rng, 6, 0, printed, handed)
    v.close(organiser_key)
    with admin.cursor() as cur:
        records = wal_since(cur, mark)
        cur.execute("SELECT xmin::text::bigint, group_id, tracker FROM ballots WHERE round_id = %s", (v.round,))
        ballots = cur.fetchall()
    admin.close()
    handouts = sum(c.via == "handout" for c in v.casts)
    assert len(ballots) == len(v.casts) == 38 and 8 <= handouts <= 18
    cast_xids, batches = _chain(records, token_ctids, {token_hash(c.token): c for c in v.casts})
    assert sorted(c.position for c in cast_xids.values()) == list(range(38))  # every cast's transaction found
    assert sorted(len(b) for b in batches.values()) == [7, 15, 16]
    groups = {c.position: c.group for c in v.casts}
    truth = {bytes(t): v.cast_of_tracker(t).position for _, _, t in ballots}
    crowds = {bytes(t): batches[(xmin, v.groups.index(g))] for xmin, g, t in ballots}
    assert_one_in_k(crowds, truth, groups, K, "token → cast transaction → sealed row → batch → ballot")
    # Cast positions are in the WAL too (its casts' transactions come in cast order, by design):
    # the crowds above are of positions, so they join no better than the batch either.
    assert [cast_xids[x].position for x in sorted(cast_xids)] == list(range(38))
    # Hand-outs: their transactions write nothing of a ballot, a cast writes nothing of a hand-out.
    touched = defaultdict(set)
    for r in records:
        touched[r.xid].update(b[0] for b in r.blocks)
    handout_xids = {r.xid for r in records if r.rel == "handouts" and r.op == "INSERT"}
    assert len(handout_xids) == handouts and handout_xids.isdisjoint(cast_xids) and handout_xids.isdisjoint(x for x, _ in batches)
    assert all(not touched[x] & BALLOT_TABLES for x in handout_xids)
    assert all(not touched[x] & {"handouts", "handout_pool"} for x in cast_xids)
    # The most a watcher learns of a hand-out is the cast that follows it (its xid, its time):
    # chained on from there, the hand-out's ballot is in its batch like any other.
    next_cast = {h: cast_xids[min(x for x in cast_xids if x > h)].position for h in handout_xids}
    assert set(next_cast.values()) == {c.position for c in v.casts if c.via == "handout"}
    handout_crowds = {b: crowd for b, crowd in crowds.items() if truth[b] in set(next_cast.values())}
    assert_one_in_k(handout_crowds, truth, groups, K, "hand-out → its cast → sealed row → batch → ballot")
