"""Ballot issuance over the API: batches (printed), voiding, and portal hand-out."""
from __future__ import annotations

from flask import current_app

from service.campaigns import operations as camps
from service.core import db
from service.issuance import operations as issuance
from service.publication import operations as publication
from service.results import operations as results, sources
from service.accounts.auth import (
    BALLOTS_HANDOUT,
    CAMPAIGNS_READ,
    CAMPAIGNS_WRITE,
    COMMENTS_READ,
    RESULTS_READ,
    TURNOUT_READ,
    current_principal,
)
from service.issuance.printing import batch_response
from service.issuance.schemas import BatchIn, BatchOut, HandoutIn, HandoutOut, VoidCodeIn, VoidCodeOut
from service.results.schemas import (
    ConfirmIn,
    ObjectionAnswerIn,
    ObjectionOut,
    PublicationIn,
    PublicationOut,
    SourceScoreIn,
    SourceScoreOut,
)
from service.core.api import endpoint

C = "/campaigns/<int:campaign_id>"


@endpoint(C + "/batches", "GET", summary="List the campaign's batches with issued / unused / voided / cast counts",
          permission=CAMPAIGNS_READ, response=BatchOut, many=True, tag="ballots")
def list_batches(campaign_id):
    with db.transaction() as cur:
        return issuance.batches(cur, campaign_id)


@endpoint(C + "/batches/<int:batch_id>", "GET", summary="One batch with its counts and printing progress",
          permission=CAMPAIGNS_READ, response=BatchOut, tag="ballots")
def get_batch(campaign_id, batch_id):
    with db.transaction() as cur:
        return issuance.get_batch(cur, campaign_id, batch_id)


@endpoint(C + "/batches", "POST", summary="Issue a batch of ballots for a voter group and round; the response "
          "is the printable PDF (or one PNG / SVG) — the only time the codes exist outside the voters' hands",
          permission=CAMPAIGNS_WRITE, body=BatchIn, status=201, tag="ballots",
          produces=("application/pdf", "image/png", "image/svg+xml"))
def issue_batch(campaign_id, data):
    principal = current_principal()
    with db.transaction() as cur:
        batch, minted, head = issuance.issue_batch(cur, principal, campaign_id, data)
    return batch_response(batch, minted, head, data["layout"], principal.actor)


@endpoint(C + "/batches/<int:batch_id>:void", "POST", summary="Void every unused ballot of a batch",
          permission=CAMPAIGNS_WRITE, response=BatchOut, tag="ballots")
def void_batch(campaign_id, batch_id):
    with db.transaction() as cur:
        return issuance.void_batch(cur, current_principal(), campaign_id, batch_id)


@endpoint(C + "/ballots:void", "POST", summary="Void one unused ballot by its printed code (a lost slip)",
          permission=CAMPAIGNS_WRITE, body=VoidCodeIn, response=VoidCodeOut, tag="ballots")
def void_ballot(campaign_id, data):
    with db.transaction() as cur:
        return issuance.void_code(cur, current_principal(), campaign_id, data["code"])


@endpoint(C + "/rounds/<int:round_id>/ballots:handout", "POST",
          summary="Hand a ballot to a portal's signed-in user: one per voter reference and round",
          permission=BALLOTS_HANDOUT, body=HandoutIn, response=HandoutOut, status=201, tag="ballots")
def handout(campaign_id, round_id, data):
    from ballots.tokens import grouped
    token = issuance.hand_out(db.transaction, current_principal(), campaign_id, round_id, data)
    base = current_app.config["SETTINGS"].base_url
    return {"url": f"{base}/b/{token}", "code": grouped(token)}


@endpoint(C + "/turnout", "GET", summary="Ballots issued, cast and remaining per round and voter group",
          permission=TURNOUT_READ, tag="results")
def get_turnout(campaign_id):
    with db.transaction() as cur:
        camps.get_campaign(cur, campaign_id)
        return results.turnout(cur, campaign_id)


@endpoint(C + "/rounds/<int:round_id>/results", "GET",
          summary="A closed round's results: per subject and group, weighted, ranked, recommended",
          permission=RESULTS_READ, tag="results")
def get_results(campaign_id, round_id):
    with db.transaction() as cur:
        return results.round_results(cur, campaign_id, round_id)


@endpoint(C + "/rounds/<int:round_id>/comments", "GET",
          summary="A closed round's 意见建议: each text section's comments, apart from their ballots (no "
          "group, tracker or time), sorted by their text", permission=COMMENTS_READ, tag="results")
def get_comments(campaign_id, round_id):
    with db.transaction() as cur:
        return results.comments(cur, campaign_id, round_id)


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


@endpoint(C + "/results.csv", "GET", summary="Every round's results as CSV (UTF-8 with a BOM for Excel)",
          permission=RESULTS_READ, tag="results", produces=("text/csv",))
def export_csv(campaign_id):
    return _export(campaign_id, "csv")


@endpoint(C + "/results.xlsx", "GET", summary="Every round's results as XLSX: a sheet a round, Chinese headings",
          permission=RESULTS_READ, tag="results",
          produces=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",))
def export_xlsx(campaign_id):
    return _export(campaign_id, "xlsx")


@endpoint(C + "/results.pdf", "GET", summary="Every round's results as a PDF report", permission=RESULTS_READ,
          tag="results", produces=("application/pdf",))
def export_pdf(campaign_id):
    return _export(campaign_id, "pdf")


def _export(campaign_id, kind):
    from flask import Response

    from service.results import exports
    principal = current_principal()
    with db.transaction() as cur:
        definition, all_results, notes = exports.gather(cur, principal, campaign_id, kind)
    if kind == "pdf":
        import io

        from ballots.report import write_report
        buf = io.BytesIO()
        write_report(buf, definition["title"], all_results, exports.generated_at(definition), notes)
        body, mimetype = buf.getvalue(), "application/pdf"
    else:
        body = exports.to_csv(all_results) if kind == "csv" else exports.to_xlsx(all_results, notes)
        mimetype = "text/csv" if kind == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=results-{campaign_id}.{kind}"})


@endpoint(C + "/scores", "PUT", summary="Enter (or change) your 组织考评 or 领导点评 score for a subject",
          permission=CAMPAIGNS_WRITE, body=SourceScoreIn, response=SourceScoreOut, tag="results")
def enter_score(campaign_id, data):
    with db.transaction() as cur:
        return sources.enter(cur, current_principal(), campaign_id, data)


@endpoint(C + "/scores", "GET", summary="The organisation and leader scores entered so far",
          permission=RESULTS_READ, response=SourceScoreOut, many=True, tag="results")
def list_scores(campaign_id):
    with db.transaction() as cur:
        camps.get_campaign(cur, campaign_id)
        return sources.listing(cur, campaign_id)


@endpoint(C + "/composite", "GET", summary="两推三评: each subject's ballots, organisation and leader scores, "
          "weighted by the campaign's source weights, ranked", permission=RESULTS_READ, tag="results")
def get_composite(campaign_id):
    with db.transaction() as cur:
        definition = camps.definition(cur, campaign_id)
        rounds = [results.round_results(cur, campaign_id, r["id"]) for r in definition["rounds"]]
        entries = sources.listing(cur, campaign_id)
    return {"weights": definition["rules"].get("sources"),
            "subjects": sources.composite(definition["subjects"], rounds, entries,
                                          definition["rules"].get("sources", {"ballots": 1}),
                                          definition["rules"].get("sources_trim_above"))}
