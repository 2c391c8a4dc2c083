"""公开 #2: publish the proposed honourees for a 公示 window, take objections, confirm the list."""
from __future__ import annotations

import datetime as dt

from ballots import lifecycle, publicity
from . import campaigns as camps
from . import holiday_calendar
from .errors import Conflict, Invalid, NotFound
from .queries import campaigns as qc
from .queries.events import insert_event


def today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()  # the calendar is China's


def publish(cur, principal, campaign_id, data) -> dict:
    """Publish the proposed honourees and open the window; the campaign becomes published."""
    campaign = camps.get_campaign(cur, campaign_id, for_update=True)
    try:
        lifecycle.check_transition(campaign["state"], "published")
    except lifecycle.TransitionRefused as exc:
        raise Conflict(exc.reason, {"state": campaign["state"]}, code="invalid_transition") from None
    days = campaign["rules"].get("publicity_days", 5)
    try:
        first, last = holiday_calendar.calendar(cur).window(data.get("starts_on") or today(), days)
    except publicity.CalendarUnknown as exc:
        raise holiday_calendar.refusal(exc) from None
    subjects = {s["id"]: s for s in qc.list_parts(cur, "subjects", campaign_id)}
    for i, h in enumerate(data["honourees"]):
        if h.get("subject_id") is not None and h["subject_id"] not in subjects:
            raise Invalid(details={"fields": {"honourees": {str(i): {"subject_id": ["not in this campaign"]}}}})
    cur.execute("""INSERT INTO publications (campaign_id, starts_on, ends_on, working_days, note, published_by)
                   VALUES (%s, %s, %s, %s, %s, %s)""", (campaign_id, first, last, days, data["note"], principal.actor))
    for i, h in enumerate(data["honourees"]):
        name = subjects[h["subject_id"]]["name"] if h.get("subject_id") is not None else h["name"]
        cur.execute("""INSERT INTO honourees (campaign_id, subject_id, name, award, position)
                       VALUES (%s, %s, %s, %s, %s)""", (campaign_id, h.get("subject_id"), name, h["award"], i))
    qc.set_state(cur, campaign_id, campaign["state"], "published")
    insert_event(cur, principal.actor, "campaign.transition", campaign_id, {"from": campaign["state"], "to": "published"})
    insert_event(cur, principal.actor, "publication.published", campaign_id,
                 {"starts_on": first.isoformat(), "ends_on": last.isoformat(), "honourees": len(data["honourees"])})
    return get(cur, campaign_id)


def get(cur, campaign_id) -> dict:
    cur.execute("SELECT * FROM publications WHERE campaign_id = %s", (campaign_id,))
    pub = cur.fetchone()
    if pub is None:
        raise NotFound("this campaign has published no list")
    cur.execute("SELECT id, subject_id, name, award, position, final FROM honourees WHERE campaign_id = %s "
                "ORDER BY position, id", (campaign_id,))
    honourees = cur.fetchall()
    cur.execute("SELECT count(*) AS n FROM objections WHERE campaign_id = %s", (campaign_id,))
    return {**pub, "honourees": honourees, "objections": cur.fetchone()["n"],
            "open": pub["starts_on"] <= today() <= pub["ends_on"], "ended": today() > pub["ends_on"]}


def object_to(cur, campaign_id, data) -> dict:
    """An objection (异议) during the window: it reaches the organisers and the record."""
    pub = get(cur, campaign_id)
    if not pub["open"]:
        raise Conflict("objections are taken during the publicity window "
                       f"{pub['starts_on']} – {pub['ends_on']}", code="window_closed")
    if data.get("honouree_id") is not None and data["honouree_id"] not in {h["id"] for h in pub["honourees"]}:
        raise Invalid(details={"fields": {"honouree_id": ["not on the published list"]}})
    cur.execute("""INSERT INTO objections (campaign_id, honouree_id, body, contact) VALUES (%s, %s, %s, %s)
                   RETURNING id, received_at""", (campaign_id, data.get("honouree_id"), data["body"], data["contact"]))
    row = cur.fetchone()
    insert_event(cur, "public", "objection.received", campaign_id,
                 {"objection_id": row["id"], "honouree_id": data.get("honouree_id")})
    return row


def objections(cur, campaign_id) -> list:
    cur.execute("""SELECT o.id, o.honouree_id, h.name AS honouree, o.body, o.contact, o.received_at
                   FROM objections o LEFT JOIN honourees h ON h.id = o.honouree_id
                   WHERE o.campaign_id = %s ORDER BY o.id""", (campaign_id,))
    return cur.fetchall()


def confirm(cur, principal, campaign_id, data) -> dict:
    """After the window: the final list (表彰) — the honourees kept, the others struck."""
    camps.get_campaign(cur, campaign_id, for_update=True)
    pub = get(cur, campaign_id)
    if pub["confirmed_at"] is not None:
        raise Conflict("the final list is already confirmed", code="already_confirmed")
    if not pub["ended"]:
        raise Conflict(f"the publicity window runs until {pub['ends_on']}; confirm the list after it",
                       code="window_open")
    keep = set(data["honouree_ids"])
    known = {h["id"] for h in pub["honourees"]}
    if not keep <= known:
        raise Invalid(details={"fields": {"honouree_ids": [f"not on the published list: {sorted(keep - known)}"]}})
    cur.execute("UPDATE honourees SET final = (id = ANY(%s)) WHERE campaign_id = %s", (list(keep), campaign_id))
    cur.execute("UPDATE publications SET confirmed_by = %s, confirmed_at = now() WHERE campaign_id = %s",
                (principal.actor, campaign_id))
    insert_event(cur, principal.actor, "publication.confirmed", campaign_id,
                 {"kept": sorted(keep), "struck": sorted(known - keep)})
    return get(cur, campaign_id)
