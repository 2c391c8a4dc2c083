"""Record sizes and TOAST (issue 10). Ballots of very different sizes — blank, comments of random
Chinese near the section's limit, write-ins — are sealed to one length: every cast writes WAL
records of the same lengths, so a WAL reader cannot tell a long comment's cast from a blank one's.
A ballot's long answers are TOASTed by the mixer's batch, in the order it drew, never by the cast
(docs/voting.md)."""
from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict

from tests.helpers import (
    assert_not_cast_order,
    assert_one_in_k,
    assert_order_is_a_shuffle,
    chinese,
    open_voting,
    read_heap,
    record_shuffles,
    superuser,
    toast_pointers,
    wal_chain,
    wal_mark,
    wal_since,
)

K = 10
SEALED = ("ballot_tokens", "sealed_ballots", "sealed_ballots.toast")


def _profiles(records, cast_xids) -> dict[int, dict[tuple[str, str, int], int | None]]:
    """Each cast's heap records on the token and sealed tables: (relation, operation, n-th such
    record of the cast) → its length without images, or None where it carries a full-page image
    (whose length is the page's, not the record's)."""
    profiles = {p: {} for p in cast_xids.values()}
    for r in records:
        if r.xid in cast_xids and r.rmgr == "Heap" and r.rel in SEALED and r.op in ("INSERT", "DELETE"):
            seen = profiles[cast_xids[r.xid]]
            n = sum(1 for rel, op, _ in seen if (rel, op) == (r.rel, r.op))
            seen[(r.rel, r.op, n)] = None if r.fpw else r.rec
    return profiles


def _alike(a: dict, b: dict) -> bool:
    """Two casts a reader of record sizes cannot tell apart: the same records, of the same lengths
    wherever both are without images."""
    return a.keys() == b.keys() and all(a[k] is None or b[k] is None or a[k] == b[k] for k in a)


def _wal_orders(records, batch_xid: int, cast_xids: dict) -> tuple[list[tuple[int, int]], list[int]]:
    """In the WAL order of one batch's transaction: the ctids of the ballots it inserts (where a
    record names them: a MULTI_INSERT onto a new page fills offsets 1…n, one with a full-page
    image names none), and the cast positions of the sealed rows it deletes."""
    sealed_by, inserted, deleted = {}, [], []
    for r in records:
        if r.rel == "sealed_ballots" and r.op == "INSERT" and r.xid in cast_xids:
            sealed_by[r.ctid] = cast_xids[r.xid]
        if r.xid != batch_xid or not r.blocks:
            continue
        blk = r.blocks[0][2]
        if r.rel == "ballots" and r.op == "MULTI_INSERT":
            listed = re.search(r"offsets: \[([\d, ]*)\]", r.rest)
            n = int(re.search(r"ntuples: (\d+)", r.rest).group(1))
            offsets = [int(o) for o in listed.group(1).split(",")] if listed else range(1, n + 1) if r.init else []
            inserted += [(blk, o) for o in offsets]
        elif r.rel == "ballots" and r.op == "INSERT":
            inserted.append(r.ctid)
        elif r.rel == "sealed_ballots" and r.op == "DELETE":
            deleted.append(sealed_by[r.ctid])
    return inserted, deleted


def _assert_wal_order(records, batch_xid: int, cast_xids: dict, ballots: list[str], position: dict) -> None:
    """The WAL lists the batch's ballots (given in physical order) in that same order, and deletes
    its sealed rows in an order that does not follow the ballots'. (That order is the sealed rows'
    scan order, cast order: PostgreSQL deletes `id = ANY(…)` as it finds them, not in the order the
    mixer shuffled the ids into. It says nothing the casts' own transactions do not.)"""
    inserted, deleted = _wal_orders(records, batch_xid, cast_xids)
    assert len(inserted) >= 20 and inserted == sorted(inserted)
    assert sorted(deleted) == sorted(position[b] for b in ballots)
    deletion_rank = {b: deleted.index(position[b]) for b in ballots}
    assert_not_cast_order(ballots, deletion_rank.__getitem__, "the batch's deletes against its inserts")


def _pointers(heap: list[dict], toast_oid: int) -> dict[str, tuple[int, int, tuple[int, int]]]:
    """ballot id → (chunk id, xmin, ctid) of every ballot row whose answers are TOASTed, read raw."""
    pointer = {}
    for t in heap:
        found = toast_pointers(t["data"], toast_oid)
        if found:
            pointer[str(uuid.UUID(bytes=t["data"][:16]))] = (found[0], t["xmin"], t["ctid"])
    return pointer


def test_every_cast_writes_records_of_the_same_lengths(client, organiser_key, make_key, database, mix):
    """24 teachers and 6 students, by turns blank, ~1,500 random Chinese characters, write-ins and a
    short comment: each cast's DELETE of its token and its INSERT of a sealed row (the ciphertext
    in the row) are the same records, of the same lengths, for all of them; the batches'
    records of the ballots in the clear do differ in size, but a batch is a crowd."""
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(55)
    printed = {0: v.tokens(24, 0), 1: v.tokens(6, 1)}
    admin = superuser(database)
    with admin.cursor() as cur:
        mark = wal_mark(cur)
    for i in range(30):
        group = 1 if i % 5 == 2 else 0
        v.cast(printed[group].pop(), v.answers(i, rng), group)
    assert mix(k=K)["mixed"] == 14
    v.close(organiser_key)
    with admin.cursor() as cur:
        records = wal_since(cur, mark)
        cur.execute("SELECT xmin::text::bigint, tracker FROM ballots WHERE round_id = %s", (v.round,))
        ballots = cur.fetchall()
    admin.close()
    sizes = [len(c.answers.get(v.text, "")) for c in v.casts]
    assert min(sizes) == 0 and max(sizes) > 1400  # the plaintexts differ by kilobytes
    cast_xids, batches = wal_chain(records)
    profiles = _profiles(records, cast_xids)
    assert len(profiles) == 30
    keys = {frozenset(p) for p in profiles.values()}
    assert len(keys) == 1, keys  # the same records for every cast: one token deleted, one sealed row and its chunks
    (shape,) = keys
    assert ("ballot_tokens", "DELETE", 0) in shape and ("sealed_ballots", "INSERT", 0) in shape
    # The ciphertext is kept in its row (migration 0019), so its insert record carries all of it.
    assert not any(rel == "sealed_ballots.toast" for rel, _, _ in shape), shape
    inserts = [p[("sealed_ballots", "INSERT", 0)] for p in profiles.values()]
    assert min(n for n in inserts if n is not None) > 2000, inserts
    for key in shape:
        lengths = {p[key] for p in profiles.values()} - {None}
        assert len(lengths) == 1, (key, lengths)  # one length for every cast without an image
    assert sum(p[("sealed_ballots", "INSERT", 0)] is not None for p in profiles.values()) >= 20
    written = {r.rec for r in records if r.xid in batches and r.rel in ("ballots", "ballots.toast") and not r.fpw}
    assert len(written) >= 3  # in the clear, in a batch, the sizes do show
    groups = {c.position: c.group for c in v.casts}
    truth = {bytes(t): v.cast_of_tracker(t).position for _, t in ballots}
    crowds = {b: {p for p in profiles if _alike(profiles[p], profiles[truth[b]])} for b in truth}
    assert all(len(c) == 30 for c in crowds.values())  # sizes tell no cast from another
    assert_one_in_k(crowds, truth, groups, K, "record sizes → the casts they leave possible")


def test_toasted_answers_are_written_by_the_batch_in_the_order_it_drew(
        client, organiser_key, make_key, database, mix, monkeypatch):
    """40 teachers each with a comment of 1,100-1,500 random Chinese characters (TOASTed: stored
    apart in chunks) and 7 students. Read raw after CHECKPOINT, each ballot's TOAST pointer names
    its chunk id; every chunk row's xmin is its ballot's batch transaction, never a cast's; and in
    the mixer's batch of 30 the chunk ids run in the order the shuffle drew, which does not follow
    cast order. Chunk ids place a ballot in its batch and no nearer."""
    shuffles = record_shuffles(monkeypatch)
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(56)
    printed = {0: v.tokens(40, 0), 1: v.tokens(7, 1)}
    admin = superuser(database)
    with admin.cursor() as cur:
        mark = wal_mark(cur)
    for i in range(47):
        group = 1 if i % 7 == 3 else 0
        answers = {v.text: chinese(rng.randrange(1100, v.max_length + 1), rng)} if group == 0 else v.answers(i, rng)
        v.cast(printed[group].pop(), answers, group)
    with admin.cursor() as cur:
        cur.execute("SELECT id FROM sealed_ballots WHERE round_id = %s ORDER BY ctid", (v.round,))
        sealed_position = {bytes(i): p for p, (i,) in enumerate(cur.fetchall())}  # sequential casts: cast order
    assert mix(k=K)["mixed"] == 30
    v.close(organiser_key)
    with admin.cursor() as cur:
        records = wal_since(cur, mark)
        cur.execute("SELECT reltoastrelid::bigint, reltoastrelid::regclass::text FROM pg_class WHERE relname = 'ballots'")
        toast_oid, toast_name = cur.fetchone()
        cur.execute(f"SELECT chunk_id::bigint, xmin::text::bigint FROM {toast_name}")
        chunks = cur.fetchall()
        cur.execute("SELECT id::text, tracker FROM ballots WHERE round_id = %s", (v.round,))
        position = {i: v.cast_of_tracker(t).position for i, t in cur.fetchall()}
        heap = read_heap(cur, "ballots")
    admin.close()
    cast_xids, batches = wal_chain(records)
    pointer = _pointers(heap, toast_oid)
    long_ones = {b for b, p in position.items() if len(v.casts[p].answers.get(v.text, "")) >= 1100}
    assert set(pointer) == long_ones and len(long_ones) >= 41
    chunk_xmin = defaultdict(set)
    for chunk_id, xmin in chunks:
        chunk_xmin[chunk_id].add(xmin)
    assert all(chunk_xmin[c] == {x} for c, x, _ in pointer.values())  # each ballot's chunks come with it
    assert {x for xs in chunk_xmin.values() for x in xs} <= set(batches)  # written by batches
    assert not {x for xs in chunk_xmin.values() for x in xs} & set(cast_xids)  # never by a cast
    # The mixer's batch (the first): chunk ids in physical order, in the order its shuffle drew.
    first = min(batches)
    batch = sorted((c, ctid, b) for b, (c, x, ctid) in pointer.items() if x == first)
    assert len(batch) == 30 and [ctid for _, ctid, _ in batch] == sorted(ctid for _, ctid, _ in batch)
    in_chunk_order = [b for _, _, b in batch]
    assert_order_is_a_shuffle([position[b] for b in in_chunk_order], shuffles, {**position, **sealed_position},
                              "TOAST chunk ids")
    assert_not_cast_order(in_chunk_order, position.__getitem__, "TOAST chunk ids")
    _assert_wal_order(records, first, cast_xids, in_chunk_order, position)
    groups = {c.position: c.group for c in v.casts}
    crowds = {b: {p for p in batches[x] if groups[p] == groups[position[b]]} for b, (_, x, _) in pointer.items()}
    assert_one_in_k(crowds, {b: position[b] for b in pointer}, groups, K, "TOAST chunk → its xmin → the batch")
