"""SQL that counts a round's ballots for ballots.tally, and turnout. Never commits."""
from __future__ import annotations

from fractions import Fraction

from ballots import forms
from ballots.tally import Counts, ScoreAgg


def ballots_per_group(cur, round_id) -> dict:
    cur.execute("SELECT group_id, count(*) AS n FROM ballots WHERE round_id = %s GROUP BY group_id", (round_id,))
    return {r["group_id"]: r["n"] for r in cur.fetchall()}


def count_round(cur, round_id, sections, form_of=None) -> Counts:
    """Everything ballots.tally needs, counted by PostgreSQL. Rating and approve marks come from
    the packed counters, one sum() per group, unpacked with that group's form (`form_of(group)`,
    as at cast time); ballots without a counter are counted from their answers."""
    c = Counts()
    graded = [str(s.id) for s in sections if s.type in ("rating", "approve")]
    # One pass: the ballots of each group and the sum of their counters.
    cur.execute("SELECT group_id, count(*) AS n, sum(tally) AS total FROM ballots "
                "WHERE round_id = %s GROUP BY group_id", (round_id,))
    rows = cur.fetchall()
    # Ballots without a counter (before migration 0007): found through the partial index, not a scan.
    cur.execute("SELECT EXISTS (SELECT 1 FROM ballots WHERE round_id = %s AND tally IS NULL) AS any",
                (round_id,))
    unpacked = cur.fetchone()["any"]
    for r in rows:
        c.ballots[r["group_id"]] = r["n"]
        if graded and form_of is not None and r["total"] is not None:
            for (sid, row, option), n in forms.unpack_counts(form_of(r["group_id"]), int(r["total"])).items():
                c.options[(sid, r["group_id"], row, option)] += n
    if graded and (form_of is None or unpacked):
        cur.execute(
            f"""SELECT b.group_id, s.key AS section, r.key AS row, r.value AS option, count(*) AS n
               FROM ballots b
               CROSS JOIN LATERAL jsonb_each(b.answers) s
               CROSS JOIN LATERAL jsonb_each_text(s.value) r
               WHERE b.round_id = %s AND s.key = ANY(%s) {"AND b.tally IS NULL" if form_of else ""}
               GROUP BY 1, 2, 3, 4""",
            (round_id, graded),
        )
        for r in cur.fetchall():
            c.options[(int(r["section"]), r["group_id"], r["row"], r["option"])] += r["n"]
    chosen = [str(s.id) for s in sections if s.type == "choose"]
    if chosen:
        for r in _array_counts(cur, round_id, chosen, "chosen"):
            c.chosen[(int(r["section"]), r["group_id"], int(r["value"]))] = r["n"]
        for r in _array_counts(cur, round_id, chosen, "write_ins"):
            c.write_ins[(int(r["section"]), r["group_id"], r["value"])] = r["n"]
    scored = [str(s.id) for s in sections if s.type == "score"]
    if scored:
        cur.execute(
            """SELECT b.group_id, s.key AS section, r.key AS row, count(*) AS n,
                      sum(r.value::numeric) AS total, min(r.value::numeric) AS low, max(r.value::numeric) AS high
               FROM ballots b
               CROSS JOIN LATERAL jsonb_each(b.answers) s
               CROSS JOIN LATERAL jsonb_each(s.value) r
               WHERE b.round_id = %s AND s.key = ANY(%s)
               GROUP BY 1, 2, 3""",
            (round_id, scored),
        )
        for r in cur.fetchall():
            c.scores[(int(r["section"]), r["group_id"], r["row"])] = ScoreAgg(
                r["n"], Fraction(r["total"]), Fraction(r["low"]), Fraction(r["high"]))
    return c


def section_comments(cur, round_id, section_ids) -> dict:
    """{section id: [comment, …]} of a round's text sections, without the ballots they came from
    (no id, tracker, group or order of casting): the caller sorts them by their text."""
    if not section_ids:
        return {}
    cur.execute(
        """SELECT s.key AS section, s.value #>> '{}' AS text
           FROM ballots b
           CROSS JOIN LATERAL jsonb_each(b.answers) s
           WHERE b.round_id = %s AND s.key = ANY(%s) AND jsonb_typeof(s.value) = 'string'""",
        (round_id, [str(i) for i in section_ids]),
    )
    out = {i: [] for i in section_ids}
    for r in cur.fetchall():
        out[int(r["section"])].append(r["text"])
    return out


def stored_counts(cur, round_id):
    """The round's counts as the mixer kept them, a row a group (None when no batch was mixed:
    ballots written otherwise, before migration 0017, are counted from their rows)."""
    from ballots.counts import Counts, from_record
    cur.execute("SELECT group_id, counts FROM ballot_counts WHERE round_id = %s", (round_id,))
    rows = cur.fetchall()
    if not rows:
        return None
    c = Counts()
    for r in rows:
        from_record(r["group_id"], r["counts"], c)
    return c


def issued_per_group(cur, round_id) -> dict:
    """Ballots in voters' hands per group: minted, less those still in a hand-out pool, less
    those voided (lost slips, withdrawn pools)."""
    cur.execute(
        """SELECT b.group_id,
                  sum(b.size) - sum((SELECT count(*) FROM handout_pool p WHERE p.batch_id = b.id))
                              - sum((SELECT count(*) FROM voided_tokens v WHERE v.batch_id = b.id)) AS n
           FROM batches b WHERE b.round_id = %s GROUP BY b.group_id""",
        (round_id,),
    )
    return {r["group_id"]: int(r["n"]) for r in cur.fetchall()}


def _array_counts(cur, round_id, sections, key):
    """Per group, section and value: how often a choose section's array `key` holds the value."""
    cur.execute(
        """SELECT b.group_id, s.key AS section, v.value, count(*) AS n
           FROM ballots b
           CROSS JOIN LATERAL jsonb_each(b.answers) s
           CROSS JOIN LATERAL jsonb_array_elements_text(s.value -> %s) v
           WHERE b.round_id = %s AND s.key = ANY(%s)
           GROUP BY 1, 2, 3""",
        (key, round_id, sections),
    )
    return cur.fetchall()


def upsert_source_score(cur, campaign_id, subject_id, source, entered_by, score, comment):
    """One person's 组织考评 or 领导点评 score for a subject, entered or changed."""
    cur.execute(
        """INSERT INTO source_scores (campaign_id, subject_id, source, entered_by, score, comment)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (campaign_id, subject_id, source, entered_by)
           DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, entered_at = now()
           RETURNING subject_id, source, entered_by, score, comment, entered_at""",
        (campaign_id, subject_id, source, entered_by, score, comment))
    return cur.fetchone()


def list_source_scores(cur, campaign_id):
    cur.execute(
        """SELECT subject_id, source, entered_by, score, comment, entered_at
           FROM source_scores
           WHERE campaign_id = %s
           ORDER BY subject_id, source, entered_by""",
        (campaign_id,))
    return cur.fetchall()


def ballots_by_source(cur, round_id) -> dict:
    """{source: ballots} of the round: online and paper (docs/paper.md)."""
    cur.execute("SELECT source, count(*) AS n FROM ballots WHERE round_id = %s GROUP BY source", (round_id,))
    return {r["source"]: r["n"] for r in cur.fetchall()}
