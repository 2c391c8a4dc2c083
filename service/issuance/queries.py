"""SQL for batches, unused and voided tokens, the hand-out pool and hand-outs.

Functions take `cur` first and never commit. Tokens appear here only as SHA-256 hashes.
"""
from __future__ import annotations

import io

_BATCH_COLS = """b.id, b.campaign_id, b.round_id, b.group_id, b.label, b.kind, b.layout, b.size,
                 b.printed, b.withdrawn, b.created_by, b.created_at, b.voided_at, b.joint_of"""
_COUNTS = """
    (SELECT count(*) FROM ballot_tokens t WHERE t.batch_id = b.id) AS unused,
    (SELECT count(*) FROM voided_tokens v WHERE v.batch_id = b.id) AS voided,
    (SELECT count(*) FROM handout_pool p WHERE p.batch_id = b.id) AS pooled"""


def insert_batch(cur, campaign_id, round_id, group_id, label, kind, layout, size, actor, key_id, joint_of=None):
    cur.execute(
        f"""INSERT INTO batches AS b (campaign_id, round_id, group_id, label, kind, layout, size, created_by, key_id,
                                      joint_of)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            RETURNING {_BATCH_COLS}""",
        (campaign_id, round_id, group_id, label, kind, layout, size, actor, key_id, joint_of),
    )
    return cur.fetchone()


def copy_tokens(cur, hashes, campaign_id, round_id, group_id, batch_id):
    """COPY the hashes in as they come, then store them sorted: the rows' order says nothing of
    the order of the slips in the PDF, and no list of N hashes is held here (PostgreSQL sorts).
    10,000 rows in a few tens of milliseconds."""
    cur.execute("CREATE TEMP TABLE new_token_hashes (token_hash bytea) ON COMMIT DROP")
    cur.copy_expert("COPY new_token_hashes (token_hash) FROM STDIN",
                    _Lines(f"\\\\x{h.hex()}\n" for h in hashes))
    cur.execute(
        """INSERT INTO ballot_tokens (token_hash, campaign_id, round_id, group_id, batch_id)
           SELECT token_hash, %s, %s, %s, %s FROM new_token_hashes ORDER BY token_hash""",
        (campaign_id, round_id, group_id, batch_id))
    cur.execute("DROP TABLE new_token_hashes")


class _Lines:
    """A read()-able stream over generated lines, for COPY … FROM STDIN without a buffer of them all."""

    def __init__(self, lines):
        self._lines, self._rest = iter(lines), b""

    def read(self, size=-1):
        out = bytearray(self._rest)
        for line in self._lines:
            out += line.encode("ascii")
            if 0 <= size <= len(out):
                break
        size = len(out) if size < 0 else size
        self._rest = bytes(out[size:])
        return bytes(out[:size])


def copy_pool(cur, seeds, campaign_id, round_id, group_id, batch_id):
    buf = io.StringIO()
    for s in sorted(seeds):
        buf.write(f"\\\\x{s.hex()}\t{campaign_id}\t{round_id}\t{group_id}\t{batch_id}\n")
    buf.seek(0)
    cur.copy_expert("COPY handout_pool (seed, campaign_id, round_id, group_id, batch_id) FROM STDIN", buf)


def get_batch(cur, campaign_id, batch_id):
    cur.execute(f"SELECT {_BATCH_COLS}, {_COUNTS} FROM batches b WHERE b.campaign_id = %s AND b.id = %s",
                (campaign_id, batch_id))
    return cur.fetchone()


def list_batches(cur, campaign_id):
    cur.execute(f"SELECT {_BATCH_COLS}, {_COUNTS} FROM batches b WHERE b.campaign_id = %s ORDER BY b.id",
                (campaign_id,))
    return cur.fetchall()


def set_printed(cur, batch_id, printed):
    cur.execute("UPDATE batches SET printed = %s WHERE id = %s", (printed, batch_id))


def pool_seeds(cur, batch_id):
    cur.execute("SELECT seed FROM handout_pool WHERE batch_id = %s FOR UPDATE", (batch_id,))
    return [bytes(r["seed"]) for r in cur.fetchall()]


def withdraw_pool(cur, batch_id, hashes):
    """Void a hand-out batch's tokens that were never handed out; those handed out stay valid."""
    cur.execute(
        """WITH moved AS (
               DELETE FROM ballot_tokens WHERE batch_id = %s AND token_hash = ANY(%s)
               RETURNING token_hash, campaign_id, batch_id)
           INSERT INTO voided_tokens (token_hash, campaign_id, batch_id)
           SELECT token_hash, campaign_id, batch_id FROM moved""",
        (batch_id, list(hashes)),
    )
    withdrawn = cur.rowcount
    cur.execute("DELETE FROM handout_pool WHERE batch_id = %s", (batch_id,))
    cur.execute("UPDATE batches SET voided_at = now(), withdrawn = %s WHERE id = %s", (withdrawn, batch_id))
    return withdrawn


def void_batch(cur, batch_id):
    """Move every unused token of the batch to voided_tokens and empty its hand-out pool."""
    cur.execute(
        """WITH moved AS (
               DELETE FROM ballot_tokens WHERE batch_id = %(b)s
               RETURNING token_hash, campaign_id, batch_id)
           INSERT INTO voided_tokens (token_hash, campaign_id, batch_id)
           SELECT token_hash, campaign_id, batch_id FROM moved""",
        {"b": batch_id},
    )
    cur.execute("DELETE FROM handout_pool WHERE batch_id = %s", (batch_id,))
    cur.execute("UPDATE batches SET voided_at = now() WHERE id = %s AND voided_at IS NULL", (batch_id,))


def void_token(cur, campaign_id, token_hash):
    """Void one unused token; return its batch id, or None when it is not an unused token here."""
    cur.execute(
        """WITH moved AS (
               DELETE FROM ballot_tokens WHERE token_hash = %s AND campaign_id = %s
               RETURNING token_hash, campaign_id, batch_id)
           INSERT INTO voided_tokens (token_hash, campaign_id, batch_id)
           SELECT token_hash, campaign_id, batch_id FROM moved
           RETURNING batch_id""",
        (token_hash, campaign_id),
    )
    row = cur.fetchone()
    return row["batch_id"] if row else None


def is_voided(cur, token_hash):
    cur.execute("SELECT campaign_id, batch_id FROM voided_tokens WHERE token_hash = %s", (token_hash,))
    return cur.fetchone()


def joint_batch_ids(cur, batch_id):
    """The batches printed on the same slips as this one (itself included), first round first."""
    cur.execute("""SELECT id FROM batches
                   WHERE id = coalesce((SELECT joint_of FROM batches WHERE id = %(b)s), %(b)s) OR joint_of =
                         coalesce((SELECT joint_of FROM batches WHERE id = %(b)s), %(b)s)
                   ORDER BY id""", {"b": batch_id})
    return [r["id"] for r in cur.fetchall()]


def unused_tokens(cur, hashes):
    """The unused tokens among these hashes: [{token_hash, campaign_id, round_id, group_id}]."""
    cur.execute("SELECT token_hash, campaign_id, round_id, group_id FROM ballot_tokens WHERE token_hash = ANY(%s)",
                (list(hashes),))
    return cur.fetchall()


def get_unused_token(cur, token_hash):
    cur.execute("SELECT campaign_id, round_id, group_id FROM ballot_tokens WHERE token_hash = %s", (token_hash,))
    return cur.fetchone()


def insert_handout(cur, round_id, ref_hash, campaign_id):
    """Record that this reference received a ballot; None when it already had one."""
    cur.execute(
        """INSERT INTO handouts (round_id, ref_hash, campaign_id) VALUES (%s, %s, %s)
           ON CONFLICT DO NOTHING
           RETURNING round_id""",
        (round_id, ref_hash, campaign_id),
    )
    return cur.fetchone()


def claim_pool_seed(cur, round_id, group_id):
    cur.execute(
        """DELETE FROM handout_pool
           WHERE seed = (SELECT seed FROM handout_pool
                         WHERE round_id = %s AND group_id = %s
                         ORDER BY random()
                         LIMIT 1
                         FOR UPDATE SKIP LOCKED)
           RETURNING seed""",
        (round_id, group_id),
    )
    row = cur.fetchone()
    return bytes(row["seed"]) if row else None




def lock_pool_and_check_empty(cur, round_id, group_id) -> bool:
    """Hold the group's pool lock for this transaction (parallel refills queue); True when the
    round and group have no pooled token left."""
    cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (0x7067, int(group_id)))
    cur.execute("SELECT 1 FROM handout_pool WHERE round_id = %s AND group_id = %s LIMIT 1", (round_id, group_id))
    return cur.fetchone() is None


def unused_under_other_keys(cur, key_id, states) -> int:
    """Unused ballots (printed, or waiting in a hand-out pool: a pooled ballot's hash is in
    ballot_tokens too) of campaigns in `states` whose batch was minted with a MAC key other than
    key_id. Batches made before key ids were recorded (NULL) cannot be told apart, and count not."""
    cur.execute(
        """SELECT count(*) AS n FROM ballot_tokens t JOIN batches b ON b.id = t.batch_id
             JOIN campaigns c ON c.id = b.campaign_id
            WHERE b.key_id <> %s AND b.voided_at IS NULL AND c.state = ANY(%s)""", (key_id, list(states)))
    row = cur.fetchone()
    return row["n"] if isinstance(row, dict) else row[0]
