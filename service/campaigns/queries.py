"""SQL for campaigns and their parts. Functions take `cur` first and never commit."""
from __future__ import annotations

import contextlib

from psycopg2 import sql
from psycopg2.extras import Json

from ballots.lifecycle import ENTERED_AT

_CAMPAIGN_COLS = ("id, title, description, state, rules, created_by, created_at, updated_at, state_changed_at, "
                  "announced_at, opened_at, closed_at, published_at, archived_at, projector_results")

# The parts of a campaign's definition, with the columns a caller may write.
PARTS = {
    "voter_groups": ("name", "weight", "criteria", "eligible", "position"),
    "subjects": ("name", "kind", "category", "unit", "commitment", "position"),
    "rounds": ("title", "kind", "position", "opens_at", "closes_at"),
    "sections": ("round_id", "type", "title", "config", "subject_ids", "group_ids", "position"),
}
_ORDER = {
    "voter_groups": "position, id",
    "subjects": "position, id",
    "rounds": "position, id",
    "sections": "round_id, position, id",
}


def insert_campaign(cur, title, description, rules, created_by):
    cur.execute(
        f"""INSERT INTO campaigns (title, description, rules, created_by)
            VALUES (%s, %s, %s, %s)
            RETURNING {_CAMPAIGN_COLS}""",
        (title, description, Json(rules), created_by),
    )
    return cur.fetchone()


def get_campaign(cur, campaign_id, for_update=False, for_share=False):
    lock = " FOR UPDATE" if for_update else (" FOR SHARE" if for_share else "")
    cur.execute(f"SELECT {_CAMPAIGN_COLS} FROM campaigns WHERE id = %s{lock}", (campaign_id,))
    return cur.fetchone()


def list_campaigns(cur, states=None):
    cur.execute(
        f"""SELECT {_CAMPAIGN_COLS}
            FROM campaigns
            WHERE %(states)s::text[] IS NULL OR state = ANY(%(states)s::text[])
            ORDER BY id DESC""",
        {"states": list(states) if states else None},
    )
    return cur.fetchall()


def update_campaign(cur, campaign_id, title=None, description=None, rules=None):
    cur.execute(
        f"""UPDATE campaigns
            SET title = coalesce(%s, title),
                description = coalesce(%s, description),
                rules = coalesce(%s, rules),
                updated_at = now()
            WHERE id = %s
            RETURNING {_CAMPAIGN_COLS}""",
        (title, description, Json(rules) if rules is not None else None, campaign_id),
    )
    return cur.fetchone()


def set_state(cur, campaign_id, from_state, to_state):
    """Move the campaign on, stamping the time it entered the state in that state's column."""
    cur.execute(
        sql.SQL("""UPDATE campaigns
                   SET state = %s, state_changed_at = now(), updated_at = now(), {} = now()
                   WHERE id = %s AND state = %s
                   RETURNING {}""").format(sql.Identifier(ENTERED_AT[to_state]), sql.SQL(_CAMPAIGN_COLS)),
        (to_state, campaign_id, from_state),
    )
    return cur.fetchone()


def delete_campaign(cur, campaign_id):
    cur.execute("DELETE FROM campaigns WHERE id = %s AND state = 'draft' RETURNING id", (campaign_id,))
    return cur.fetchone()


def _value(col, value):
    return Json(value) if col == "config" else value


def insert_part(cur, table, campaign_id, data):
    cols = [c for c in PARTS[table] if c in data]
    query = sql.SQL("INSERT INTO {t} (campaign_id, {cols}) VALUES (%s, {vals}) RETURNING *").format(
        t=sql.Identifier(table),
        cols=sql.SQL(", ").join(map(sql.Identifier, cols)),
        vals=sql.SQL(", ").join(sql.Placeholder() * len(cols)),
    )
    cur.execute(query, [campaign_id] + [_value(c, data[c]) for c in cols])
    return cur.fetchone()


def update_part(cur, table, campaign_id, part_id, data):
    cols = [c for c in PARTS[table] if c in data]
    if not cols:
        return get_part(cur, table, campaign_id, part_id)
    query = sql.SQL("UPDATE {t} SET {sets} WHERE campaign_id = %s AND id = %s RETURNING *").format(
        t=sql.Identifier(table),
        sets=sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in cols),
    )
    cur.execute(query, [_value(c, data[c]) for c in cols] + [campaign_id, part_id])
    return cur.fetchone()


def get_part(cur, table, campaign_id, part_id):
    cur.execute(sql.SQL("SELECT * FROM {t} WHERE campaign_id = %s AND id = %s").format(
        t=sql.Identifier(table)), (campaign_id, part_id))
    return cur.fetchone()


def delete_part(cur, table, campaign_id, part_id):
    cur.execute(sql.SQL("DELETE FROM {t} WHERE campaign_id = %s AND id = %s RETURNING id").format(
        t=sql.Identifier(table)), (campaign_id, part_id))
    return cur.fetchone()


def list_parts(cur, table, campaign_id):
    cur.execute(sql.SQL("SELECT * FROM {t} WHERE campaign_id = %s ORDER BY {o}").format(
        t=sql.Identifier(table), o=sql.SQL(_ORDER[table])), (campaign_id,))
    return cur.fetchall()


def sections_using(cur, campaign_id, column, part_id):
    """Sections whose explicit subject or group list names this id."""
    cur.execute(
        sql.SQL("SELECT id, title FROM sections WHERE campaign_id = %s AND %s = ANY({c})").format(
            c=sql.Identifier(column)),
        (campaign_id, part_id),
    )
    return cur.fetchall()


def existing_ids(cur, table, campaign_id, ids):
    cur.execute(sql.SQL("SELECT id FROM {t} WHERE campaign_id = %s AND id = ANY(%s)").format(
        t=sql.Identifier(table)), (campaign_id, list(ids)))
    return {r["id"] for r in cur.fetchall()}


def next_position(cur, table, campaign_id, round_id=None):
    """The place after the last part (a section: the last of its round)."""
    where = sql.SQL(" AND round_id = %s") if table == "sections" else sql.SQL("")
    cur.execute(sql.SQL("SELECT coalesce(max(position) + 1, 0) AS n FROM {t} WHERE campaign_id = %s{w}").format(
        t=sql.Identifier(table), w=where), (campaign_id, round_id) if table == "sections" else (campaign_id,))
    return cur.fetchone()["n"]


def set_positions(cur, table, campaign_id, ids):
    """Number the parts 0, 1, … in the order of `ids`."""
    cur.execute(
        sql.SQL("""UPDATE {t} AS p SET position = o.n - 1
                   FROM unnest(%s::bigint[]) WITH ORDINALITY AS o(id, n)
                   WHERE p.campaign_id = %s AND p.id = o.id""").format(t=sql.Identifier(table)),
        (list(ids), campaign_id),
    )


def touch_campaign(cur, campaign_id):
    cur.execute("UPDATE campaigns SET updated_at = now() WHERE id = %s", (campaign_id,))


def get_part_any(cur, table, part_id):
    """A part by its id alone (public pages that name a round directly)."""
    cur.execute(sql.SQL("SELECT * FROM {t} WHERE id = %s").format(t=sql.Identifier(table)), (part_id,))
    return cur.fetchone()


@contextlib.contextmanager
def savepoint(cur):
    """The statements inside, undone alone if one fails (the transaction goes on)."""
    cur.execute("SAVEPOINT part")
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK TO SAVEPOINT part")
        raise
    cur.execute("RELEASE SAVEPOINT part")
