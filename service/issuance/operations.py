"""Issuing ballots: printed batches, voiding, and portal hand-out. None of these commits.

Plain tokens exist only in memory: they are minted, their hashes stored, and they are
handed to the PDF writer (or the codes' CSV, or the portal) in the same request. Nothing stores
or logs them, and nothing kept can make them again: a printed batch's codes exist only in the
one response that carries them (docs/issuance.md).
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from ballots import lifecycle
from ballots import tokens as tk
from ballots.slips import Heading
from service.campaigns import operations as camps
from service.core.errors import Invalid, NotFound, WrongState
from service.core.event_queries import insert_event
from service.core.keys import keys
from service.issuance import queries as q
from service.issuance.errors import AlreadyHandedOut, AlreadyVoided, CodesNotConfirmed, NotVoidable

POOL_REFILL = 50


def _campaign_accepting(cur, campaign_id, what):
    # FOR SHARE: a concurrent close (FOR UPDATE) waits for this, or this sees it closed.
    campaign = camps.get_campaign(cur, campaign_id, for_share=True)
    if not lifecycle.allows("issue", campaign["state"]):
        raise WrongState(f"{what} is possible only while the campaign is announced or open; it is "
                         f"{campaign['state']}", {"state": campaign["state"]})
    return campaign


def _round_and_group(cur, campaign_id, round_id, group_id):
    rnd = camps.get_part(cur, "rounds", campaign_id, round_id)
    group = camps.get_part(cur, "voter_groups", campaign_id, group_id)
    if rnd is None or group is None:
        raise Invalid(details={"fields": {k: ["not in this campaign"] for k, v in
                                          (("round_id", rnd), ("group_id", group)) if v is None}})
    return rnd, group


def issue_batch(cur, principal, campaign_id, data):
    """Mint a printed batch: store the hashes; return (batch, tokens, heading) for the file (the
    PDF, the image, or the codes' CSV for a print shop, which only a ticked confirmation gets).
    With also_round_ids the slips cover those rounds too (one scan, the rounds one after the
    other): a batch row a round, the later ones joint_of the first, each round's tokens derived
    from the slip's code (Minter.sibling) and stored sorted by hash in their own batch."""
    if data["layout"] == "csv" and not data["understood"]:
        raise CodesNotConfirmed()
    campaign = _campaign_accepting(cur, campaign_id, "issuing ballots")
    rnd, group = _round_and_group(cur, campaign_id, data["round_id"], data["group_id"])
    others = _joint_rounds(cur, campaign_id, rnd, group, data)
    head = heading(cur, campaign, rnd, group, data["layout"] == "paper", rounds=[rnd, *others])
    if data["layout"] == "paper" and not head.sections:
        raise Invalid("this voter group answers no section in this round: there is no form to print",
                      {"fields": {"group_id": ["no section of this round is for this group"]}})
    minted = keys().minter.batch(rnd["id"], data["size"])  # made on demand, never a list of N
    batch = q.insert_batch(cur, campaign_id, rnd["id"], group["id"], data["label"], "print", data["layout"],
                           data["size"], principal.actor, keys().key_id)
    q.copy_tokens(cur, (tk.token_hash(t) for t in minted), campaign_id, rnd["id"], group["id"], batch["id"])
    joint = []
    for other in others:
        b = q.insert_batch(cur, campaign_id, other["id"], group["id"], data["label"], "print", data["layout"],
                           data["size"], principal.actor, keys().key_id, joint_of=batch["id"])
        sibling = keys().minter.sibling
        q.copy_tokens(cur, (tk.token_hash(sibling(t, other["id"])) for t in minted), campaign_id, other["id"],
                      group["id"], b["id"])
        joint.append({"batch_id": b["id"], "round_id": other["id"]})
    details = {"batch_id": batch["id"], "round_id": rnd["id"], "group_id": group["id"],
               "size": data["size"], "layout": data["layout"], "output": output_of(data["layout"]),
               "label": data["label"]}
    insert_event(cur, principal.actor, "batch.issued", campaign_id, {**details, "joint": joint} if joint else details)
    return batch, minted, head


def output_of(layout: str) -> str:
    """The file a batch's response carries: pdf, png, svg, or csv (the codes, no PDF)."""
    return layout if layout in ("png", "svg", "csv") else "pdf"


def _joint_rounds(cur, campaign_id, rnd, group, data) -> list:
    """The further rounds a slip covers, in the campaign's order; each must be another round of
    this campaign that the group answers (some section of it is for the group)."""
    wanted = data.get("also_round_ids") or []
    if not wanted:
        return []
    problems = []
    if data["layout"] == "paper":
        problems.append("a paper ballot holds one round's form: print each round's paper ballots apart")
    definition = camps.definition(cur, campaign_id)
    by_id = {r["id"]: r for r in definition["rounds"]}
    for rid in wanted:
        r = by_id.get(rid)
        if rid == rnd["id"]:
            problems.append(f"round {rid} is the slip's first round already")
        elif r is None:
            problems.append(f"round {rid} is not in this campaign")
        elif not any(not s["group_ids"] or group["id"] in s["group_ids"] for s in r["sections"]):
            problems.append(f"the voter group answers no section of round {rid}")
    if problems:
        raise Invalid("these rounds cannot share the slip", {"fields": {"also_round_ids": problems}})
    return [r for r in definition["rounds"] if r["id"] in wanted]


def heading(cur, campaign, rnd, group, with_form: bool, base_url: str | None = None, rounds=None) -> Heading:
    from flask import current_app
    base = base_url or current_app.config["SETTINGS"].base_url
    parts = urlsplit(base)
    sections = []
    if with_form:
        definition = camps.annotate_sections(camps.definition(cur, campaign["id"]))
        for r in definition["rounds"]:
            if r["id"] == rnd["id"]:
                sections = [s for s in r["sections"] if not s["group_ids"] or group["id"] in s["group_ids"]]
    round_title = "、".join(r["title"] for r in rounds) if rounds and len(rounds) > 1 else rnd["title"]
    return Heading(title=campaign["title"], group=group["name"], round_title=round_title,
                   vote_url=f"{parts.netloc}{parts.path}/vote", criteria=group["criteria"], sections=sections)


def unused_token(cur, digest):
    """The issued, unused token with this hash (its campaign, round and group), or None."""
    return q.get_unused_token(cur, digest)


def unused_tokens(cur, hashes):
    """The unused tokens among these hashes, each with its campaign, round and group."""
    return q.unused_tokens(cur, hashes)


def is_voided(cur, digest) -> bool:
    return q.is_voided(cur, digest)


def batches(cur, campaign_id):
    camps.get_campaign(cur, campaign_id)
    return [_with_counts(b) for b in q.list_batches(cur, campaign_id)]


def get_batch(cur, campaign_id, batch_id):
    batch = q.get_batch(cur, campaign_id, batch_id)
    if batch is None:
        raise NotFound("no such batch in this campaign")
    return _with_counts(batch)


def _with_counts(b):
    """issued: printed slips, or hand-out tokens actually handed out (the pool and what was
    withdrawn from it do not count); cast = issued − unused − voided, never a counter."""
    b = dict(b)
    if b["kind"] == "handout":
        b["issued"] = b["size"] - b["pooled"] - b["withdrawn"]
        unused_issued = b["unused"] - b["pooled"]
        voided_issued = b["voided"] - b["withdrawn"]
    else:
        b["issued"], unused_issued, voided_issued = b["size"], b["unused"], b["voided"]
    b["cast"] = b["issued"] - unused_issued - voided_issued
    return b


def void_batch(cur, principal, campaign_id, batch_id):
    """Void a batch's unused ballots; a batch printed on the same slips as others (one slip, several
    rounds) is voided with them, since the slips are lost or spoilt together."""
    campaign = camps.get_campaign(cur, campaign_id, for_update=True)
    if not lifecycle.allows("issue", campaign["state"]):
        raise WrongState(f"ballots can be voided only while the campaign is announced or open; it is "
                         f"{campaign['state']}", {"state": campaign["state"]})
    batch = get_batch(cur, campaign_id, batch_id)
    if batch["voided_at"] is not None:
        raise AlreadyVoided("the batch is already voided")
    if batch["kind"] == "handout":
        # Ballots already handed out stay valid: only the pool is withdrawn.
        minter, pool_key = keys().minter, keys().pool
        seeds = q.pool_seeds(cur, batch_id)
        hashes = [tk.token_hash(minter.mint(batch["round_id"], tk.pooled_random(pool_key, s))) for s in seeds]
        count = q.withdraw_pool(cur, batch_id, hashes)
        insert_event(cur, principal.actor, "batch.voided", campaign_id, {"batch_id": batch_id, "voided": count})
        return get_batch(cur, campaign_id, batch_id)
    for member in q.joint_batch_ids(cur, batch_id):
        count = get_batch(cur, campaign_id, member)["unused"]
        q.void_batch(cur, member)
        insert_event(cur, principal.actor, "batch.voided", campaign_id, {"batch_id": member, "voided": count})
    return get_batch(cur, campaign_id, batch_id)


def slip_tokens(cur, token: str, campaign_id: int) -> list[tuple[int, str]]:
    """[(round id, token)] for every round of the campaign, in its order: the code's own round's
    token is the code; each other round's is the one the slip would carry if it covers that round
    (Minter.sibling; for a one-round slip those were never issued and match nothing)."""
    sibling = keys().minter.sibling
    return [(r["id"], sibling(token, r["id"])) for r in camps.list_parts(cur, "rounds", campaign_id)]


def void_code(cur, principal, campaign_id, code):
    """Void one lost slip by its typed code: every round it covers."""
    _campaign_accepting(cur, campaign_id, "voiding ballots")
    try:
        token, _round_id = keys().minter.verify(code)
    except tk.TokenInvalid:
        raise Invalid("not a valid ballot code", {"fields": {"code": ["the code does not check out"]}}) from None
    digest = tk.token_hash(token)
    batch_ids = []
    for _rid, t in slip_tokens(cur, token, campaign_id):
        voided = q.void_token(cur, campaign_id, tk.token_hash(t))
        if voided is not None:
            batch_ids.append(voided)
    if not batch_ids:
        if q.is_voided(cur, digest):
            raise AlreadyVoided("this ballot is already voided")
        raise NotVoidable("this ballot has been used, or was not issued in this campaign")
    details = {"batch_id": batch_ids[0]} if len(batch_ids) == 1 else {"batch_id": batch_ids[0], "batch_ids": batch_ids}
    insert_event(cur, principal.actor, "ballot.voided", campaign_id, details)
    return {"batch_id": batch_ids[0], "voided": True}


def _refill_pool(cur, principal, campaign_id, round_id, group_id, size=POOL_REFILL):
    """Pre-mint hand-out tokens for a round and group, as a batch of their own."""
    batch = q.insert_batch(cur, campaign_id, round_id, group_id, "门户发放", "handout", None, size, principal.actor,
                           keys().key_id)
    pool_key, minter = keys().pool, keys().minter
    seeds = [secrets.token_bytes(16) for _ in range(size)]
    hashes = [tk.token_hash(minter.mint(round_id, tk.pooled_random(pool_key, s))) for s in seeds]
    q.copy_tokens(cur, hashes, campaign_id, round_id, group_id, batch["id"])
    q.copy_pool(cur, seeds, campaign_id, round_id, group_id, batch["id"])
    insert_event(cur, principal.actor, "batch.issued", campaign_id,
                 {"batch_id": batch["id"], "round_id": round_id, "group_id": group_id, "size": size,
                  "kind": "handout"})


class PoolEmpty(Exception):
    """No pooled token for the round and group: refill the pool in a transaction of its own."""

    def __init__(self, round_id, group_id):
        super().__init__(round_id, group_id)
        self.round_id, self.group_id = round_id, group_id


def hand_out(cur, principal, campaign_id, round_id, data) -> str:
    """Give a portal user a ballot: one per reference and round; which one is never recorded.
    PoolEmpty (this transaction then rolls back) when no pooled token is left: refill_pool in a
    transaction of its own, so that no row written with the hand-out ties the reference to the
    tokens minted then, and try again."""
    _campaign_accepting(cur, campaign_id, "handing out ballots")
    rnd, group = _round_and_group(cur, campaign_id, round_id, data["group_id"])
    ref = tk.reference_hash(keys().reference, rnd["id"], data["voter_ref"])
    if q.insert_handout(cur, rnd["id"], ref, campaign_id) is None:
        raise AlreadyHandedOut("this voter has already received a ballot for this round")
    seed = q.claim_pool_seed(cur, rnd["id"], group["id"])
    if seed is None:
        raise PoolEmpty(rnd["id"], group["id"])
    return keys().minter.mint(rnd["id"], tk.pooled_random(keys().pool, seed))


def refill_pool(cur, principal, campaign_id, round_id, group_id) -> None:
    """Mint a round and group's next pooled tokens, unless another request just did."""
    if not q.lock_pool_and_check_empty(cur, round_id, group_id):
        return
    _refill_pool(cur, principal, campaign_id, round_id, group_id)


def unused_under_other_keys(cur, secret_key: str) -> int:
    """How many unused ballots of announced or open campaigns this SECRET_KEY would refuse."""
    from service.core.keys import key_id
    return q.unused_under_other_keys(cur, key_id(secret_key), sorted(lifecycle.ACTIONS["issue"]))

