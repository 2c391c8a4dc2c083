"""SQL for the 公示: the publication, its honourees, objections. Functions take `cur` first and
never commit."""
from __future__ import annotations

_OBJECTION_COLS = "o.id, o.honouree_id, o.body, o.contact, o.received_at, o.status, o.reply, o.handled_by, o.handled_at"


def insert_publication(cur, campaign_id, starts_on, ends_on, working_days, note, published_by, backdate_reason,
                       issuer="", objection_contact=""):
    cur.execute(
        """INSERT INTO publications (campaign_id, starts_on, ends_on, working_days, note, published_by,
                                     backdate_reason, issuer, objection_contact)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (campaign_id, starts_on, ends_on, working_days, note, published_by, backdate_reason, issuer,
         objection_contact),
    )


def insert_honouree(cur, campaign_id, subject_id, name, award, position):
    cur.execute(
        """INSERT INTO honourees (campaign_id, subject_id, name, award, position)
           VALUES (%s, %s, %s, %s, %s)""",
        (campaign_id, subject_id, name, award, position),
    )


def get_publication(cur, campaign_id):
    cur.execute("SELECT * FROM publications WHERE campaign_id = %s", (campaign_id,))
    return cur.fetchone()


def list_honourees(cur, campaign_id):
    cur.execute(
        """SELECT id, subject_id, name, award, position, final
           FROM honourees
           WHERE campaign_id = %s
           ORDER BY position, id""",
        (campaign_id,),
    )
    return cur.fetchall()


def count_objections(cur, campaign_id, status=None):
    cur.execute(
        """SELECT count(*) AS n FROM objections
           WHERE campaign_id = %s AND (%s::text IS NULL OR status = %s::text)""",
        (campaign_id, status, status),
    )
    return cur.fetchone()["n"]


def find_objection(cur, campaign_id, honouree_id, body):
    cur.execute(
        """SELECT id, received_at FROM objections
           WHERE campaign_id = %s AND honouree_id IS NOT DISTINCT FROM %s AND body = %s
           LIMIT 1""",
        (campaign_id, honouree_id, body),
    )
    return cur.fetchone()


def insert_objection(cur, campaign_id, honouree_id, body, contact):
    cur.execute(
        """INSERT INTO objections (campaign_id, honouree_id, body, contact)
           VALUES (%s, %s, %s, %s)
           RETURNING id, received_at""",
        (campaign_id, honouree_id, body, contact),
    )
    return cur.fetchone()


def list_objections(cur, campaign_id):
    cur.execute(
        f"""SELECT {_OBJECTION_COLS}, h.name AS honouree
            FROM objections o
            LEFT JOIN honourees h ON h.id = o.honouree_id
            WHERE o.campaign_id = %s
            ORDER BY o.id""",
        (campaign_id,),
    )
    return cur.fetchall()


def answer_objection(cur, campaign_id, objection_id, status, reply, handled_by):
    cur.execute(
        f"""UPDATE objections o
            SET status = %s, reply = %s, handled_by = %s, handled_at = now()
            WHERE o.id = %s AND o.campaign_id = %s
            RETURNING {_OBJECTION_COLS}""",
        (status, reply, handled_by, objection_id, campaign_id),
    )
    return cur.fetchone()


def confirm_list(cur, campaign_id, keep_ids, confirmed_by):
    cur.execute("UPDATE honourees SET final = (id = ANY(%s)) WHERE campaign_id = %s", (keep_ids, campaign_id))
    cur.execute("UPDATE publications SET confirmed_by = %s, confirmed_at = now() WHERE campaign_id = %s",
                (confirmed_by, campaign_id))
