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


# The 两推三评 sources, as the results page and report name them.
SOURCE_LABELS = {"ballots": "选票", "organisation": "组织考评", "leaders": "领导点评"}


COMPOSITE_HEADINGS = ["排名", "对象", "选票", "组织考评", "领导点评", "综合得分", "缺项"]


def composite_rows(composite: dict, text: bool = True) -> list[list]:
    """The composite's table (COMPOSITE_HEADINGS) for the subjects with any figure: as text (the
    results page's and the report's), or with its numbers as numbers (a spreadsheet's)."""
    figures = ("ballots", "organisation", "leaders", "total")
    return [[str(s["rank"] or "—") if text else s["rank"], s["name"], *(num(s[k]) if text else s[k] for k in figures),
             "、".join(SOURCE_LABELS[k] for k in s["missing"])]
            for s in composite["subjects"] if any(s[k] is not None for k in figures)]


def weights_line(weights: dict | None) -> str:
    w = weights or {}
    return ("权重：" + "、".join(f"{label} {w.get(k) or 0}" for k, label in SOURCE_LABELS.items())
            + "；缺某一项的对象，按其余各项的权重折算。选票得分为各轮（未达有效门槛的轮次除外）测评得分的平均。")
