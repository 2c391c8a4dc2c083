"""The rules a round's tally applied, in words, for the report a 计票人 signs (DOMAIN.md "How
results are judged"): weights, the quorum, small groups, and per section how its figures were
reached. Written from the round's results and the sections' scales, never from defaults."""
from __future__ import annotations

from .display import pct
from .sections import MAJORITY_BASES, MAJORITY_LABELS, QUORUM_BASES, WEIGHT_BASES, rank_label

_MET = {True: "达到门槛，结果有效", False: "未达门槛，结果无效，不作达标、推荐判定", None: "未评估"}


def _points(options: list[dict]) -> str:
    return "、".join(f"{o['label']} {o['points']:g} 分" if o.get("points") is not None else f"{o['label']}不计分"
                     for o in options)


def _favourable(options: list[dict]) -> str:
    return " + ".join(o["label"] for o in options if o.get("favourable") is True) or "肯定性评价"


def round_lines(result: dict) -> list[str]:
    """What applied to the whole round."""
    rules = result["rules"]
    total = sum(g["weight"] for g in result["groups"]) or 1
    weights = "、".join(f"{g['name']} {pct(g['weight'] / total)}" for g in result["groups"])
    lines = [f"群体权重：{weights}；各群体分别计票，先算群体平均，再按权重加权"
             f"（{WEIGHT_BASES.get(rules.get('weight_base', 'returned'), '')}）。"]
    q = result["quorum"]
    if q.get("rule"):
        lines.append(f"有效门槛：需 ≥ {q['required_ballots']} 张（{QUORUM_BASES.get(q['rule']['base'], '')} "
                     f"{q['base_value']} 的 {pct(q['rule']['share'])}）；收回 {q['cast']} 张，{_MET[q['met']]}。")
    k = rules.get("small_group_k", 5)
    lines.append(f"小群体保护：收回选票少于 {k} 张的群体（及须与之一并隐去的群体）不单列，其选票并入综合结果。")
    return lines


def section_lines(sec: dict, rules: dict, scale: list[dict] | None) -> list[str]:
    """How one section's figures were reached."""
    t = sec["type"]
    out = []
    if t == "rating":
        if scale:
            out.append(f"计分：{_points(scale)}。")
        out.append(f"满意率 =（{_favourable(scale or [])}）÷ 有效评价；不计分的选项和未填的行不计入。")
    elif t == "approve":
        out.append("赞成率 = 赞成 ÷ 有效票（赞成 + 不赞成）；弃权和未填不计入。")
    if t in ("rating", "approve"):
        bar = f"{'满意率' if t == 'rating' else '赞成率'}不低于 {pct(rules.get('pass_line', 0.8))} 为达标"
        if t == "rating":
            bar += f"；不满意超过 {pct(rules.get('laggard_share', 0.3333))} 为后进"
        out.append(bar + "。")
    if t == "score":
        trim = sec.get("trim_above")
        out.append("得分为各群体平均分的加权"
                   + (f"；一个群体打分超过 {trim} 人时，去掉一个最高分和一个最低分后平均。" if trim else "。"))
        out.append("按综合得分排名（高者在前）。")
    elif t == "choose":
        m = sec["majority"]
        out.append(f"名额 {sec['quota']} 名：得票{MAJORITY_LABELS.get(m['threshold'], '')}"
                   f"（以{MAJORITY_BASES.get(m['base'], '')}计）且名次在名额以内者为推荐；名额边界同票者需决选。")
        out.append("按得票率排名（高者在前）。")
    elif sec.get("rank_by"):
        out.append(rank_label(t, sec["rank_by"]) + "。")
    return out
