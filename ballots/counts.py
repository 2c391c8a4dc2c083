"""What the ballots of a round say, counted: the input of ballots.tally. The service counts in
SQL (service/results/queries.py), the offline verifier from the ballots (`counts_from_ballots`)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction


def fraction(x) -> Fraction:
    """A number as the exact fraction it was written as (0.1 is 1/10, not the float's binary)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        return Fraction(Decimal(repr(x)))
    return Fraction(x)


@dataclass
class ScoreAgg:
    n: int = 0
    total: Fraction = Fraction(0)
    low: Fraction | None = None
    high: Fraction | None = None

    def add(self, value) -> None:
        v = fraction(value)
        self.n += 1
        self.total += v
        self.low = v if self.low is None else min(self.low, v)
        self.high = v if self.high is None else max(self.high, v)

    def merge(self, other: ScoreAgg) -> None:
        """As if this had been given the other's scores too."""
        if other.n == 0:
            return
        self.n += other.n
        self.total += other.total
        self.low = other.low if self.low is None else min(self.low, other.low)
        self.high = other.high if self.high is None else max(self.high, other.high)


@dataclass
class Counts:
    """What the ballots of one round say, counted (no ballot needed beyond this)."""
    ballots: dict = field(default_factory=dict)                             # group → ballots cast
    options: dict = field(default_factory=lambda: defaultdict(int))         # (section, group, row, option) → n
    chosen: dict = field(default_factory=lambda: defaultdict(int))          # (section, group, subject) → n
    write_ins: dict = field(default_factory=lambda: defaultdict(int))       # (section, group, name) → n
    scores: dict = field(default_factory=lambda: defaultdict(ScoreAgg))     # (section, group, row) → ScoreAgg
    invalid: dict = field(default_factory=lambda: defaultdict(int))         # (section, group) → invalid sections


def counts_from_ballots(ballots) -> Counts:
    """Count ballots given as dicts {group_id, answers} (the auditor bundle's form)."""
    c = Counts()
    for b in ballots:
        g = b["group_id"]
        c.ballots[g] = c.ballots.get(g, 0) + 1
        for sid, value in b["answers"].items():
            sid = int(sid)
            if isinstance(value, dict) and ("chosen" in value or "write_ins" in value):
                for subject in value.get("chosen", []):
                    c.chosen[(sid, g, subject)] += 1
                for name in value.get("write_ins", []):
                    c.write_ins[(sid, g, name)] += 1
            elif isinstance(value, dict):
                for row, answer in value.items():
                    if isinstance(answer, str):
                        c.options[(sid, g, row, answer)] += 1
                    else:
                        c.scores[(sid, g, row)].add(answer)
    return c
