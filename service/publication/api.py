"""公开 #2 over the API: publish the 公示, objections and their answers, the final list."""
from __future__ import annotations

from service.accounts.auth import (
    CAMPAIGNS_READ,
    CAMPAIGNS_WRITE,
    current_principal,
)
from service.campaigns import operations as camps
from service.core import db
from service.core.api import endpoint
from service.publication import operations as publication
from service.publication.schemas import ConfirmIn, ObjectionAnswerIn, ObjectionOut, PublicationIn, PublicationOut

C = "/campaigns/<int:campaign_id>"


@endpoint(C + "/publication", "POST", summary="Publish the proposed honourees for the 公示 window "
          "(working days by the official calendar); the campaign becomes published",
          permission=CAMPAIGNS_WRITE, body=PublicationIn, response=PublicationOut, status=201, tag="results")
def publish(campaign_id, data):
    with db.transaction() as cur:
        return publication.publish(cur, current_principal(), campaign_id, data)


@endpoint(C + "/publication", "GET", summary="The published list, its window and its status",
          permission=CAMPAIGNS_READ, response=PublicationOut, tag="results")
def get_publication(campaign_id):
    with db.transaction() as cur:
        return publication.get(cur, campaign_id)


@endpoint(C + "/objections", "GET", summary="Objections (异议) received during the window",
          permission=CAMPAIGNS_WRITE, response=ObjectionOut, many=True, tag="results")
def list_objections(campaign_id):
    with db.transaction() as cur:
        camps.get_campaign(cur, campaign_id)
        return publication.objections(cur, campaign_id)


@endpoint(C + "/objections/<int:objection_id>:answer", "POST",
          summary="Answer an objection: 已核实 (verified) or 不成立 (rejected), with a reply note; revisable "
          "until the final list is confirmed", permission=CAMPAIGNS_WRITE, body=ObjectionAnswerIn,
          response=ObjectionOut, tag="results")
def answer_objection(campaign_id, objection_id, data):
    with db.transaction() as cur:
        return publication.handle_objection(cur, current_principal(), campaign_id, objection_id, data)


@endpoint(C + "/publication:confirm", "POST", summary="After the window: confirm the final list (表彰); "
          "with objections unanswered, only with despite_open_objections",
          permission=CAMPAIGNS_WRITE, body=ConfirmIn, response=PublicationOut, tag="results")
def confirm_publication(campaign_id, data):
    with db.transaction() as cur:
        return publication.confirm(cur, current_principal(), campaign_id, data)


@endpoint(C + "/publication.pdf", "GET", summary="The 公示 notice to print (A4): the issuer, the honourees with "
          "their units and titles, the window, how to object; an export event", permission=CAMPAIGNS_READ,
          tag="results", produces=("application/pdf",))
def publication_notice(campaign_id):
    import io

    from flask import Response, current_app

    from ballots.notice import write_notice
    with db.transaction() as cur:
        notice = publication.notice(cur, current_principal(), campaign_id, current_app.config["SETTINGS"].base_url)
    buf = io.BytesIO()
    write_notice(buf, notice)
    return Response(buf.getvalue(), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=publicity-{campaign_id}.pdf"})
