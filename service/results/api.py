"""Results over the API: turnout, round results, 意见建议, exports, 两推三评 scores and the composite."""
from __future__ import annotations

from service.accounts.auth import (
    CAMPAIGNS_WRITE,
    COMMENTS_READ,
    RESULTS_READ,
    TURNOUT_READ,
    current_principal,
)
from service.campaigns import operations as camps
from service.core import db
from service.core.api import endpoint
from service.results import operations as results
from service.results.schemas import (
    CommentsOut,
    CompositeOut,
    RoundResultsOut,
    SourceScoreIn,
    SourceScoreOut,
    TurnoutOut,
)

C = "/campaigns/<int:campaign_id>"


@endpoint(C + "/turnout", "GET", summary="Ballots issued, cast and remaining per round and voter group",
          permission=TURNOUT_READ, tag="results", documents=TurnoutOut)
def get_turnout(campaign_id):
    with db.transaction() as cur:
        camps.get_campaign(cur, campaign_id)
        return results.turnout(cur, campaign_id)


@endpoint(C + "/rounds/<int:round_id>/results", "GET",
          summary="A closed round's results: per subject and group, weighted, ranked, recommended",
          permission=RESULTS_READ, tag="results", documents=RoundResultsOut)
def get_results(campaign_id, round_id):
    with db.transaction() as cur:
        return results.round_results(cur, campaign_id, round_id)


@endpoint(C + "/rounds/<int:round_id>/comments", "GET",
          summary="A closed round's 意见建议: each text section's comments, apart from their ballots (no "
          "group, tracker or time), sorted by their text", permission=COMMENTS_READ, tag="results",
          documents=CommentsOut)
def get_comments(campaign_id, round_id):
    with db.transaction() as cur:
        return results.comments(cur, campaign_id, round_id)


@endpoint(C + "/results.csv", "GET", summary="Every round's results as CSV (UTF-8 with a BOM for Excel)",
          permission=RESULTS_READ, tag="results", produces=("text/csv",))
def export_csv(campaign_id):
    return _export(campaign_id, "csv")


@endpoint(C + "/results.xlsx", "GET", summary="Every round's results as XLSX: a sheet a round, Chinese headings",
          permission=RESULTS_READ, tag="results",
          produces=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",))
def export_xlsx(campaign_id):
    return _export(campaign_id, "xlsx")


@endpoint(C + "/summary.xlsx", "GET", summary="The 汇总表: a sheet a round ready to print, per subject every option's "
          "count, valid marks, rates as percentages, scores to one decimal", permission=RESULTS_READ, tag="results",
          produces=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",))
def export_summary(campaign_id):
    return _export(campaign_id, "summary.xlsx")


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
        composite = results.campaign_composite(cur, definition, all_results) \
            if kind in ("pdf", "xlsx") and results.weighs_scores(definition) else None
        if kind == "pdf":
            from service.audit import operations as audit
            verification = audit.verification_lines(cur, [r["round_id"] for r in all_results])
    if kind == "pdf":
        import io

        from ballots.report import scales_of, write_report
        buf = io.BytesIO()
        write_report(buf, definition["title"], all_results, exports.generated_at(definition), notes,
                     verification=verification, scales=scales_of(definition), composite=composite)
        body, mimetype = buf.getvalue(), "application/pdf"
    elif kind == "summary.xlsx":
        from service.results import summary
        body, mimetype = summary.to_xlsx(definition["title"], all_results, exports.generated_at(definition)), _XLSX
    else:
        body = exports.to_csv(all_results) if kind == "csv" else exports.to_xlsx(all_results, notes, composite)
        mimetype = "text/csv" if kind == "csv" else _XLSX
    name = f"summary-{campaign_id}.xlsx" if kind == "summary.xlsx" else f"results-{campaign_id}.{kind}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@endpoint(C + "/scores", "PUT", summary="Enter (or change) your 组织考评 or 领导点评 score for a subject",
          permission=CAMPAIGNS_WRITE, body=SourceScoreIn, response=SourceScoreOut, tag="results")
def enter_score(campaign_id, data):
    with db.transaction() as cur:
        return results.enter(cur, current_principal(), campaign_id, data)


@endpoint(C + "/scores", "GET", summary="The organisation and leader scores entered so far",
          permission=RESULTS_READ, response=SourceScoreOut, many=True, tag="results")
def list_scores(campaign_id):
    with db.transaction() as cur:
        camps.get_campaign(cur, campaign_id)
        return results.listing(cur, campaign_id)


@endpoint(C + "/composite", "GET", summary="两推三评: each subject's ballots, organisation and leader scores, "
          "weighted by the campaign's source weights, ranked", permission=RESULTS_READ, tag="results",
          documents=CompositeOut)
def get_composite(campaign_id):
    with db.transaction() as cur:
        definition = camps.definition(cur, campaign_id)
        rounds = [results.round_results(cur, campaign_id, r["id"]) for r in definition["rounds"]]
        return results.campaign_composite(cur, definition, rounds)
