"""The results report as PDF, the record a 计票人 and a 监票人 sign and file: per round the
turnout (应到 / 发出 / 收回 / 收回率 per group), the rules applied in words, and per section its
charts, the composite table with every option's count, and a table per group shown apart (a
withheld small group only in the composite); signature and date lines; then the 意见建议 and
the verification page. A4, in the embedded Noto Sans CJK subset (ballots.fonts)."""
from __future__ import annotations

from .display import COMPOSITE_HEADINGS, by_source_line, composite_rows, num, pct, pct_value, weights_line
from .fonts import report_font
from .pdf import Writer
from .report_layout import LEFT, RIGHT, Pages
from .report_rules import round_lines, section_lines
from .sections import MAJORITY_LABELS, MAJORITY_THRESHOLDS, SCALES, scale_options

WIDTH = RIGHT - LEFT
_LINES = {"more_than_half": "过半数线 50%", "two_thirds": "三分之二线 66.7%", "sixty_percent": "60% 线"}
_OPTION_W = 34.0


def scales_of(definition: dict) -> dict[int, list[dict]]:
    """{section id: its scale (label, points, favourable)} for the rating sections of a campaign."""
    return {s["id"]: scale_options(s.get("config") or {}) for rnd in definition["rounds"]
            for s in rnd.get("sections", []) if s["type"] == "rating"}


def _known_scale(options):
    """A standard scale by its labels, for results given without their sections' definitions."""
    return next((scale for scale in SCALES.values() if [o["label"] for o in scale] == options), None)


def _name(item: dict) -> str:
    return item["name"] + (f"：{item['criterion']}" if item.get("criterion") else "") + \
        ("（另选）" if item.get("write_in") else "")


def _ranked(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda x: (x["rank"] is None, x["rank"] or 0))


def _turnout(pages: Pages, r: dict) -> None:
    pages.text("一、参评情况", 11, bold=True, gap=5)
    rows = [[g["name"], pct(g["weight"]), "—" if g.get("eligible") is None else g["eligible"], g["issued"] or 0,
             g["ballots"], pct(g["ballots"] / g["issued"]) if g["issued"] else "—"] for g in r["groups"]]
    issued, cast = sum(g["issued"] or 0 for g in r["groups"]), sum(g["ballots"] for g in r["groups"])
    eligible = [g["eligible"] for g in r["groups"] if g.get("eligible") is not None]
    rows.append(["合计", "", sum(eligible) if len(eligible) == len(r["groups"]) else "—", issued, cast,
                 pct(cast / issued) if issued else "—"])
    pages.table(["群体", "权重", "应到", "发出", "收回", "收回率"], [155, 60, 70, 70, 70, 70], rows)
    pages.text("应到：该群体应参评人数（未录入的显示“—”）；收回：计入结果的选票；收回率 = 收回 ÷ 发出。", 8, gap=8)


def _columns(sec: dict, composite: bool) -> tuple[list[str], list[float]]:
    t = sec["type"]
    lead = (["排名"], [28.0]) if composite else ([], [])
    if t in ("rating", "approve"):
        rate = "满意率" if t == "rating" else "赞成率"
        marks = (["达标", "后进"] if t == "rating" else ["达标"]) if composite else []
        tail = ["有效", rate] + (["得分"] if t == "rating" else []) + marks
        tail_w = [32.0, 44.0] + ([38.0] if t == "rating" else []) + [28.0] * len(marks)
        option_w = [max(_OPTION_W, 8 + 9 * len(o)) for o in sec["options"]]
        heads, widths = lead[0] + ["对象"] + sec["options"] + tail, lead[1] + [0] + option_w + tail_w
    elif t == "score":
        heads, widths = lead[0] + ["对象", "打分人数" if not composite else "综合得分"], lead[1] + [0, 70.0]
        if not composite:
            heads, widths = heads + ["得分"], widths + [60.0]
    else:
        bar = MAJORITY_LABELS.get(sec["majority"]["threshold"], "过半")
        heads = lead[0] + ["候选人", "得票", "得票率"] + ([bar, "结果"] if composite else [])
        widths = lead[1] + [0, 45.0, 55.0] + ([70.0, 80.0] if composite else [])
    widths[len(lead[0])] = WIDTH - sum(widths)
    return heads, widths


def _cells(sec: dict, fig: dict, composite: bool) -> list:
    t = sec["type"]
    if t in ("rating", "approve"):
        cells = [fig["counts"].get(o, 0) for o in sec["options"]] + [fig["valid"], pct(fig["rate"])]
        if t == "approve":
            return cells + (["√" if fig["passed"] else ""] if composite else [])
        cells += [num(fig["mean"])]
        return cells + (["√" if fig["passed"] else "", "后进" if fig["laggard"] else ""] if composite else [])
    if t == "score":
        return [num(fig["mean"])] if composite else [fig["raters"], num(fig["mean"])]
    cells = [fig["votes"], pct(fig["share"])]
    if composite:
        cells += ["√" if fig["majority"] else "", "推荐" if fig["recommended"] else ("同票，需决选" if fig["runoff"] else "")]
    return cells


def _charts(pages: Pages, sec: dict) -> None:
    items = _ranked(sec.get("rows") or sec.get("candidates") or [])
    names = [(f"{x['rank']}. " if x["rank"] else "") + _name(x) for x in items]
    if sec["type"] in ("rating", "approve") and any(sum(x["counts"].values()) for x in items):
        pages.stacked_bars([(_name(x), x["counts"]) for x in sec["rows"]], sec["options"], "图：评价分布（各群体合计）")
        by = sec["rank_by"]
        if by == "mean":
            pages.ranking_bars(list(zip(names, (x["mean"] for x in items))), "图：综合得分")
        else:
            label = ("赞成率" if sec["type"] == "approve" else "满意率") if by == "rate" else "不满意率"
            pages.ranking_bars(list(zip(names, (pct_value(x[by]) for x in items))), f"图：{label}（%）")
    elif sec["type"] == "choose" and items:
        n, d = MAJORITY_THRESHOLDS[sec["majority"]["threshold"]]
        pages.ranking_bars(list(zip(names, (pct_value(x["share"]) for x in items))), "图：得票率（%）",
                           line=100 * n / d, line_label=_LINES[sec["majority"]["threshold"]])
    elif sec["type"] == "score" and any(x["mean"] is not None for x in items):
        pages.ranking_bars(list(zip(names, (x["mean"] for x in items))), "图：综合得分")


def _of(item: dict, group: dict):
    return item["groups"].get(str(group["id"]), item["groups"].get(group["id"]))


def _section(pages: Pages, r: dict, sec: dict, scale) -> None:
    pages.need(120)
    pages.text(sec["title"], 11.5, bold=True, gap=5)
    for line in section_lines(sec, r["rules"], scale):
        pages.text(line, 8.5, gap=3)
    pages.y -= 4
    _charts(pages, sec)
    items = _ranked(sec.get("rows") or sec.get("candidates") or [])
    heads, widths = _columns(sec, True)
    pages.text("综合结果（各群体加权）", 9.5, bold=True, gap=4)
    pages.table(heads, widths, [[x["rank"] or "—", _name(x)] + _cells(sec, x, True) for x in items])
    answering = {str(gid) for x in items for gid in x["groups"]}  # ids as JSON has them (str) or as counted
    heads, widths = _columns(sec, False)
    for g in r["groups"]:
        if str(g["id"]) not in answering or g["id"] in sec.get("withheld", []) or not g["ballots"]:
            continue
        pages.text(f"分群体：{g['name']}（收回 {g['ballots']} 张，权重 {pct(g['weight'])}）", 9.5, bold=True, gap=4)
        pages.table(heads, widths, [[_name(x)] + _cells(sec, _of(x, g), False) for x in items
                                    if _of(x, g) is not None])
    apart = [g["name"] for g in r["groups"] if g["id"] in sec.get("withheld", []) and g["ballots"]
             and str(g["id"]) in answering]
    if apart:
        pages.text(f"不单列：{'、'.join(apart)}（收回选票少于 {r['rules'].get('small_group_k', 5)} 张，或须与之一并"
                   "隐去，以免推知个人的投票），其选票已计入综合结果。", 8.5, gap=8)


def _round(pages: Pages, r: dict, scales: dict) -> None:
    pages.need(200)
    pages.text(f"{r['round']}　收回选票 {r['ballots']} 张", 15, bold=True, gap=8)
    by_source = by_source_line(r.get("by_source"))
    if by_source:
        pages.text(by_source, 9, gap=6)
    if r.get("void"):
        pages.text("本轮未达有效门槛，结果无效：下列数字仅供存档，不作达标、推荐判定。", 10, bold=True, gap=6)
    _turnout(pages, r)
    pages.text("二、计票规则", 11, bold=True, gap=5)
    for line in round_lines(r):
        pages.text(line, 9, gap=3)
    pages.y -= 6
    pages.text("三、计票结果", 11, bold=True, gap=5)
    for sec in r["sections"]:
        if sec["type"] != "text":
            _section(pages, r, sec, scales.get(sec["id"]) or _known_scale(sec.get("options")))
    pages.text(f"以上为{r['round']}计票结果，经计票、监票核对无误。", 10, gap=4)
    pages.signatures()


def _composite(pages: Pages, composite: dict) -> None:
    """两推三评: each subject's ballots, organisation and leader scores and their weighted total."""
    pages.need(120)
    pages.text("两推三评综合得分", 15, bold=True, gap=8)
    pages.text(weights_line(composite["weights"]), 9, gap=6)
    pages.table(COMPOSITE_HEADINGS, [40, 165, 55, 60, 60, 60, 55], composite_rows(composite))
    pages.y -= 10


def _verification(pages: Pages, lines: list[str], checkpoints) -> None:
    """The last page: how to check the report, and each signed checkpoint as a QR code."""
    pages.need(80)
    pages.text("核验信息（docs/audit.md：python -m ballots.verify）", 14, bold=True, gap=6)
    for line in lines:
        for start in range(0, len(line), 90):  # keys and signatures have no spaces to break at
            pages.text(line[start:start + 90], 8, gap=3)
    for number, note in enumerate(checkpoints, start=1):
        pages.need(230)  # the caption and its code on one page
        pages.text(f"检查点 {number}：扫码读取签名的检查点全文（含回执码树根和签名）", 9, gap=4)
        pages.qr(note)


def _comments(pages: Pages, note: dict) -> None:
    """A round's comments, numbered in the order of their text (not of casting)."""
    for sec in note["sections"]:
        pages.need(60)
        pages.text(f"{note['round']}　{sec['title']}（意见建议 {sec['count']} 条）", 12, bold=True, gap=6)
        if sec.get("withheld"):
            pages.text("回答本题的群体收回的选票过少，意见建议不单独列出。", 10, gap=8)
        elif not sec["comments"]:
            pages.text("（无）", 10, gap=8)
        for i, text in enumerate(sec["comments"], start=1):
            for j, line in enumerate(text.split("\n")):
                pages.text((f"{i}. " if j == 0 else "    ") + line, 10, gap=3)
            pages.y -= 4
        pages.y -= 6


def write_report(out, title: str, results: list[dict], generated: str, notes: list[dict] | None = None,
                 verification: list[str] | None = None, checkpoints: list[str] = (),
                 scales: dict | None = None, composite: dict | None = None) -> None:
    """The report; `scales` ({section id: scale}, scales_of()) lets the rules say each option's
    points; `notes` (each round's 意见建议, apart from the ballots) go at its end, then
    `verification`: lines that tell a reader how to check it (the service's key, the signed
    checkpoints; docs/audit.md), and a QR code of each note in `checkpoints`."""
    writer = Writer(title=f"{title} 计票结果", cjk=report_font())
    pages = Pages(writer, f"{title}｜计票结果")
    pages.text(title, 18, bold=True, gap=8, centred=True)
    pages.text(f"计票结果报告　生成于 {generated}", 10, gap=14, centred=True)
    for r in results:
        _round(pages, r, scales or {})
    if composite:
        _composite(pages, composite)
    for note in notes or []:
        _comments(pages, note)
    if verification:
        _verification(pages, verification, checkpoints)
    pages.close()
    writer.close()
    out.write(writer.take())
