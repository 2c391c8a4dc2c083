"""Campaigns and their parts: groups, subjects, rounds, sections, transitions, import."""
from __future__ import annotations

from flask import current_app, request

from service.accounts.auth import CAMPAIGNS_READ, CAMPAIGNS_WRITE, current_principal
from service.campaigns import copies
from service.campaigns import operations as ops
from service.campaigns import queries as q
from service.campaigns.imports import parse_subjects
from service.campaigns.schemas import (
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    CopyIn,
    EventOut,
    FromTemplateIn,
    GroupIn,
    GroupOut,
    ImportReport,
    MoveIn,
    RoundIn,
    RoundOut,
    SectionIn,
    SectionOut,
    SubjectIn,
    SubjectOut,
    TemplateOut,
    TransitionIn,
)
from service.core import db
from service.core.api import endpoint
from service.core.errors import Invalid, PayloadTooLarge
from service.core.event_queries import list_events
from service.core.uploads import read_upload

C = "/campaigns/<int:campaign_id>"


@endpoint("/campaigns", "GET", summary="List campaigns", permission=CAMPAIGNS_READ,
          response=CampaignOut, many=True)
def list_campaigns():
    with db.transaction() as cur:
        return q.list_campaigns(cur)


@endpoint("/campaigns", "POST", summary="Create a draft campaign", permission=CAMPAIGNS_WRITE,
          body=CampaignIn, response=CampaignOut, status=201)
def create_campaign(data):
    with db.transaction() as cur:
        return ops.create_campaign(cur, current_principal(), data)


@endpoint("/campaign-templates", "GET", summary="The campaign templates a draft can start from (docs/templates.md)",
          permission=CAMPAIGNS_READ, response=TemplateOut, many=True)
def list_templates():
    return [template_summary(t) for t in copies.templates()]


def template_summary(t: dict) -> dict:
    return {"key": t["key"], "name": t["name"], "summary": t["summary"], "title": t["campaign"]["title"],
            "groups": [g["name"] for g in t["groups"]],
            "rounds": [{"title": r["title"], "sections": [s["title"] for s in r["sections"]]} for r in t["rounds"]]}


@endpoint("/campaigns/from-template", "POST", summary="Create a draft filled from a template",
          permission=CAMPAIGNS_WRITE, body=FromTemplateIn, response=CampaignOut, status=201)
def create_from_template(data):
    with db.transaction() as cur:
        return copies.from_template(cur, current_principal(), data["template"], data.get("title"))


@endpoint(C + "/copy", "POST", summary="Create a draft with this campaign's definition (not its ballots, "
          "tokens, batches, results, objections or events)", permission=CAMPAIGNS_WRITE, body=CopyIn,
          response=CampaignOut, status=201)
def copy_campaign(campaign_id, data):
    with db.transaction() as cur:
        return copies.copy_campaign(cur, current_principal(), campaign_id, data.get("title"))


@endpoint(C, "GET", summary="A campaign with its groups, subjects, rounds and sections",
          permission=CAMPAIGNS_READ, response=CampaignDetailOut)
def get_campaign(campaign_id):
    with db.transaction() as cur:
        return ops.definition(cur, campaign_id)


@endpoint(C, "PATCH", summary="Edit a draft campaign", permission=CAMPAIGNS_WRITE,
          body=CampaignPatch, response=CampaignOut)
def update_campaign(campaign_id, data):
    with db.transaction() as cur:
        return ops.update_campaign(cur, current_principal(), campaign_id, data)


@endpoint(C, "DELETE", summary="Delete a draft campaign", permission=CAMPAIGNS_WRITE, status=204)
def delete_campaign(campaign_id):
    with db.transaction() as cur:
        ops.delete_campaign(cur, current_principal(), campaign_id)


@endpoint(C + "/transitions", "POST", summary="Move the campaign to its next state",
          permission=CAMPAIGNS_WRITE, body=TransitionIn, response=CampaignOut)
def transition_campaign(campaign_id, data):
    with db.transaction() as cur:
        row = ops.transition(cur, current_principal(), campaign_id, data["to"])
    return row


@endpoint(C + "/events", "GET", summary="The campaign's recorded admin events",
          permission=CAMPAIGNS_READ, response=EventOut, many=True)
def list_campaign_events(campaign_id):
    with db.transaction() as cur:
        ops.get_campaign(cur, campaign_id)
        return list_events(cur, campaign_id)


@endpoint(C + "/subjects:import", "POST", summary="Import subjects from a CSV or XLSX file (field `file`)",
          permission=CAMPAIGNS_WRITE, response=ImportReport, status=201, multipart=True)
def import_subjects(campaign_id):
    limit = current_app.config["SETTINGS"].upload_max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(details={"limit_bytes": limit})
    upload = request.files.get("file")
    if upload is None or request.mimetype != "multipart/form-data":
        raise Invalid("send the file as multipart/form-data in the field `file`",
                      {"fields": {"file": ["Missing data for required field."]}})
    rows = parse_subjects(upload.filename, read_upload(upload, limit))
    with db.transaction() as cur:
        added = ops.import_subjects(cur, current_principal(), campaign_id, rows)
    return {"imported": len(added), "subjects": added}


def _part_routes(table, path, in_schema, out_schema, label):
    """The list / add / edit / delete routes of one kind of campaign part."""
    base, item = f"{C}/{path}", f"{C}/{path}/<int:part_id>"

    def list_view(campaign_id):
        with db.transaction() as cur:
            ops.get_campaign(cur, campaign_id)
            return q.list_parts(cur, table, campaign_id)

    def add_view(campaign_id, data):
        with db.transaction() as cur:
            return ops.add_part(cur, current_principal(), table, campaign_id, data)

    def update_view(campaign_id, part_id, data):
        with db.transaction() as cur:
            return ops.update_part(cur, current_principal(), table, campaign_id, part_id, data)

    def delete_view(campaign_id, part_id):
        with db.transaction() as cur:
            ops.delete_part(cur, current_principal(), table, campaign_id, part_id)

    def move_view(campaign_id, part_id, data):
        with db.transaction() as cur:
            return ops.move_part(cur, current_principal(), table, campaign_id, part_id, data["direction"])

    for view, verb in ((list_view, "list"), (add_view, "add"), (update_view, "update"), (delete_view, "delete"),
                       (move_view, "move")):
        view.__name__ = f"{verb}_{path.replace('-', '_')}"
    endpoint(base, "GET", summary=f"List the campaign's {label}s", permission=CAMPAIGNS_READ,
             response=out_schema, many=True)(list_view)
    endpoint(base, "POST", summary=f"Add a {label} to a draft", permission=CAMPAIGNS_WRITE,
             body=in_schema, response=out_schema, status=201)(add_view)
    endpoint(item, "PUT", summary=f"Replace a {label} of a draft (send all its fields)",
             permission=CAMPAIGNS_WRITE, body=in_schema, response=out_schema)(update_view)
    endpoint(item, "DELETE", summary=f"Remove a {label} from a draft", permission=CAMPAIGNS_WRITE,
             status=204)(delete_view)
    endpoint(item + "/move", "POST", summary=f"Move a {label} of a draft one place up or down"
             + (" within its round" if table == "sections" else ""), permission=CAMPAIGNS_WRITE,
             body=MoveIn, response=out_schema)(move_view)


_part_routes("voter_groups", "groups", GroupIn, GroupOut, "voter group")
_part_routes("subjects", "subjects", SubjectIn, SubjectOut, "subject")
_part_routes("rounds", "rounds", RoundIn, RoundOut, "round")
_part_routes("sections", "sections", SectionIn, SectionOut, "section")
