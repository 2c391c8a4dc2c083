"""New campaigns that start from something: a template file (templates/*.json, docs/templates.md)
or an earlier campaign (next year's repeat).

A template is loaded through the same schemas that create a campaign and its parts (CampaignIn,
GroupIn, SubjectIn, RoundIn, SectionIn), so a file that would make a bad campaign fails
tests/test_templates.py, not an office. A copy takes the definition only — rules, groups,
subjects, rounds, sections — never ballots, tokens, batches, results, objections or events.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.campaigns import operations as ops
from service.campaigns import queries as q
from service.campaigns.errors import UnknownTemplate
from service.campaigns.schemas import CampaignIn, GroupIn, RoundIn, SectionIn, SubjectIn
from service.core.event_queries import insert_event
from service.core.fields import StrictInteger, Text

TEMPLATES = Path(__file__).parent / "templates"


class TemplateGroup(GroupIn):
    class Meta:
        exclude = ("position",)  # the file's order is the order


class TemplateSubject(SubjectIn):
    class Meta:
        exclude = ("position",)


class TemplateSection(SectionIn):
    """A section as SectionIn loads it, naming its subjects and groups (there are no ids yet)."""
    class Meta:
        exclude = ("round_id", "subject_ids", "group_ids", "position")

    subjects = fields.List(Text(100, min_len=1), load_default=list, metadata={
        "description": "the names of the subjects it covers (none: all, or those of config.category)"})
    groups = fields.List(Text(50, min_len=1), load_default=list, metadata={
        "description": "the names of the voter groups that answer it (none: every group)"})


class TemplateRound(RoundIn):
    class Meta:
        exclude = ("position",)

    sections = fields.List(fields.Nested(TemplateSection), required=True, validate=validate.Length(min=1, max=50))


class TemplateFile(Schema):
    """One file of service/campaigns/templates/ (docs/templates.md)."""
    name = Text(50, required=True, min_len=1)
    order = StrictInteger(load_default=100, validate=validate.Range(min=0, max=10000))
    summary = Text(500)
    campaign = fields.Nested(CampaignIn, required=True)
    groups = fields.List(fields.Nested(TemplateGroup), required=True, validate=validate.Length(min=1, max=50))
    subjects = fields.List(fields.Nested(TemplateSubject), load_default=list, validate=validate.Length(max=2000))
    rounds = fields.List(fields.Nested(TemplateRound), required=True, validate=validate.Length(min=1, max=20))

    @validates_schema
    def names_resolve(self, data, **_):
        groups = [g["name"] for g in data.get("groups", [])]
        subjects = [(s["name"], s["unit"]) for s in data.get("subjects", [])]
        if len(set(groups)) != len(groups):
            raise ValidationError("模板中有两个参评群体同名", "groups")
        if len(set(subjects)) != len(subjects):
            raise ValidationError("模板中有两个被测评对象的名称和单位都相同", "subjects")
        names = {name for name, _ in subjects}
        for rnd in data.get("rounds", []):
            for sec in rnd["sections"]:
                if missing := set(sec["subjects"]) - names:
                    raise ValidationError(f"题目「{sec['title']}」列出的对象不在模板中：{'、'.join(sorted(missing))}", "rounds")
                if missing := set(sec["groups"]) - set(groups):
                    raise ValidationError(f"题目「{sec['title']}」列出的群体不在模板中：{'、'.join(sorted(missing))}", "rounds")


def load_template(path: Path) -> dict:
    """One template file, validated (ValidationError names what is wrong), with its key."""
    return {"key": path.stem, **TemplateFile().load(json.loads(path.read_text(encoding="utf-8")))}


@functools.cache
def templates() -> tuple[dict, ...]:
    """Every template in the folder, in their `order`; read once a process (they ship with the code)."""
    return tuple(sorted((load_template(p) for p in TEMPLATES.glob("*.json")), key=lambda t: (t["order"], t["key"])))


def template(key: str) -> dict:
    for t in templates():
        if t["key"] == key:
            return t
    raise UnknownTemplate(details={"template": key, "known": [t["key"] for t in templates()]})


def from_template(cur, principal, key: str, title: str | None = None) -> dict:
    """A draft filled from a template; `title` replaces the template's when given."""
    t = template(key)
    campaign = {**t["campaign"], "title": title or t["campaign"]["title"]}
    rounds = [{**r, "sections": [{**s, "subject_refs": s.pop("subjects", None) or None,
                                  "group_refs": s.pop("groups", None) or None} for s in map(dict, r["sections"])]}
              for r in t["rounds"]]
    groups = [{**g, "ref": g["name"]} for g in t["groups"]]
    subjects = [{**s, "ref": s["name"]} for s in t["subjects"]]
    return _build(cur, principal, campaign, groups, subjects, rounds, {"template": key, "template_name": t["name"]})


def copy_campaign(cur, principal, source_id: int, title: str | None = None) -> dict:
    """A draft with the definition of campaign `source_id` (in whatever state it is)."""
    c = ops.definition(cur, source_id)
    campaign = {"title": title or f"{c['title']}（副本）"[:200], "description": c["description"], "rules": c["rules"]}
    # Not the rounds' times: a copy is next year's campaign, scheduled anew.
    rounds = [{**{k: v for k, v in r.items() if k not in ("opens_at", "closes_at")},
               "sections": [{**s, "subject_refs": s["subject_ids"], "group_refs": s["group_ids"]}
                            for s in r["sections"]]} for r in c["rounds"]]
    groups = [{**g, "ref": g["id"]} for g in c["groups"]]
    subjects = [{**s, "ref": s["id"]} for s in c["subjects"]]
    return _build(cur, principal, campaign, groups, subjects, rounds,
                  {"source_campaign_id": source_id, "source_title": c["title"]})


def _build(cur, principal, campaign, groups, subjects, rounds, origin: dict) -> dict:
    """Insert the campaign and its parts in order; sections' refs (names or old ids) become new ids."""
    row = q.insert_campaign(cur, campaign["title"], campaign["description"], campaign["rules"],
                            principal.id if principal.kind == "user" else None)
    cid = row["id"]
    group_ids = {g["ref"]: _insert(cur, "voter_groups", cid, g, pos) for pos, g in enumerate(groups)}
    subject_ids: dict = {}
    for pos, s in enumerate(subjects):
        subject_ids.setdefault(s["ref"], _insert(cur, "subjects", cid, s, pos))
    for pos, r in enumerate(rounds):
        round_id = _insert(cur, "rounds", cid, r, pos)
        for spos, s in enumerate(r["sections"]):
            _insert(cur, "sections", cid, {
                **s, "round_id": round_id,
                "subject_ids": [subject_ids[ref] for ref in s["subject_refs"]] if s["subject_refs"] else None,
                "group_ids": [group_ids[ref] for ref in s["group_refs"]] if s["group_refs"] else None}, spos)
    insert_event(cur, principal.actor, "campaign.created", cid, {"title": row["title"], **origin})
    return row


def _insert(cur, table: str, campaign_id: int, part: dict, position: int) -> int:
    data = {col: part[col] for col in q.PARTS[table] if col in part}
    return q.insert_part(cur, table, campaign_id, {**data, "position": position})["id"]
