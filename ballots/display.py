"""Figures as people read them: rounded half up (四舍五入: 82.25 → 82.3), as offices and
spreadsheets do, not half to even; the stored and exported figures keep their precision."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def half_up(x, digits: int = 1) -> Decimal | None:
    """x rounded half up; from its decimal text, so 0.8225 is 0.8225 and not the nearest double."""
    if x is None:
        return None
    return Decimal(str(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def pct(share, digits: int = 1) -> str:
    """A share as a percentage: 0.8225 → 82.3%."""
    return "—" if share is None else f"{half_up(Decimal(str(share)) * 100, digits)}%"


def num(x, digits: int = 1) -> str:
    return "—" if x is None else str(half_up(x, digits))


def pct_value(share, digits: int = 1) -> float | None:
    """The percentage as a number (for charts)."""
    return None if share is None else float(half_up(Decimal(str(share)) * 100, digits))


def ranked(items: list[dict]) -> list[dict]:
    """Rows or candidates in rank order (1 first), the unranked last, as the reports list them."""
    return sorted(items, key=lambda x: (x.get("rank") is None, x.get("rank") or 0))


def by_source_line(bs: dict | None) -> str | None:
    """A round's ballots online and on paper, with the paper count's 废票 and duplicates, in one
    sentence (the results page and the results report); None when no paper was counted."""
    if not bs or not (bs["paper"] or bs["spoiled_ballots"] or bs["duplicates"]):
        return None
    parts = [f"其中电子票 {bs['online']} 张、纸质票 {bs['paper']} 张，合计 {bs['total']} 张"]
    if bs["spoiled_ballots"]:
        reasons = "，".join(f"{s['reason']} {s['n']} 张" for s in bs["spoiled_ballots"])
        parts.append(f"纸质票整张作废 {sum(s['n'] for s in bs['spoiled_ballots'])} 张（{reasons}），不计入")
    if bs["spoiled_sections"]:
        reasons = "，".join(s["reason"] for s in bs["spoiled_sections"])
        parts.append(f"纸质票单题作废 {sum(s['n'] for s in bs['spoiled_sections'])} 处（{reasons}）")
    if bs["duplicates"]:
        parts.append(f"重复票 {bs['duplicates']} 张（票码已在手机上投过），不计入")
    return "；".join(parts) + "。"
