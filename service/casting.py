"""Casting a ballot: one transaction that consumes the token, stores the ballot and records
the cast. A second cast of the same token finds nothing to consume and changes nothing."""
from __future__ import annotations

import secrets
import threading
import uuid
from collections import OrderedDict

from ballots import forms, tokens as tk
from . import campaigns as camps
from .errors import APIError, Conflict, NotFound
from .keys import keys
from .queries import ballots as qb
from .queries import voting as q


class BallotInvalid(NotFound):
    code, message = "invalid_ballot", "this is not a ballot code of this service"


class BallotUsed(Conflict):
    code, message = "ballot_used", "this ballot has already been cast; it cannot be cast or changed again"


class BallotVoided(Conflict):
    code, message = "ballot_voided", "this ballot was voided by the organisers"


class VotingNotOpen(Conflict):
    code, message = "voting_not_open", "voting has not started yet"


class VotingClosed(Conflict):
    code, message = "voting_closed", "voting has ended"


class BallotBreaksRules(APIError):
    status, code, message = 422, "ballot_invalid", "the ballot breaks the rules of some sections"


# The form of a (campaign, round, group) never changes once tokens exist (only drafts are
# editable, and tokens are issued from announcement on), so each process keeps it.
_FORMS: OrderedDict = OrderedDict()
_FORMS_LOCK = threading.Lock()


def ballot_form(cur, campaign_id, round_id, group_id) -> list[forms.FormSection]:
    key = (campaign_id, round_id, group_id)
    with _FORMS_LOCK:
        if key in _FORMS:
            _FORMS.move_to_end(key)
            return _FORMS[key]
    sections = forms.build_form(camps.definition(cur, campaign_id), round_id, group_id)
    with _FORMS_LOCK:
        _FORMS[key] = sections
        while len(_FORMS) > 256:
            _FORMS.popitem(last=False)
    return sections


def verify(text: str) -> tuple[str, int]:
    """The canonical token, or BallotInvalid — from the MAC alone, before any query."""
    try:
        return keys().minter.verify(text)
    except tk.TokenInvalid:
        raise BallotInvalid() from None


def _closed_or_not_open(state):
    if state == "announced":
        return VotingNotOpen()
    return VotingClosed(details={"state": state})


def open_ballot(cur, token: str):
    """What the ballot page needs: (campaign, round, group, sections); typed errors otherwise."""
    digest = tk.token_hash(token)
    row = qb.get_unused_token(cur, digest)
    if row is None:
        raise BallotVoided() if qb.is_voided(cur, digest) else BallotUsed()
    campaign = camps.get_campaign(cur, row["campaign_id"])
    if campaign["state"] != "open":
        raise _closed_or_not_open(campaign["state"])
    from .queries import campaigns as qc
    rnd = qc.get_part(cur, "rounds", campaign["id"], row["round_id"])
    group = qc.get_part(cur, "voter_groups", campaign["id"], row["group_id"])
    return campaign, rnd, group, ballot_form(cur, campaign["id"], row["round_id"], row["group_id"])


def cast(cur, token: str, answers) -> dict:
    """Consume the token and store the ballot; return the receipt. Raises before anything is kept."""
    digest = tk.token_hash(token)
    row = q.consume_token(cur, digest)
    if row is None:
        raise BallotVoided() if qb.is_voided(cur, digest) else BallotUsed()
    sections = ballot_form(cur, row["campaign_id"], row["round_id"], row["group_id"])
    clean, problems = forms.validate(sections, answers)
    if problems:
        state = q.campaign_state(cur, row["campaign_id"])  # a closed campaign says so first
        if state != "open":
            raise _closed_or_not_open(state)
        raise BallotBreaksRules(details={"sections": problems.by_section})
    ballot_id = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
    tracker = forms.tracker(ballot_id, row["round_id"], row["group_id"], clean)
    stored = q.insert_ballot_if_open(cur, ballot_id, row["campaign_id"], row["round_id"], row["group_id"],
                                     clean, tracker)
    if stored is None:
        raise _closed_or_not_open(q.campaign_state(cur, row["campaign_id"]))
    q.insert_cast_event(cur, row["campaign_id"], row["round_id"], row["group_id"])
    return {"tracker": forms.short_tracker(tracker), "campaign_id": row["campaign_id"], "round_id": row["round_id"]}


def parse_tracker(text: str) -> bytes | None:
    """A typed receipt (16 characters of the token alphabet) back to its 10 bytes."""
    try:
        chars = tk.normalise_chars(text, 16)
    except tk.TokenInvalid:
        return None
    value = 0
    for c in chars:
        value = (value << 5) | tk.ALPHABET.index(c)
    return value.to_bytes(10, "big")
