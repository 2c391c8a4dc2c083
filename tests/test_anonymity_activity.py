"""pg_stat_activity, sampled by a superuser while ballots are cast (issue 10): a background thread
reads every other backend's current statement as fast as it can, and each statement of the
service waits until the thread has sampled it, so nothing a cast sends goes unseen. What a sampler
learns is when a token was spent (its hash is in the statement that deletes it: docs/voting.md);
never a token, a ballot id, a tracker or an answer."""
from __future__ import annotations

import random
import threading

import psycopg2.extras
import pytest

from ballots.tokens import grouped, token_hash
from tests.helpers import open_voting, superuser
from tests.polling import wait_until


class Sampler:
    """A superuser connection polling pg_stat_activity in a thread of its own."""

    def __init__(self, dsn):
        self.conn, self.stop, self.count = superuser(dsn), threading.Event(), 0
        self.queries: set[str] = set()
        self.thread = threading.Thread(target=self._run, name="activity-sampler", daemon=True)

    def _run(self):
        with self.conn.cursor() as cur:
            while not self.stop.is_set():
                cur.execute("""SELECT query FROM pg_stat_activity
                               WHERE pid <> pg_backend_pid() AND datname = current_database()""")
                self.queries.update(q for (q,) in cur.fetchall() if q)
                self.count += 1

    def caught_up(self):
        """Until a sample taken wholly after this call is in (the statement just run is seen)."""
        seen = self.count
        wait_until(lambda: self.count >= seen + 2, "the pg_stat_activity sampler to take a sample",
                   timeout=30, every=0.0005)

    def finished(self) -> set[str]:
        """Every statement seen, once the sampler has stopped (a set it still adds to cannot be read)."""
        self.stop.set()
        self.thread.join(30)
        return self.queries

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        self.conn.close()


@pytest.fixture
def sampler(database, monkeypatch):
    """The sampler running, and every statement the service sends through a dict cursor (the
    request path's and the mixer's) held until it has been sampled."""
    with Sampler(database) as s:
        real = psycopg2.extras.RealDictCursor.execute

        def execute(self, query, vars=None):
            try:
                return real(self, query, vars)
            finally:
                s.caught_up()
        monkeypatch.setattr(psycopg2.extras.RealDictCursor, "execute", execute)
        yield s


def test_sampled_statements_carry_no_token_ballot_id_tracker_or_answer(
        client, organiser_key, make_key, database, mix, sampler):
    """24 teachers and 6 students, printed and handed out, blank, long comments and write-ins; a
    mix and the close, sampled throughout. A token's hash shows only in the statement that spends
    it (when it was spent: by design); the rest of what the voter sent, and what the mixer wrote,
    never shows."""
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(22)
    printed = {0: v.tokens(12, 0), 1: v.tokens(3, 1)}
    for i in range(30):
        group = 0 if i % 5 else 1
        token = printed[group].pop() if i % 2 else v.handout(f"ref{i}", group)
        v.cast(token, v.answers(i, rng), group, via="print" if i % 2 else "handout")
    assert mix(k=10)["mixed"] == 14
    v.close(organiser_key)
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("SELECT id::text, tracker FROM ballots WHERE round_id = %s", (v.round,))
        ballots = [(i, bytes(t)) for i, t in cur.fetchall()]
    admin.close()
    said = sampler.finished()
    assert len(ballots) == 30 and sampler.count > 300
    # The sampler did see the casts and the mix (prepared once a connection, then EXECUTEd).
    # The cast's BEGIN rides with its first statement and its COMMIT with its last (fused_transaction).
    assert any(q.startswith("EXECUTE pingyi_seal") for q in said), sorted(said)[:50]  # its "; COMMIT" past the cut
    assert any(q.startswith("BEGIN; EXECUTE pingyi_consume_token") for q in said)
    assert any(q.startswith("COPY ballots") for q in said)
    text = "\n".join(said)
    upper = text.upper().replace("-", "")
    for c in v.casts:
        assert c.token not in upper and grouped(c.token) not in text
        assert c.receipt.replace("-", "") not in upper
        # Its hash, only where it is spent: the DELETE of ballot_tokens, and nothing else beside it.
        spent_in = [q for q in said if token_hash(c.token).hex() in q]
        assert all(q.startswith("BEGIN; EXECUTE pingyi_consume_token") for q in spent_in), spent_in
        comment = c.answers.get(v.text, "")
        for piece in (comment[i:i + 6] for i in range(0, len(comment) - 5, 6)):
            assert piece not in text
        for name in c.answers.get(v.choose, {}).get("write_ins", []):
            assert name not in text
    for ballot_id, tracker in ballots:
        assert ballot_id not in text and tracker.hex() not in text and tracker.hex().upper() not in text
        assert tracker[:10].hex() not in text
    assert [q for q in said if "欧阳" in q] == []
