"""What the ballots of a round say, counted: the input of ballots.tally. The service counts in
SQL (service/results/queries.py), the offline verifier from the ballots (`counts_from_ballots`)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .forms import DIGITS, mark_slots


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
        add_ballot(c, b["group_id"], b["answers"])
    return c


def add_ballot(c: Counts, g, answers: dict) -> None:
    """Count one ballot of group g into c (what counts_from_ballots does for each)."""
    c.ballots[g] = c.ballots.get(g, 0) + 1
    options = c.options
    for sid, value in answers.items():
        sid = int(sid)
        if isinstance(value, dict) and ("chosen" in value or "write_ins" in value):
            for subject in value.get("chosen", []):
                c.chosen[(sid, g, subject)] += 1
            for name in value.get("write_ins", []):
                c.write_ins[(sid, g, name)] += 1
        elif isinstance(value, dict):
            for row, answer in value.items():
                if isinstance(answer, str):
                    options[(sid, g, row, answer)] += 1
                else:
                    c.scores[(sid, g, row)].add(answer)


def merge(into: Counts, other: Counts) -> Counts:
    """Add other's counts to into (as if into had counted other's ballots too); returns into."""
    for g, n in other.ballots.items():
        into.ballots[g] = into.ballots.get(g, 0) + n
    for name in ("options", "chosen", "write_ins", "invalid"):
        target = getattr(into, name)
        for key, n in getattr(other, name).items():
            target[key] += n
    for key, agg in other.scores.items():
        into.scores[key].merge(agg)
    return into


def _fraction_text(x: Fraction | None) -> str | None:
    return None if x is None else f"{x.numerator}/{x.denominator}"


def to_record(c: Counts, group_id: int) -> dict:
    """One group's counts as JSON (what the mixer keeps per round and group): exact, fractions
    as "numerator/denominator"."""
    return {
        "ballots": c.ballots.get(group_id, 0),
        "options": sorted([sid, row, option, n] for (sid, g, row, option), n in c.options.items() if g == group_id),
        "chosen": sorted([sid, subject, n] for (sid, g, subject), n in c.chosen.items() if g == group_id),
        "write_ins": sorted([sid, name, n] for (sid, g, name), n in c.write_ins.items() if g == group_id),
        "scores": sorted([sid, row, a.n, _fraction_text(a.total), _fraction_text(a.low), _fraction_text(a.high)]
                         for (sid, g, row), a in c.scores.items() if g == group_id),
        "invalid": sorted([sid, n] for (sid, g), n in c.invalid.items() if g == group_id),
    }


def from_record(group_id: int, record: dict, into: Counts | None = None) -> Counts:
    """The counts of to_record, added to `into` (a new Counts by default)."""
    c = into if into is not None else Counts()
    c.ballots[group_id] = c.ballots.get(group_id, 0) + record["ballots"]
    for sid, row, option, n in record["options"]:
        c.options[(sid, group_id, row, option)] += n
    for sid, subject, n in record["chosen"]:
        c.chosen[(sid, group_id, subject)] += n
    for sid, name, n in record["write_ins"]:
        c.write_ins[(sid, group_id, name)] += n
    for sid, row, n, total, low, high in record["scores"]:
        c.scores[(sid, group_id, row)].merge(ScoreAgg(n, Fraction(total), Fraction(low), Fraction(high)))
    for sid, n in record.get("invalid", []):
        c.invalid[(sid, group_id)] += n
    return c


def marks_text(sections):
    """forms.marks_packer for the mixer: the packed counter of a validated ballot written as the
    decimal text COPY takes (str(forms.pack_marks(sections, clean))), as bytes; None when the form
    has no graded section. The counter has a 1 in the slot of each mark, so its digits are set
    directly instead of adding powers of ten and converting a 500-digit integer each ballot. An
    option that is not in the form raises KeyError."""
    slots = mark_slots(sections)
    if not slots:
        return lambda clean: None
    width = DIGITS * len(slots)
    where = {slot: width - 1 - DIGITS * i for i, slot in enumerate(slots)}  # the slot's last digit
    graded = [(str(sec.id), sec.id) for sec in sections if sec.type in ("rating", "approve")]
    zeros = b"0" * width

    def text(clean: dict) -> bytes:
        digits = bytearray(zeros)
        for key, sid in graded:
            for row, option in clean.get(key, {}).items():
                digits[where[(sid, row, option)]] = 49  # "1"
        return bytes(digits).lstrip(b"0") or b"0"
    return text
