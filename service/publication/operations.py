"""公开 #2: publish the proposed honourees for a 公示 window, take and answer objections,
confirm the list. Which state allows what is ballots.lifecycle's to say."""
from __future__ import annotations

import datetime as dt

from ballots import lifecycle, publicity
from service.campaigns import operations as camps
from service.core import errors
from service.core.errors import Conflict, Invalid, NotFound, WrongState
from service.core.event_queries import insert_event
from service.publication import calendar as holiday_calendar
from service.publication import queries as q
from service.publication.errors import AlreadyConfirmed, ObjectionsOpen, WindowClosed, WindowOpen


def today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()  # the calendar is China's


def _refused(exc: lifecycle.TransitionRefused, state: str) -> Conflict:
    return errors.of(exc.code)(exc.reason, {"state": state, **exc.details})


def publish(cur, principal, campaign_id, data) -> dict:
    """Publish the proposed honourees and open the window; the campaign becomes published."""
    campaign = camps.get_campaign(cur, campaign_id, for_update=True)
    try:
        lifecycle.check_transition(campaign["state"], "published")
        starts_on, reason = data.get("starts_on") or today(), data.get("backdate_reason", "")
        lifecycle.check_publicity_start(starts_on, today(), reason)
    except lifecycle.TransitionRefused as exc:
        raise _refused(exc, campaign["state"]) from None
    days = campaign["rules"].get("publicity_days", 5)
    try:
        first, last = holiday_calendar.calendar(cur).window(starts_on, days)
    except publicity.CalendarUnknown as exc:
        raise holiday_calendar.refusal(exc) from None
    try:
        lifecycle.check_publicity_window(last, today())
    except lifecycle.TransitionRefused as exc:
        raise _refused(exc, campaign["state"]) from None
    subjects = {s["id"]: s for s in camps.list_parts(cur, "subjects", campaign_id)}
    for i, h in enumerate(data["honourees"]):
        if h.get("subject_id") is not None and h["subject_id"] not in subjects:
            raise Invalid(details={"fields": {"honourees": {str(i): {"subject_id": ["not in this campaign"]}}}})
    q.insert_publication(cur, campaign_id, first, last, days, data["note"], principal.actor,
                         reason if starts_on < today() else "", data.get("issuer", ""), data.get("objection_contact", ""))
    for i, h in enumerate(data["honourees"]):
        name = subjects[h["subject_id"]]["name"] if h.get("subject_id") is not None else h["name"]
        q.insert_honouree(cur, campaign_id, h.get("subject_id"), name, h["award"], i)
    camps.set_state(cur, campaign_id, campaign["state"], "published")
    insert_event(cur, principal.actor, "campaign.transition", campaign_id, {"from": campaign["state"], "to": "published"})
    details = {"starts_on": first.isoformat(), "ends_on": last.isoformat(), "honourees": len(data["honourees"])}
    if starts_on < today():
        details["backdate_reason"] = reason
    insert_event(cur, principal.actor, "publication.published", campaign_id, details)
    from service.audit import operations as audit
    audit.sign_campaign(cur, principal.actor, campaign_id, "publish")  # what was published, signed
    return get(cur, campaign_id)


def facts(cur, campaign_id) -> lifecycle.Publicity | None:
    """The 公示 as the lifecycle rules see it; None when the campaign published nothing."""
    pub = q.get_publication(cur, campaign_id)
    if pub is None:
        return None
    return lifecycle.Publicity(pub["starts_on"], pub["ends_on"], pub["confirmed_at"] is not None)


def get(cur, campaign_id) -> dict:
    pub = q.get_publication(cur, campaign_id)
    if pub is None:
        raise NotFound("this campaign has published no list")
    state = camps.get_campaign(cur, campaign_id)["state"]
    status = lifecycle.publicity_status(state, facts(cur, campaign_id), today())
    return {**pub, "honourees": q.list_honourees(cur, campaign_id), "status": status,
            "status_label": lifecycle.PUBLICITY_LABELS[status],
            "objections": q.count_objections(cur, campaign_id),
            "open_objections": q.count_objections(cur, campaign_id, "open"),
            "open": status == "open", "ended": status in ("ended", "confirmed", "archived")}


def object_to(cur, campaign_id, data) -> dict:
    """An objection (异议) during the window: it reaches the organisers and the record."""
    camps.get_campaign(cur, campaign_id, for_share=True)  # an archive waits for this to commit
    pub = get(cur, campaign_id)
    if pub["status"] != "open":
        raise WindowClosed("objections are taken during the publicity window "
                       f"{pub['starts_on']} – {pub['ends_on']}", {"status": pub["status"]})
    if data.get("honouree_id") is not None and data["honouree_id"] not in {h["id"] for h in pub["honourees"]}:
        raise Invalid(details={"fields": {"honouree_id": ["not on the published list"]}})
    same = q.find_objection(cur, campaign_id, data.get("honouree_id"), data["body"])
    if same is not None:  # sent twice (a double tap, a reload): one objection, one event
        return {**same, "duplicate": True}
    row = q.insert_objection(cur, campaign_id, data.get("honouree_id"), data["body"], data["contact"])
    insert_event(cur, "public", "objection.received", campaign_id,
                 {"objection_id": row["id"], "honouree_id": data.get("honouree_id")})
    return row


def objections(cur, campaign_id) -> list:
    return q.list_objections(cur, campaign_id)


def handle_objection(cur, principal, campaign_id, objection_id, data) -> dict:
    """The organiser's answer to an objection: 已核实 (verified) or 不成立 (rejected), with a
    note; it can be revised until the list is confirmed, each answer an event."""
    campaign = camps.get_campaign(cur, campaign_id, for_update=True)
    if not lifecycle.allows("handle_objection", campaign["state"]):
        raise WrongState(f"objections are answered while the list is published; the campaign is {campaign['state']}",
                       {"state": campaign["state"]})
    pub = q.get_publication(cur, campaign_id)
    if pub is not None and pub["confirmed_at"] is not None:
        raise AlreadyConfirmed("the final list is confirmed; its objections are settled")
    row = q.answer_objection(cur, campaign_id, objection_id, data["status"], data["reply"], principal.actor)
    if row is None:
        raise NotFound("no such objection in this campaign")
    insert_event(cur, principal.actor, "objection.handled", campaign_id,
                 {"objection_id": objection_id, "status": data["status"]})
    return row


def confirm(cur, principal, campaign_id, data) -> dict:
    """After the window: the final list (表彰) — the honourees kept, the others struck. With
    objections still unanswered, the organiser must say they confirm regardless."""
    camps.get_campaign(cur, campaign_id, for_update=True)
    pub = get(cur, campaign_id)
    if pub["status"] in ("confirmed", "archived"):
        raise AlreadyConfirmed("the final list is already confirmed")
    if pub["status"] != "ended":
        raise WindowOpen(f"the publicity window runs until {pub['ends_on']}; confirm the list after it",
                       {"ends_on": pub["ends_on"].isoformat()})
    if pub["open_objections"] and not data.get("despite_open_objections"):
        raise ObjectionsOpen(f"{pub['open_objections']} objection(s) have no answer yet; answer them, or confirm "
                       "with despite_open_objections", {"open_objections": pub["open_objections"]})
    keep = set(data["honouree_ids"])
    known = {h["id"] for h in pub["honourees"]}
    if not keep <= known:
        raise Invalid(details={"fields": {"honouree_ids": [f"not on the published list: {sorted(keep - known)}"]}})
    q.confirm_list(cur, campaign_id, list(keep), principal.actor)
    details = {"kept": sorted(keep), "struck": sorted(known - keep)}
    if pub["open_objections"]:
        details["despite_open_objections"] = pub["open_objections"]
    insert_event(cur, principal.actor, "publication.confirmed", campaign_id, details)
    return get(cur, campaign_id)


def notice(cur, principal, campaign_id, base_url: str) -> dict:
    """What the printed 公示 notice says (ballots.notice.write_notice); handing it out is an event,
    as every export is."""
    pub = get(cur, campaign_id)
    campaign = camps.get_campaign(cur, campaign_id)
    units = {s["id"]: s["unit"] for s in camps.list_parts(cur, "subjects", campaign_id)}
    published = pub["published_at"].astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    insert_event(cur, principal.actor, "publication.exported", campaign_id, {"format": "pdf"})
    return {"title": campaign["title"], "issuer": pub["issuer"], "note": pub["note"],
            "starts_on": pub["starts_on"], "ends_on": pub["ends_on"], "working_days": pub["working_days"],
            "honourees": [{"name": h["name"], "unit": units.get(h["subject_id"], ""), "award": h["award"]}
                          for h in pub["honourees"]],
            "objection_contact": pub["objection_contact"], "dated": min(published, pub["starts_on"]),
            "url": f"{base_url.rstrip('/')}/c/{campaign_id}/publicity"}
