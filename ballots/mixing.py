"""When the mixer may open sealed ballots, and how many earlier ballots join a group's last
batch (docs/voting.md). The crowd that counts is the voter group's: a ballot row shows its group
beside its answers, so a batch of fewer than k ballots of one group would narrow who cast them.

While voting is open, a (round, group) is mixed once at least k of its sealed ballots wait. At
the close, a group's remainder (fewer than k) is mixed together with enough of that group's
earlier ballots, taken out and written again in the same shuffled batch, that the batch holds k
ballots of the group — or the whole group, where it returned fewer than k in all.
"""
from __future__ import annotations

import secrets


def ready(waiting: int, k: int) -> bool:
    """Whether a group's sealed ballots may be mixed while voting is open."""
    return waiting >= k


def companions(waiting: int, mixed: int, k: int) -> int:
    """How many of the group's earlier (already mixed) ballots the close mixes again with its
    `waiting` remainder, so that the last batch holds k of the group or all of it."""
    if waiting == 0 or waiting >= k:
        return 0
    return min(k - waiting, mixed)


def shuffled(items) -> list:
    """The items in a uniformly random order (the operating system's randomness)."""
    out = list(items)
    for i in range(len(out) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        out[i], out[j] = out[j], out[i]
    return out
