"""Casting a ballot: one transaction that spends the token and stores the ballot sealed
(ballots/sealing.py) under its round's key, which is never in the database; the mixer
(service/voting/mixer.py) opens sealed ballots later, only in crowds. A second cast of the same
token finds nothing to spend and changes nothing."""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ballots import forms, lifecycle, sealing
from ballots import tokens as tk
from service.campaigns import operations as camps
from service.core.keys import keys
from service.issuance import operations as issued
from service.voting import queries as q
from service.voting import round_keys
from service.voting.errors import (
    BallotBreaksRules,
    BallotInvalid,
    BallotUsed,
    BallotVoided,
    RoundKeyMissing,
    VotingClosed,
    VotingNotOpen,
)

log = logging.getLogger("pingyi.voting")

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


def _in_window(cur, round_id) -> None:
    """A round with an opening or closing time (service/campaigns/schedule.py) takes casts only
    between them. Its times are fixed once tokens exist (only drafts are edited): kept per process."""
    key = ("window", round_id)
    with _FORMS_LOCK:
        found = _FORMS.get(key)
    if found is None:
        found = _FORMS[key] = camps.round_window(cur, round_id)
    if found == (None, None):
        return
    refused = camps.window_refusal(*found)
    if refused == "not_open":
        raise VotingNotOpen(details={"opens_at": found[0].isoformat()})
    if refused == "closed":
        raise VotingClosed(details={"state": "closed", "closes_at": found[1].isoformat()})


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
    return _opened(cur, row)


def _opened(cur, row):
    campaign = camps.get_campaign(cur, row["campaign_id"])
    if not lifecycle.allows("cast", campaign["state"]):
        raise _closed_or_not_open(campaign["state"])
    _in_window(cur, row["round_id"])
    rnd = camps.get_part(cur, "rounds", campaign["id"], row["round_id"])
    group = camps.get_part(cur, "voter_groups", campaign["id"], row["group_id"])
    return campaign, rnd, group, ballot_form(cur, campaign["id"], row["round_id"], row["group_id"])


def slip_pending(cur, token: str, round_id: int | None = None) -> list[tuple[str, dict]]:
    """The rounds of this slip not yet cast, in the campaign's order: [(that round's token, its
    unused row)]. A slip covers one round or several (issuance.issue_batch's also_round_ids);
    with round_id, only that round. Reads token hashes only, as a one-round code's page does."""
    campaign_id, _ = uniform_form(cur, tk.round_of(token))
    if campaign_id is None:
        return []
    tokens = [(rid, t) for rid, t in issued.slip_tokens(cur, token, campaign_id) if round_id in (None, rid)]
    if not tokens:  # a round id from a form that is no round of the code's campaign
        raise BallotInvalid()
    rows = {bytes(r["token_hash"]): r for r in issued.unused_tokens(cur, [tk.token_hash(t) for _rid, t in tokens])}
    return [(t, rows[tk.token_hash(t)]) for _rid, t in tokens if tk.token_hash(t) in rows]


def open_slip(cur, token: str, round_id: int | None = None):
    """The ballot page of a slip: its first round not yet cast (or round_id's), as (round token,
    campaign, round, group, sections, rounds left after it); typed errors when none is left."""
    pending = slip_pending(cur, token, round_id)
    if not pending:
        own = tk.token_hash(token if round_id in (None, tk.round_of(token)) else keys().minter.sibling(token, round_id))
        raise BallotVoided() if issued.is_voided(cur, own) else BallotUsed()
    round_token, row = pending[0]
    return (round_token, *_opened(cur, row), len(pending) - 1)


def drawn_id(text: str) -> str | None:
    """The ballot id the voter's page drew (tracker.js), if it is a random UUID as the server would
    draw it; None otherwise (the server draws one: the receipt is then the response's only)."""
    return text if re.fullmatch(forms.BALLOT_ID_PATTERN, text or "") else None


def cast(cur, token: str, answers, ballot_id: str | None = None) -> dict:
    """Spend the token and store the ballot sealed; return the receipt. Raises before anything is
    kept. When every group of the round answers one form, the answers are checked before the
    database is touched. `ballot_id` is the voter's own random id (drawn_id), so the voter knows
    the receipt before the response; the server draws one when it is None."""
    digest = tk.token_hash(token)
    campaign_id, sections = uniform_form(cur, tk.round_of(token))
    _in_window(cur, tk.round_of(token))
    clean = None
    if sections is not None:
        clean, problems = forms.validate(sections, answers)
        if problems:
            raise _refusal(cur, digest, campaign_id) or BallotBreaksRules(details={"sections": problems.by_section})
    row = q.consume_token(cur, campaign_id, digest)
    if row is None:
        raise _refusal(cur, digest, campaign_id) or BallotUsed()
    if clean is None:  # the token's group picks the form
        clean, problems = forms.validate(ballot_form(cur, row["campaign_id"], row["round_id"], row["group_id"]), answers)
        if problems:
            raise BallotBreaksRules(details={"sections": problems.by_section})
    return _seal_and_store(cur, row, clean, ballot_id)


def seal_paper(cur, row, clean: dict) -> None:
    """A paper ballot the tellers settled (service/paper), its token spent when it was first keyed:
    its answers, already checked against its form, sealed exactly as a cast from a phone is,
    marked as paper inside. The campaign row is held (as a cast's is) so a close cannot slip in
    between the check and the seal and leave it unmixed."""
    if not q.lock_open_campaign(cur, row["campaign_id"]):
        raise _closed_or_not_open(q.campaign_state(cur, row["campaign_id"]))
    _seal_and_store(cur, row, clean, None, source="paper")


def spend_token(cur, token: str) -> bool:
    """Spend a paper ballot's token that counts as 废票 as a whole: nothing is sealed. False when
    it was spent already (used on a phone)."""
    campaign_id, _ = uniform_form(cur, tk.round_of(token))
    return q.consume_token(cur, campaign_id, tk.token_hash(token)) is not None


def paper_scan_key(cur, campaign_id, round_id) -> bytes:
    """A key for what the paper count keeps of a scanned ballot while voting is open (its slip's
    code), derived from the round's sealing key: gone with it at the close."""
    return hashlib.sha256(b"pingyi paper scans\x00" + _round_key(cur, campaign_id, round_id)).digest()


def require_open(state) -> None:
    """Paper ballots are keyed while the campaign is open (its round keys exist), as casts are."""
    if not lifecycle.allows("cast", state):
        raise _closed_or_not_open(state)


def invalid_ballot() -> BallotInvalid:
    return BallotInvalid()


def _seal_and_store(cur, row, clean, ballot_id: str | None, source: str = "online") -> dict:
    campaign_id, round_id, group_id = row["campaign_id"], row["round_id"], row["group_id"]
    ballot_id = ballot_id or str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
    ballot = forms.canonical(forms.stored_ballot(ballot_id, round_id, group_id, clean, source))
    sealed = sealing.seal(_round_key(cur, campaign_id, round_id), round_id, group_id, ballot,
                          round_size(cur, campaign_id, round_id))
    q.store_sealed(cur, secrets.token_bytes(16), campaign_id, round_id, group_id, sealed)
    # The receipt is the hash of what was sealed, the same bytes forms.tracker hashes.
    return {"tracker": forms.short_tracker(hashlib.sha256(ballot).digest()), "campaign_id": campaign_id,
            "round_id": round_id}


def _var_dir():
    from flask import current_app
    return current_app.config["SETTINGS"].var_dir


def _round_key(cur, campaign_id, round_id) -> bytes:
    """The round's sealing key, made when voting opened. Never made again here: ballots sealed
    under a new key beside the lost one's would be unopenable together (503, nothing spent)."""
    key = round_keys.load(_var_dir(), round_id)
    if key is not None:
        return key
    state = q.campaign_state(cur, campaign_id)
    if not lifecycle.allows("cast", state):
        raise _closed_or_not_open(state)
    log.error("round %s is open but its sealing key is missing from this server", round_id)
    raise RoundKeyMissing()


def round_size(cur, campaign_id, round_id) -> int:
    """What every ballot of the round is padded to before sealing (ballots.sealing.ballot_size)."""
    key = ("size", round_id)
    with _FORMS_LOCK:
        if key in _FORMS:
            return _FORMS[key]
    definition = camps.definition(cur, campaign_id)
    size = sealing.ballot_size(forms.build_form(definition, round_id, None), round_id,
                               [g["id"] for g in definition["groups"]])
    with _FORMS_LOCK:
        _FORMS[key] = size
    return size


def sealed_per_group(cur, round_id) -> dict:
    """{group id: sealed ballots waiting for the mixer}: counted as cast in turnout."""
    return q.sealed_per_group(cur, round_id)


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
    before: Callable = lambda cur, campaign_id: None  # before the campaign row is locked
    during: Callable = lambda cur, campaign_id: None  # the row locked, before the state changes
    recorded: Callable = lambda cur, campaign_id: None  # the transition recorded, in its transaction
    after: Callable | None = None  # called with the campaign id once the transition has committed


def _make_keys(cur, campaign_id) -> None:
    """Voting opens: each round's sealing key exists before the first ballot can be cast."""
    for round_id in q.campaign_round_ids(cur, campaign_id):
        round_keys.make(_var_dir(), round_id)


def _hold_casts(cur, campaign_id) -> None:
    """Before the close locks the campaign row: new casts queue behind it (queries._SEAL's gate),
    so a steady stream of casts, whose row locks do not conflict with one another, cannot keep
    the close waiting for ever; the casts in flight finish first."""
    q.hold_casts(cur, campaign_id)


def _final_mix(cur, campaign_id) -> None:
    """In the closing transaction, the campaign row locked: every sealed ballot left is mixed."""
    from flask import current_app

    from service.voting import mixer
    mixer.final_mix(cur, _var_dir(), campaign_id, current_app.config["SETTINGS"].mix_k)


def _destroy_keys(campaign_id) -> None:
    """Once the close has committed: the keys go (a mixing pass retries if this is cut short)."""
    from service.core import db
    from service.voting import mixer
    with db.transaction() as cur:
        mixer.destroy_spent_keys(cur, _var_dir(), q.campaign_round_ids(cur, campaign_id))


EFFECTS = {
    "round_keys_made": Effect(during=_make_keys),
    "ballots_mixed": Effect(before=_hold_casts, during=_final_mix),
    "round_keys_destroyed": Effect(after=_destroy_keys),
}
