"""Casting a ballot: one transaction that consumes the token, stores the ballot and records
the cast. A second cast of the same token finds nothing to consume and changes nothing."""
from __future__ import annotations

import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ballots import forms, lifecycle
from ballots import tokens as tk
from service.campaigns import operations as camps
from service.core.keys import keys
from service.issuance import operations as issued
from service.voting import queries as q
from service.voting.errors import BallotBreaksRules, BallotInvalid, BallotUsed, BallotVoided, VotingClosed, VotingNotOpen

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


def uniform_form(cur, round_id):
    """(campaign id, sections) when every voter group of the round answers the same form — the
    usual case, which lets a cast be checked before the database is touched; sections is None
    when some section is for certain groups only."""
    key = ("round", round_id)
    with _FORMS_LOCK:
        if key in _FORMS:
            return _FORMS[key]
    campaign_id = q.round_campaign(cur, round_id)
    sections = None
    if campaign_id is not None:
        definition = camps.definition(cur, campaign_id)
        rnd = next((r for r in definition["rounds"] if r["id"] == round_id), None)
        if rnd is not None and not any(sec["group_ids"] for sec in rnd["sections"]):
            sections = forms.build_form(definition, round_id, group_id=0)
    value = (campaign_id, sections)
    with _FORMS_LOCK:
        _FORMS[key] = value
    return value


def _refusal(cur, digest, campaign_id):
    """Why a ballot cannot be cast, in the order a voter needs to hear it, or None."""
    if issued.unused_token(cur, digest) is None:
        return BallotVoided() if issued.is_voided(cur, digest) else BallotUsed()
    state = q.campaign_state(cur, campaign_id)
    return None if lifecycle.allows("cast", state) else _closed_or_not_open(state)


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
    row = issued.unused_token(cur, digest)
    if row is None:
        raise BallotVoided() if issued.is_voided(cur, digest) else BallotUsed()
    campaign = camps.get_campaign(cur, row["campaign_id"])
    if not lifecycle.allows("cast", campaign["state"]):
        raise _closed_or_not_open(campaign["state"])
    rnd = camps.get_part(cur, "rounds", campaign["id"], row["round_id"])
    group = camps.get_part(cur, "voter_groups", campaign["id"], row["group_id"])
    return campaign, rnd, group, ballot_form(cur, campaign["id"], row["round_id"], row["group_id"])


def cast(cur, token: str, answers) -> dict:
    """Consume the token and store the ballot; return the receipt. Raises before anything is kept."""
    digest = tk.token_hash(token)
    round_id = tk.round_of(token)
    campaign_id, sections = uniform_form(cur, round_id)
    if sections is None:
        return _cast_by_group(cur, digest, answers)
    clean, problems = forms.validate(sections, answers)
    if problems:
        raise _refusal(cur, digest, campaign_id) or BallotBreaksRules(details={"sections": problems.by_section})
    ballot_id = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
    prefix, suffix = forms.tracker_parts(ballot_id, round_id, clean)
    row = q.consume_and_store(cur, digest, ballot_id, clean, prefix, suffix, forms.pack_marks(sections, clean))
    if row["used"] == 0:
        raise BallotVoided() if issued.is_voided(cur, digest) else BallotUsed()
    if row["tracker"] is None:
        raise _closed_or_not_open(q.campaign_state(cur, row["campaign_id"]))
    return {"tracker": forms.short_tracker(bytes(row["tracker"])), "campaign_id": row["campaign_id"],
            "round_id": round_id}


def _cast_by_group(cur, digest, answers) -> dict:
    """The same for a round whose sections differ by group: the token's group picks the form."""
    row = q.consume_token(cur, digest)
    if row is None:
        raise BallotVoided() if issued.is_voided(cur, digest) else BallotUsed()
    sections = ballot_form(cur, row["campaign_id"], row["round_id"], row["group_id"])
    clean, problems = forms.validate(sections, answers)
    if problems:
        state = q.campaign_state(cur, row["campaign_id"])  # a closed campaign says so first
        if not lifecycle.allows("cast", state):
            raise _closed_or_not_open(state)
        raise BallotBreaksRules(details={"sections": problems.by_section})
    ballot_id = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
    tracker = forms.tracker(ballot_id, row["round_id"], row["group_id"], clean)
    if not q.insert_ballot_if_open(cur, ballot_id, row["campaign_id"], row["round_id"], row["group_id"],
                                   clean, tracker, forms.pack_marks(sections, clean)):
        raise _closed_or_not_open(q.campaign_state(cur, row["campaign_id"]))
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


# --- what a close sets off (ballots.lifecycle.EFFECTS) ----------------------------------------

@dataclass(frozen=True)
class Effect:
    before: Callable = lambda cur: None
    during: Callable = lambda cur, campaign_id: None
    after: Callable = lambda: None


def _shuffle(cur, campaign_id) -> None:
    q.shuffle_ballots(cur, campaign_id)  # the stored order of ballots no longer says when they were cast
    q.shuffle_handouts(cur, campaign_id)  # nor that of hand-outs when a portal user received one


def _rewrite_tables() -> None:
    """After the close has committed: VACUUM FULL of the ballot tables (service/voting/scrub.py).
    The close recorded that they need it, so a rewrite that fails now is retried by settling."""
    from flask import current_app

    from service.voting import scrub
    scrub.scrub(current_app.config["DATABASE_DSN"])


EFFECTS = {
    # The tables first, the campaign row second: a settling pass writes ballots and then checks
    # their campaign row; locking in its order means a close waits for it instead of deadlocking.
    "ballots_shuffled": Effect(before=q.lock_for_shuffle, during=_shuffle),
    "ballot_tables_rewritten": Effect(during=lambda cur, campaign_id: q.mark_pending_scrub(cur, campaign_id),
                                      after=_rewrite_tables),
}
