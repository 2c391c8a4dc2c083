"""When the mixer may open sealed ballots, and how many (docs/voting.md). The crowd that counts
is the voter group's: a ballot row shows its group beside its answers, so a batch of fewer than
k ballots of one group would narrow who cast them.

While voting is open, a (round, group) is mixed only once at least 2k of its sealed ballots wait,
and k of them, chosen at random, stay sealed: so every batch holds at least k, and so does the
group's last batch at the close — or the whole group, where it returned fewer than 2k in all and
was never mixed before. No ballot is ever mixed twice: a ballot written again would show, by its
earlier copy, which ones in its batch are new.
"""
from __future__ import annotations

import os


def to_open(waiting: int, k: int, closing: bool) -> int:
    """How many of a group's `waiting` sealed ballots a batch opens now."""
    if closing:
        return waiting
    return waiting - k if waiting >= 2 * k else 0


def shuffled(items) -> list:
    """The items in a uniformly random order: sorted by 128 random bits each from the operating
    system (one read for the whole batch; ties, at 2^-128 a pair, are not worth a thought)."""
    out = list(items)
    noise = os.urandom(16 * len(out))
    keys = [noise[16 * i:16 * i + 16] for i in range(len(out))]
    return [out[i] for i in sorted(range(len(out)), key=keys.__getitem__)]
