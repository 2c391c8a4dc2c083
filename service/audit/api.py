"""The auditor's API (docs/audit.md): the audit log, each round's checkpoints, verification and
bundle. Every download is itself an event."""
from __future__ import annotations

from flask import Response, request, stream_with_context

from service.accounts.auth import AUDIT_READ, CAMPAIGNS_READ, current_principal
from service.audit import bundle
from service.audit import operations as ops
from service.audit import queries as q
from service.audit.errors import BadLogFilter, NoSuchRound
from service.audit.schemas import CheckpointOut, LogEntryOut, LogQuery, SignedCheckpointOut, VerificationOut
from service.campaigns import operations as camps
from service.core import db
from service.core.api import endpoint
from service.core.event_queries import insert_event

C = "/campaigns/<int:campaign_id>/rounds/<int:round_id>"


def _round(cur, campaign_id, round_id) -> dict:
    definition = camps.definition(cur, campaign_id)
    rnd = next((r for r in definition["rounds"] if r["id"] == round_id), None)
    if rnd is None:
        raise NoSuchRound()
    return definition


@endpoint("/audit/log", "GET", summary="The audit log: entries of every chain, newest first, filtered by "
          "campaign_id, type, actor, since and until (ISO dates), at most `limit` (200) from `offset`", permission=AUDIT_READ,
          tag="audit", documents=LogEntryOut, many=True, query=LogQuery)
def audit_log():
    filters = ops.log_filters(request.args)
    if filters is None:
        raise BadLogFilter()
    with db.transaction() as cur:
        return ops.log(cur, filters)


@endpoint(C + "/checkpoints", "GET", summary="A round's signed checkpoints (C2SP signed notes)",
          permission=CAMPAIGNS_READ, tag="audit", documents=CheckpointOut, many=True)
def list_checkpoints(campaign_id, round_id):
    with db.transaction() as cur:
        _round(cur, campaign_id, round_id)
        return [{"number": c["number"], "kind": c["kind"], "note": c["note"], "created_at": c["created_at"].isoformat()}
                for c in ops.round_checkpoints(cur, round_id)]


@endpoint(C + "/checkpoints", "POST", summary="Sign a checkpoint of a closed round now", permission=AUDIT_READ,
          status=201, tag="audit", documents=SignedCheckpointOut)
def sign_checkpoint(campaign_id, round_id):
    with db.transaction() as cur:
        made = ops.on_demand(cur, current_principal().actor, campaign_id, round_id)
    return {k: made[k] for k in ("number", "kind", "ballots", "root", "note")}, 201


@endpoint(C + "/verification", "GET", summary="The verifier run now on the round's record in the database: "
          "its numbered steps, each PASS, FAIL or SKIPPED", permission=AUDIT_READ, tag="audit",
          documents=VerificationOut)
def verification(campaign_id, round_id):
    with db.transaction() as cur:
        _round(cur, campaign_id, round_id)
        insert_event(cur, current_principal().actor, "verification.run", campaign_id, {"round_id": round_id})
    return ops.verify_online(campaign_id, round_id)


@endpoint(C + "/bundle", "GET", summary="The round's auditor bundle (zip): ballots, tallies, audit chain, "
          "checkpoints, keys and report; verify it with `python -m ballots.verify`", permission=AUDIT_READ,
          tag="audit", produces=("application/zip",))
def download_bundle(campaign_id, round_id):
    with db.transaction() as cur:  # the download is an event, committed before the bytes go
        ops.closed_round(cur, campaign_id, round_id)
        insert_event(cur, current_principal().actor, "bundle.downloaded", campaign_id, {"round_id": round_id})

    def chunks():
        with db.transaction() as cur:
            q.snapshot(cur)
            yield from bundle.stream(cur, campaign_id, round_id)
    return Response(stream_with_context(chunks()), mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=pingyi-round-{round_id}-bundle.zip"})
