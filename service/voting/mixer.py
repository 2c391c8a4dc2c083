"""The mixer (docs/voting.md): the only writer of plaintext ballots. It opens the sealed ballots
of a round and voter group only when at least k of them wait (MIX_K), and writes them to
`ballots` in one transaction, in a random order, deleting the sealed rows (in the table's order,
which says nothing the casts' own records do not); so plaintext ballots and their trackers enter
the database only in shuffled batches of at least k of a group, apart from the tokens they came
from. At the close, each group's remainder is mixed together with enough of its earlier ballots
that the last batch too holds k of the group (or all of it), and the round's key is then
destroyed.

A batch is one transaction: killed at any point, the mixer leaves every ballot either sealed or
mixed, never both and never neither, and the next pass takes up what is left. Every server runs
`loop` in a background thread (MIX_SECONDS); an advisory lock lets one of them work at a time.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import random
import re
import threading
from pathlib import Path

import psycopg2
import psycopg2.extras

from ballots import audit, counts, forms, mixing, sealing
from service.core.event_queries import insert_event
from service.voting import queries as q
from service.voting import round_keys

log = logging.getLogger("pingyi.mixer")
_LOCK = 0x706779_4D  # "pgy" + mix


_HEAD = b'{"answers":'
_BALLOT_ID = re.compile(forms.BALLOT_ID_PATTERN.encode("ascii"))
# What a ballot that is not one of its round's form raises while it is read (left sealed).
_NOT_A_BALLOT = (sealing.SealBroken, ValueError, KeyError, TypeError, AttributeError)


class _Batch:
    """A group's chosen sealed ballots, each opened, checked, counted and made into its row only
    when the COPY into `ballots` asks for it (so the server writes while the next ones open). What
    was sealed is the canonical ballot the tracker hashes (forms.canonical: keys sorted, answers
    first), whose hash is the voter's receipt; it must name the round and group of its sealed row
    and a ballot id, and its answers go to the database as the JSON text they are. A row that does
    not open with the round's key, or holds anything else, is left out (and so left sealed)."""

    def __init__(self, key: bytes, campaign_id: int, round_id: int, group_id: int, sections):
        self.unseal, self.tally = sealing.opener(key, round_id, group_id), counts.marks_text(sections)
        self.campaign_id, self.round_id, self.group_id = int(campaign_id), int(round_id), int(group_id)
        self.group, self.tail = b',"group_id":%d,"id":"' % self.group_id, b'","round_id":%d}' % self.round_id
        self.paper_tail = b'","round_id":%d,"source":"paper"}' % self.round_id  # forms.stored_ballot
        self.counts, self.opened, self.broken, self.trackers = counts.Counts(), [], 0, []

    def rows(self, chosen):
        for sealed_id, blob in chosen:
            try:
                row, answers = self._row(blob)
            except _NOT_A_BALLOT:
                self.broken += 1
                continue
            counts.add_ballot(self.counts, self.group_id, answers)
            self.opened.append(sealed_id)
            self.trackers.append(row[5])
            yield row

    def _row(self, blob: bytes) -> tuple[tuple, dict]:
        ballot = self.unseal(blob)
        tail, source = (self.tail, "online") if ballot.endswith(self.tail) else (self.paper_tail, "paper")
        cut = len(ballot) - len(tail) - 36 - len(self.group)  # where the answers end
        ballot_id = ballot[cut + len(self.group):len(ballot) - len(tail)]
        if not (ballot.startswith(_HEAD) and ballot.endswith(tail) and ballot.startswith(self.group, cut)
                and _BALLOT_ID.fullmatch(ballot_id)):
            raise sealing.SealBroken("not a canonical ballot of this round and group")
        text = ballot[len(_HEAD):cut]
        answers = json.loads(text)
        if not isinstance(answers, dict):
            raise sealing.SealBroken("a ballot's answers are not an object")
        row = (ballot_id, self.campaign_id, self.round_id, self.group_id, text, hashlib.sha256(ballot).digest(),
               source, self.tally(answers))  # the counter: KeyError for an option not in the form
        return row, answers


def mix_group(cur, var_dir: Path, campaign_id: int, round_id: int, group_id: int, k: int,
              closing: bool = False) -> int:
    """Open a batch of the group's sealed ballots and write them shuffled; the number opened.
    While voting is open the batch is all but k of them, chosen at random, and only when 2k
    wait (ballots.mixing.to_open); at the close, all. A row that does not open with the round's
    key (a key lost and made again: it cannot happen by the service's own doing), or does not
    hold a ballot of its round, group and form, is left sealed and logged, never guessed at, and
    never keeps the others out."""
    from service.voting.operations import ballot_form
    q.lock_group(cur, round_id, group_id)  # one batch of a group at a time, whoever else mixes
    sealed = q.take_sealed(cur, round_id, group_id)
    # A uniformly random pick, in the random order it was drawn in: the order they are written in.
    chosen = mixing.shuffled(sealed)[:mixing.to_open(len(sealed), k, closing)]
    if not chosen:
        return 0
    key = round_keys.load(var_dir, round_id)
    if key is None:
        raise RuntimeError(f"round {round_id} has sealed ballots but no key")
    batch = _Batch(key, campaign_id, round_id, group_id, ballot_form(cur, campaign_id, round_id, group_id))
    q.insert_ballots(cur, batch.rows(chosen))
    if batch.broken:
        log.error("%s sealed ballots of round %s, group %s do not open with the round's key", batch.broken,
                  round_id, group_id)
    if not batch.opened:
        return 0
    if q.delete_sealed(cur, mixing.shuffled(batch.opened)) != len(batch.opened):  # locked: cannot happen
        raise RuntimeError(f"sealed ballots of round {round_id}, group {group_id} went during their batch")
    stored = q.counts_for_update(cur, round_id, group_id)
    total = counts.merge(counts.from_record(group_id, stored) if stored else counts.Counts(), batch.counts)
    q.put_counts(cur, round_id, group_id, counts.to_record(total, group_id))
    _record_batch(cur, batch)
    return len(batch.opened)


def _record_batch(cur, batch: _Batch) -> None:
    """The batch on its campaign's audit chain, in its transaction: how many ballots and the
    SHA-256 of their trackers sorted (ballots.audit.batch_digest) — never a ballot at a time, and
    nothing of the order they were cast or written in (docs/audit.md)."""
    insert_event(cur, "mixer", "ballots.mixed", batch.campaign_id,
                 {"round_id": batch.round_id, "group_id": batch.group_id, "count": len(batch.trackers),
                  "trackers_sha256": audit.batch_digest(batch.trackers).hex()})


def final_mix(cur, var_dir: Path, campaign_id: int, k: int) -> int:
    """In the closing transaction (the campaign row locked): every sealed ballot left. The
    number of sealed ballots mixed."""
    return sum(mix_group(cur, var_dir, campaign_id, g["round_id"], g["group_id"], k, closing=True)
               for g in q.campaign_groups(cur, campaign_id))


def destroy_spent_keys(cur, var_dir: Path, round_ids) -> list[int]:
    """Destroy the keys of the rounds that are past voting and hold no sealed ballot."""
    spent = q.spent_keys(cur, round_ids)
    for round_id in spent:
        round_keys.destroy(var_dir, round_id)
    return spent


def _key_files(var_dir: Path) -> list[int]:
    folder = Path(var_dir) / "round-keys"
    if not folder.is_dir():
        return []
    return [int(p.stem.split("-")[1]) for p in folder.glob("round-*.key")]


def run_once(dsn: str, var_dir: Path, k: int, flush: bool = False) -> dict:
    """One pass: every group of an open campaign with 2k sealed ballots waiting is mixed (all but
    k of them), one transaction a group; keys of rounds past voting are destroyed. {} when
    another process is mixing."""
    conn = psycopg2.connect(dsn, application_name="pingyi-mixer", cursor_factory=psycopg2.extras.RealDictCursor)
    try:
        with conn.cursor() as cur:
            locked = q.try_advisory_lock(cur, _LOCK)
        conn.commit()
        if not locked:
            return {}
        try:
            return _pass(conn, dsn, var_dir, k, flush)
        finally:
            conn.rollback()
            with conn.cursor() as cur:
                q.advisory_unlock(cur, _LOCK)
            conn.commit()
    finally:
        conn.close()


# Batches mixed at once in a pass, each on its own connection: a batch keeps one core busy only
# part of the time (the server reads, writes and deletes while the mixer waits), so two groups'
# batches side by side use the machine's second core. Each is still one transaction of one group.
_AT_ONCE = 2


def _pass(conn, dsn: str, var_dir: Path, k: int, flush: bool) -> dict:
    """flush (tests only): every waiting ballot, as the close would mix it, whatever the crowd."""
    done = {"mixed": 0, "batches": 0, "keys_destroyed": []}
    with conn.cursor() as cur:
        ready = sorted(q.waiting_groups(cur, at_least=1 if flush else 2 * k), key=lambda g: -g["n"])
    conn.commit()
    todo, failed, threads = queue.SimpleQueue(), [], []
    for g in ready:  # the largest first, so that the two connections finish together
        todo.put(g)
    for _ in range(min(_AT_ONCE, len(ready)) - 1):
        threads.append(threading.Thread(target=_mix_groups, args=(None, dsn, todo, var_dir, k, flush, done, failed)))
        threads[-1].start()
    _mix_groups(conn, dsn, todo, var_dir, k, flush, done, failed)
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    with conn.cursor() as cur:
        done["keys_destroyed"] = destroy_spent_keys(cur, var_dir, _key_files(var_dir))
    conn.commit()
    return done


def _mix_groups(conn, dsn: str, todo, var_dir: Path, k: int, flush: bool, done: dict, failed: list) -> None:
    """Take groups from `todo` and mix each in a transaction of its own, on `conn` (a new
    connection when None), until none is left or a batch anywhere has failed (then rolled back,
    and its error kept in `failed` for the pass to raise)."""
    own = conn is None
    try:
        if own:
            conn = psycopg2.connect(dsn, application_name="pingyi-mixer", cursor_factory=psycopg2.extras.RealDictCursor)
        while not failed:
            try:
                g = todo.get_nowait()
            except queue.Empty:
                return
            with conn.cursor() as cur:
                # The campaign first, as a close takes it: a close waits for this batch, or this
                # finds the campaign closed (the close mixed the group itself).
                if q.lock_open_campaign(cur, g["campaign_id"]):
                    mixed = mix_group(cur, var_dir, g["campaign_id"], g["round_id"], g["group_id"], k, closing=flush)
                    with _done_lock:
                        done["mixed"] += mixed
                        done["batches"] += 1
            conn.commit()
    except BaseException as exc:  # noqa: BLE001 — raised by the pass, in its own thread
        failed.append(exc)
        if conn is not None and not conn.closed:
            conn.rollback()
    finally:
        if own and conn is not None:
            conn.close()


_done_lock = threading.Lock()


_started: dict[int, threading.Event] = {}
_started_lock = threading.Lock()


def start(dsn: str, var_dir: Path, k: int, seconds: int) -> threading.Event | None:
    """Start this process's mixing thread once (a forked worker starts its own); returns the
    event that stops it."""
    if seconds <= 0:
        return None
    with _started_lock:
        if os.getpid() in _started:
            return _started[os.getpid()]
        stop = _started[os.getpid()] = threading.Event()
    threading.Thread(target=loop, args=(dsn, var_dir, k, seconds, stop), name="pingyi-mixer", daemon=True).start()
    return stop


def loop(dsn: str, var_dir: Path, k: int, seconds: float, stop: threading.Event) -> None:
    # Jitter: the workers of a host, started together, do not all wake at once.
    while not stop.wait(seconds * random.uniform(0.8, 1.2)):
        try:
            done = run_once(dsn, var_dir, k)
            if done.get("mixed"):
                log.info("mixed %s ballots in %s batches", done["mixed"], done["batches"])
        except psycopg2.Error as exc:  # a failed pass is retried at the next interval
            log.warning("mixing failed (%s); retrying later", type(exc).__name__)
        except Exception:  # never let the thread die: log it (no values: types and frames only)
            log.exception("mixing failed; retrying later")
