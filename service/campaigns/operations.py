"""Campaign operations shared by the JSON API and the admin pages.

Each is a small function taking the cursor of the caller's transaction; none commits.
Only a draft is editable; every change is recorded as an event.
"""
from __future__ import annotations

import functools

import psycopg2

from ballots import lifecycle
from service.campaigns import queries as q
from service.campaigns import schedule
from service.campaigns.errors import CampaignNotEditable, CannotMove, ImportFailed, InUse, UsePublication
from service.core import db, errors
from service.core.errors import Duplicate, Invalid, NotFound
from service.core.event_queries import insert_event

PART_NAMES = {"voter_groups": "group", "subjects": "subject", "rounds": "round", "sections": "section"}


def get_campaign(cur, campaign_id, for_update=False, for_share=False):
    row = q.get_campaign(cur, campaign_id, for_update=for_update, for_share=for_share)
    if row is None:
        raise NotFound("no such campaign", {"campaign_id": campaign_id})
    return row


def list_campaigns(cur, states=None):
    return q.list_campaigns(cur, states=states)


def get_part(cur, table, campaign_id, part_id):
    """One group, subject, round or section of the campaign, or None."""
    return q.get_part(cur, table, campaign_id, part_id)


def list_parts(cur, table, campaign_id):
    return q.list_parts(cur, table, campaign_id)


def round_window(cur, round_id) -> tuple:
    """(opens_at, closes_at) of a round, either None (scheduled voting, service/campaigns/schedule.py)."""
    from service.campaigns import schedule
    return schedule.window(cur, round_id)


def schedule_now():
    """The schedule's clock (tests move it)."""
    from service.campaigns import schedule
    return schedule.now()


def window_refusal(opens_at, closes_at) -> str | None:
    """'not_open' before a round's opening, 'closed' from its closing on, None between (now)."""
    from service.campaigns import schedule
    return schedule.refusal(opens_at, closes_at)


def find_round(cur, round_id):
    """A round by its id alone (its campaign_id says whose), or None."""
    return q.get_part_any(cur, "rounds", round_id)


def set_state(cur, campaign_id, current, target):
    """Move the state on once ballots.lifecycle has allowed it (publication.publish does)."""
    return q.set_state(cur, campaign_id, current, target)


def editable_campaign(cur, campaign_id):
    """Lock the campaign row for this transaction and check it is still a draft."""
    row = get_campaign(cur, campaign_id, for_update=True)
    if not lifecycle.allows("edit", row["state"]):
        raise CampaignNotEditable(
            f"the campaign is {row['state']}; only a draft can be edited",
            {"state": row["state"]},
        )
    return row


def create_campaign(cur, principal, data):
    row = q.insert_campaign(cur, data["title"], data["description"], data["rules"],
                            principal.id if principal.kind == "user" else None)
    insert_event(cur, principal.actor, "campaign.created", row["id"], {"title": row["title"]})
    return row


def update_campaign(cur, principal, campaign_id, data):
    editable_campaign(cur, campaign_id)
    row = q.update_campaign(cur, campaign_id, data.get("title"), data.get("description"), data.get("rules"))
    insert_event(cur, principal.actor, "campaign.updated", campaign_id, {"fields": sorted(data)})
    return row


def delete_campaign(cur, principal, campaign_id):
    editable_campaign(cur, campaign_id)
    q.delete_campaign(cur, campaign_id)
    insert_event(cur, principal.actor, "campaign.deleted", None, {"campaign_id": campaign_id})


def definition(cur, campaign_id):
    """The campaign with its groups, subjects and rounds (each with its sections)."""
    campaign = dict(get_campaign(cur, campaign_id))
    campaign["groups"] = q.list_parts(cur, "voter_groups", campaign_id)
    campaign["subjects"] = q.list_parts(cur, "subjects", campaign_id)
    sections = q.list_parts(cur, "sections", campaign_id)
    rounds = []
    for rnd in q.list_parts(cur, "rounds", campaign_id):
        rnd = dict(rnd)
        rnd["sections"] = [s for s in sections if s["round_id"] == rnd["id"]]
        rounds.append(rnd)
    campaign["rounds"] = rounds
    campaign["readiness"] = lifecycle.readiness(campaign) if lifecycle.allows("edit", campaign["state"]) else []
    return campaign


def annotate_sections(campaign):
    """Give each section of a definition its subject rows and group names, for display."""
    subjects = {s["id"]: s for s in campaign["subjects"]}
    groups = {gr["id"]: gr for gr in campaign["groups"]}
    for rnd in campaign["rounds"]:
        for sec in rnd["sections"]:
            sec["rows"] = lifecycle.section_subjects(sec, subjects)
            sec["groups"] = [groups[i]["name"] for i in sec["group_ids"] or [] if i in groups]
    return campaign


def _check_references(cur, campaign_id, data):
    for column, table in (("subject_ids", "subjects"), ("group_ids", "voter_groups")):
        ids = data.get(column)
        if ids:
            missing = set(ids) - q.existing_ids(cur, table, campaign_id, ids)
            if missing:
                raise Invalid(details={"fields": {column: [f"not in this campaign: {sorted(missing)}"]}})
            if len(set(ids)) != len(ids):
                raise Invalid(details={"fields": {column: ["ids repeat"]}})
    if "round_id" in data and not q.get_part(cur, "rounds", campaign_id, data["round_id"]):
        raise NotFound("no such round in this campaign", {"round_id": data["round_id"]})


def _unique_violation(table, exc):
    return Duplicate(f"a {PART_NAMES[table]} with the same name already exists",
                    {"constraint": exc.diag.constraint_name})


def add_part(cur, principal, table, campaign_id, data):
    editable_campaign(cur, campaign_id)
    _check_references(cur, campaign_id, data)
    if "position" not in data:  # after the last (of its round, for a section)
        data = {**data, "position": q.next_position(cur, table, campaign_id, data.get("round_id"))}
    try:
        with q.savepoint(cur):
            row = q.insert_part(cur, table, campaign_id, data)
    except psycopg2.errors.UniqueViolation as exc:
        raise _unique_violation(table, exc) from None
    q.touch_campaign(cur, campaign_id)
    insert_event(cur, principal.actor, f"{PART_NAMES[table]}.added", campaign_id, {"id": row["id"]})
    return row


def update_part(cur, principal, table, campaign_id, part_id, data):
    editable_campaign(cur, campaign_id)
    existing = q.get_part(cur, table, campaign_id, part_id)
    if existing is None:
        raise NotFound(f"no such {PART_NAMES[table]} in this campaign")
    _check_references(cur, campaign_id, data)
    try:
        with q.savepoint(cur):
            row = q.update_part(cur, table, campaign_id, part_id, data)
    except psycopg2.errors.UniqueViolation as exc:
        raise _unique_violation(table, exc) from None
    q.touch_campaign(cur, campaign_id)
    insert_event(cur, principal.actor, f"{PART_NAMES[table]}.updated", campaign_id, {"id": part_id})
    return row


def delete_part(cur, principal, table, campaign_id, part_id):
    editable_campaign(cur, campaign_id)
    column = {"subjects": "subject_ids", "voter_groups": "group_ids"}.get(table)
    if column:
        users = q.sections_using(cur, campaign_id, column, part_id)
        if users:
            raise InUse(f"this {PART_NAMES[table]} is named by a section; edit the section first",
                           {"sections": [u["id"] for u in users]})
    if q.delete_part(cur, table, campaign_id, part_id) is None:
        raise NotFound(f"no such {PART_NAMES[table]} in this campaign")
    q.touch_campaign(cur, campaign_id)
    insert_event(cur, principal.actor, f"{PART_NAMES[table]}.deleted", campaign_id, {"id": part_id})


def move_part(cur, principal, table, campaign_id, part_id, direction):
    """Swap the part with its neighbour (a section: within its round) and number the list anew 0…n-1."""
    editable_campaign(cur, campaign_id)
    part = q.get_part(cur, table, campaign_id, part_id)
    if part is None:
        raise NotFound(f"no such {PART_NAMES[table]} in this campaign")
    siblings = [r["id"] for r in q.list_parts(cur, table, campaign_id)
                if table != "sections" or r["round_id"] == part["round_id"]]
    here = siblings.index(part_id)
    there = here - 1 if direction == "up" else here + 1
    if not 0 <= there < len(siblings):
        raise CannotMove(details={"direction": direction})
    siblings[here], siblings[there] = siblings[there], siblings[here]
    q.set_positions(cur, table, campaign_id, siblings)
    q.touch_campaign(cur, campaign_id)
    insert_event(cur, principal.actor, f"{PART_NAMES[table]}.moved", campaign_id, {"id": part_id, "direction": direction})
    return q.get_part(cur, table, campaign_id, part_id)


def import_subjects(cur, principal, campaign_id, rows):
    """Add already-validated subjects all at once; a clash rolls back the whole import."""
    editable_campaign(cur, campaign_id)
    added, number = [], None
    try:
        with q.savepoint(cur):
            for number, data in rows:  # noqa: B007 (number names the row a clash is in)
                added.append(q.insert_part(cur, "subjects", campaign_id, data))
    except psycopg2.errors.UniqueViolation:
        raise ImportFailed("a subject in the file already exists in this campaign",
                      {"rows": {str(number): {"name": ["already in this campaign (same name and unit)"]}}}) from None
    q.touch_campaign(cur, campaign_id)
    insert_event(cur, principal.actor, "subjects.imported", campaign_id, {"count": len(added)})
    return added


def transition(cur, principal, campaign_id, target):
    """Move the campaign on, if ballots.lifecycle allows it (the rules and the reasons are there),
    and run what the move sets off (lifecycle.EFFECTS): each effect's part before the campaign
    row is locked, inside this transaction, and once it has committed (db.after_commit)."""
    effects = [_effect(name) for name in lifecycle.EFFECTS.get(target, ())]
    for effect in effects:
        effect.before(cur, campaign_id)
    campaign = get_campaign(cur, campaign_id, for_update=True)
    from service.publication import operations as publication
    try:
        lifecycle.check_transition(
            campaign["state"], target,
            problems=lifecycle.readiness(definition(cur, campaign_id), now=schedule.now()) if target == "announced" else None,
            publicity=publication.facts(cur, campaign_id) if target == "archived" else None,
            today=publication.today())
    except lifecycle.TransitionRefused as exc:
        raise errors.of(exc.code)(exc.reason, {"state": campaign["state"], "requested": target, **exc.details}) \
            from None
    if target == "published":
        raise UsePublication("publish the proposed honourees with POST …/publication: it opens the 公示 window",
                       {"state": campaign["state"]})
    for effect in effects:
        effect.during(cur, campaign_id)
    row = q.set_state(cur, campaign_id, campaign["state"], target)
    insert_event(cur, principal.actor, "campaign.transition", campaign_id,
                 {"from": campaign["state"], "to": target})
    for effect in effects:
        effect.recorded(cur, campaign_id)
    for effect in effects:
        if effect.after is not None:
            db.after_commit(functools.partial(effect.after, campaign_id))
    return row


def _effect(name: str):
    from service.audit import operations as audit
    from service.paper import operations as paper
    from service.voting import operations as voting
    return {**voting.EFFECTS, **audit.EFFECTS, **paper.EFFECTS}[name]
