"""The paper count over the API (docs/paper.md): what the tellers' and supervisors' pages do."""
from __future__ import annotations

from service.accounts.auth import PAPER_DECIDE, PAPER_ENTER, TURNOUT_READ, current_principal
from service.campaigns import operations as camps
from service.core import db
from service.core.api import endpoint
from service.paper import operations as paper
from service.paper.schemas import CodeIn, DecisionIn, DisputeOut, EntryIn, OutcomeOut, PaperSummaryOut, SheetOut


@endpoint("/paper:open", "POST", summary="A paper ballot in a teller's hand: its state and its form (a slip used "
          "on a phone is recorded as a duplicate here)", permission=PAPER_ENTER, body=CodeIn, response=SheetOut,
          tag="paper")
def open_sheet(data):
    with db.transaction() as cur:
        return paper.open_sheet(cur, current_principal(), data["code"])


@endpoint("/paper:enter", "POST", summary="One teller's entry of a paper ballot: the second, by another teller, "
          "counts it when equal and sends it to a supervisor when not", permission=PAPER_ENTER, body=EntryIn,
          response=OutcomeOut, tag="paper")
def enter(data):
    with db.transaction() as cur:
        return paper.enter(cur, current_principal(), data["code"], data["answers"])


@endpoint("/paper:dispute", "POST", summary="A disputed paper ballot's two entries, for a supervisor",
          permission=PAPER_DECIDE, body=CodeIn, response=DisputeOut, tag="paper")
def dispute(data):
    with db.transaction() as cur:
        return paper.dispute(cur, data["code"])


@endpoint("/paper:decide", "POST", summary="A supervisor's decision on a disputed paper ballot: the answers as "
          "read, or the whole sheet 废票 with a reason", permission=PAPER_DECIDE, body=DecisionIn,
          response=OutcomeOut, tag="paper")
def decide(data):
    with db.transaction() as cur:
        return paper.decide(cur, current_principal(), data["code"], data.get("answers"), data.get("spoiled"))


@endpoint("/campaigns/<int:campaign_id>/paper", "GET", summary="The paper count per round: counted, pending, "
          "disputed, 废票 with reasons, duplicates", permission=TURNOUT_READ, response=PaperSummaryOut, tag="paper")
def summary(campaign_id):
    with db.transaction() as cur:
        camps.get_campaign(cur, campaign_id)
        return paper.summary(cur, campaign_id)
