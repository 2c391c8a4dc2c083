"""When the mixer may open sealed ballots, and how many earlier ballots join a group's last
batch (docs/voting.md). The crowd that counts is the voter group's: a ballot row shows its group
beside its answers, so a batch of fewer than k ballots of one group would narrow who cast them.

While voting is open, a (round, group) is mixed once at least k of its sealed ballots wait. At
the close, a group's remainder (fewer than k) is mixed together with enough of that group's
earlier ballots, taken out and written again in the same shuffled batch, that the batch holds k
ballots of the group — or the whole group, where it returned fewer than k in all.
"""
from __future__ import annotations

import os


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
    """The items in a uniformly random order: sorted by 128 random bits each from the operating
    system (one read for the whole batch; ties, at 2^-128 a pair, are not worth a thought)."""
    out = list(items)
    noise = os.urandom(16 * len(out))
    keys = [noise[16 * i:16 * i + 16] for i in range(len(out))]
    return [out[i] for i in sorted(range(len(out)), key=keys.__getitem__)]
