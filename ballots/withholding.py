"""Small groups stay hidden (DOMAIN.md: fewer than k ballots, no per-group breakdown), and stay
hidden against everything published.

A section withholds the groups `suppression` names. Their ballots are then counted as one pooled
pseudo-group: marks, votes, majority bases and scores summed (score trimming applies to the pool),
weighted by the sum of the members' weights. Every figure the section publishes — composites,
ranks, flags, totals — is then a function of the pooled counts, which the totals minus the groups
shown give away anyway, and says nothing about how the pool splits between its groups. Weighted
group by group instead, the composite is a second equation beside the totals and, where the
withheld groups carry different weights per ballot, it solves for each group's counts.

Groups that returned no ballots stay out of the pool: there is nothing of theirs to hide, and
with `weight_base` 'all' they keep counting as groups without a figure.
"""
from __future__ import annotations

from dataclasses import dataclass

from .counts import Counts

POOL = "withheld"  # the pooled pseudo-group's key (group ids are integers); never in the output


def suppression(answering: dict, k: int) -> dict:
    """Which groups' figures a section withholds: those with fewer than k ballots and then, while
    the withheld groups that returned ballots hold fewer than k between them, the smallest group
    still shown answering the same section — else the pool, which the totals minus the groups
    shown give, would be the small groups' ballots."""
    hidden = {g: n < k for g, n in answering.items()}
    shown = sorted((n, g) for g, n in answering.items() if not hidden[g])
    withheld = sum(n for g, n in answering.items() if hidden[g])
    while 0 < withheld < k and shown:
        n, g = shown.pop(0)
        hidden[g], withheld = True, withheld + n
    return hidden


@dataclass
class Pooled:
    """A section's inputs with its withheld groups counted as one (`POOL`)."""
    cast: dict
    counts: Counts
    weights: dict
    eligible: dict
    suppressed: dict


def pooled(section_id, answering: dict, counts: Counts, weights: dict, eligible: dict,
           suppressed: dict) -> Pooled:
    members = [g for g, hide in suppressed.items() if hide and answering[g]]
    if not members:
        return Pooled(answering, counts, weights, eligible, suppressed)
    into = {g: (POOL if g in members else g) for g in answering}
    cast: dict = {}
    for g, n in answering.items():
        cast[into[g]] = cast.get(into[g], 0) + n
    return Pooled(cast, _pooled_counts(section_id, counts, into, cast),
                  {**weights, POOL: sum(weights[g] for g in members)},
                  {**eligible, POOL: sum(eligible.get(g) or 0 for g in members)},
                  {into[g]: hide for g, hide in suppressed.items()})


def _pooled_counts(section_id, counts: Counts, into: dict, cast: dict) -> Counts:
    """The section's counts, the pool's members summed into it (other sections left out)."""
    c = Counts(ballots=dict(cast))
    for name in ("options", "chosen", "write_ins", "invalid"):
        target = getattr(c, name)
        for key, n in getattr(counts, name).items():
            if key[0] == section_id:
                target[(section_id, into.get(key[1], key[1]), *key[2:])] += n
    for key, agg in counts.scores.items():
        if key[0] == section_id:
            c.scores[(section_id, into.get(key[1], key[1]), *key[2:])].merge(agg)
    return c


def unpooled(out: dict, suppressed: dict) -> dict:
    """Each row's or candidate's figures per group again: the groups shown, and None for each
    group withheld (the pool's own figures are not published: they follow from the totals)."""
    for item in out.get("rows", []) + out.get("candidates", []):
        item["groups"] = {g: (None if hide else item["groups"][g]) for g, hide in suppressed.items()}
    return out
