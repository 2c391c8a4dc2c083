"""A pg_dump taken while voting is open (issue 10): last night's backup, after some ballots were
mixed and with others still sealed. The sealed rows are ciphertext of one length a round, the
mixed ballots are in the mixer's shuffled order and no other, and no sequence moved while the
ballots were cast (docs/voting.md)."""
from __future__ import annotations

import random

from tests.helpers import (
    assert_not_cast_order,
    assert_one_in_k,
    assert_order_is_a_shuffle,
    dump_setvals,
    dump_tables,
    open_voting,
    pg_dump,
    record_shuffles,
    superuser,
)

K = 10


def _sequences(cur) -> dict[str, int | None]:
    cur.execute("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences")
    return dict(cur.fetchall())


def _sealed(tables) -> list[bytes]:
    columns, rows = tables["sealed_ballots"]
    return [bytes.fromhex(row[columns.index("sealed")][2:]) for row in rows]


def _assert_no_plaintext(blobs: list[bytes], v, ballots: list[tuple[str, bytes]]) -> None:
    """Nothing of a ballot in a sealed row: no JSON of it, no ballot id or tracker, no piece of
    a comment or write-in."""
    for blob in blobs:
        assert b'"answers"' not in blob and b"round_id" not in blob and "欧阳".encode() not in blob
        for c in v.casts:
            comment = c.answers.get(v.text, "").encode()
            assert all(comment[i:i + 12] not in blob for i in range(0, len(comment) - 11, 12))
        for ballot_id, tracker in ballots:
            assert ballot_id.encode() not in blob and tracker[:10] not in blob


def _assert_nowhere(dumped: str, ballots: list[tuple[str, bytes]], v) -> None:
    """Ballots still sealed when the dump was taken: their ids, trackers and comments are not in it."""
    assert ballots
    for ballot_id, tracker in ballots:
        assert ballot_id not in dumped and tracker.hex() not in dumped
        comment = v.cast_of_tracker(tracker).answers.get(v.text, "")
        assert not comment or comment[:10] not in dumped


def test_a_dump_taken_while_voting_is_open(client, organiser_key, make_key, database, mix, monkeypatch):
    """40 teachers (10 by hand-outs given out beforehand) and 7 students cast, of very different
    sizes; the mixer opens 30 of the teachers' and keeps 10 sealed; then the dump. Its sealed rows
    (the 10 and the students' 7) are all as long as each other and hold no plaintext; its 30
    ballots stand in the order the mixer's shuffle gave them, which does not follow cast order; a
    ballot of the dump is joined, by the sealed rows still there, to the 30 casts already mixed
    and no fewer; and every sequence's value is the one it had before the first cast."""
    shuffles = record_shuffles(monkeypatch)
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(47)
    handed = [v.handout(f"T{i}", 0) for i in range(10)]  # the pool refills here, before the casts
    teachers, students = v.tokens(30, 0) + handed, v.tokens(7, 1)
    admin = superuser(database)
    with admin.cursor() as cur:
        before = _sequences(cur)
    dumped_before = pg_dump(database)
    order = [0] * 40 + [1] * 7
    rng.shuffle(order)
    for group in order:
        token = (teachers if group == 0 else students).pop(rng.randrange(len(teachers) if group == 0 else len(students)))
        v.cast(token, v.answers(len(v.casts), rng), group, via="handout" if token in handed else "print")
    with admin.cursor() as cur:
        after = _sequences(cur)
        cur.execute("SELECT id FROM sealed_ballots WHERE round_id = %s ORDER BY ctid", (v.round,))
        sealed_in_cast_order = [bytes(i) for (i,) in cur.fetchall()]  # sequential casts, appended in turn
    assert mix(k=K)["mixed"] == 30
    dumped = pg_dump(database)
    v.close(organiser_key)
    with admin.cursor() as cur:
        cur.execute("SELECT id::text, tracker FROM ballots WHERE round_id = %s", (v.round,))
        ballots = [(i, bytes(t)) for i, t in cur.fetchall()]
    admin.close()
    # No sequence moved while ballots were cast, nor when they were mixed.
    assert after == before and None not in (before["public.batches_id_seq"], before["public.campaigns_id_seq"])
    assert dump_setvals(dumped) == dump_setvals(dumped_before) != {}
    tables = dump_tables(dumped)
    # Sealed rows: one length, no plaintext; the ballots not yet mixed are nowhere in the dump.
    blobs = _sealed(tables)
    assert len(blobs) == 17 and len({len(b) for b in blobs}) == 1 and len(blobs[0]) > 2 * v.max_length
    _assert_no_plaintext(blobs, v, ballots)
    columns, rows = tables["ballots"]
    dumped_ids = [row[columns.index("id")] for row in rows]
    assert len(dumped_ids) == 30
    _assert_nowhere(dumped, [(i, t) for i, t in ballots if i not in dumped_ids], v)
    # The dump's order is what the mixer's shuffle drew, exactly, and no better than chance at cast order.
    tracker_of = {i: t for i, t in ballots}
    position = {i: v.cast_of_tracker(tracker_of[i]).position for i in dumped_ids}
    casts_by_sealed = dict(zip(sealed_in_cast_order, v.casts))
    assert_order_is_a_shuffle([position[i] for i in dumped_ids], shuffles,
                              {**position, **{s: c.position for s, c in casts_by_sealed.items()}}, "the dump's ballots")
    assert_not_cast_order(dumped_ids, position.__getitem__, "the dump's ballots")
    # A dumped ballot is joined to the casts whose sealed rows the dump no longer holds: the 30.
    sealed_columns, sealed_rows = tables["sealed_ballots"]
    left = {casts_by_sealed[bytes.fromhex(r[sealed_columns.index("id")][2:])].position for r in sealed_rows}
    mixed = {c.position for c in v.casts if c.position not in left and c.group == 0}
    assert len(mixed) == 30
    groups = {c.position: c.group for c in v.casts}
    assert_one_in_k({i: mixed for i in dumped_ids}, position, groups, K, "the dump's sealed rows → its ballots")
