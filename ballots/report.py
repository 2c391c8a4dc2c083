"""The results report as PDF: per round the quorum, then per section the ranked table, on A4
pages written by ballots.pdf (Chinese in the STSong-Light CID font)."""
from __future__ import annotations

from .display import num, pct
from .linebreak import wrap
from .fonts import report_font
from .pdf import A4, Canvas, Writer
from .sections import MAJORITY_LABELS, rank_label

LEFT, RIGHT, TOP, BOTTOM = 50.0, A4[0] - 50.0, A4[1] - 50.0, 50.0
ROW = 17.0


class _Pages:
    def __init__(self, writer: Writer, title: str, subtitle: str):
        self.writer, self.title, self.subtitle, self.number = writer, title, subtitle, 0
        self.c, self.xobjects = None, {}
        self.new()

    def new(self):
        if self.c is not None:
            self.writer.page(self.c, self.xobjects or None)
            self.xobjects = {}
        self.number += 1
        self.c = Canvas(self.writer.cjk)
        self.c.text(LEFT, 28, f"{self.title} ｜计票结果｜第 {self.number} 页", 8)
        self.y = TOP

    def need(self, h):
        if self.y - h < BOTTOM:
            self.new()
            return True
        return False

    def qr(self, text: str, side: float = 200) -> None:
        """A QR code of `text` (a signed checkpoint), `side` points wide, at the left margin."""
        from . import qr
        self.need(side + 8)
        m = qr.matrix(text, mask=0)
        modules = len(m) + 8
        name = f"V{len(self.xobjects)}"
        self.xobjects[name] = self.writer.image_1bit(qr.pack_rows(m, 4), modules)
        self.c.image(name, LEFT, self.y - side, side)
        self.y -= side + 8

    def text(self, s, size=10, bold=False, gap=4):
        for line in wrap(s, size, RIGHT - LEFT):
            self.need(size + gap)
            self.c.text(LEFT, self.y - size, line, size, fake_bold=bold)
            self.y -= size + gap

    def table(self, headings, widths, rows):
        def head():
            self.c.rect(LEFT, self.y - ROW, RIGHT - LEFT, ROW, width=0.4, fill=0.93)
            x = LEFT
            for h, w in zip(headings, widths):
                self.c.text(x + 4, self.y - 12, h, 9, fake_bold=True)
                x += w
            self.y -= ROW
        self.need(ROW * 2)
        head()
        for row in rows:
            if self.need(ROW):
                head()
            x = LEFT
            for value, w in zip(row, widths):
                self.c.text(x + 4, self.y - 12, wrap(str(value), 9, w - 6, max_lines=1)[0] if value != "" else "", 9)
                x += w
            self.c.line(LEFT, self.y - ROW, RIGHT, self.y - ROW, width=0.3, gray=0.6)
            self.y -= ROW
        self.y -= 8

    def close(self):
        self.writer.page(self.c, self.xobjects or None)





def _verification(pages: _Pages, lines: list[str], checkpoints) -> None:
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


def _comments(pages: _Pages, note: dict) -> None:
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
                 verification: list[str] | None = None, checkpoints: list[str] = ()) -> None:
    """The report; `notes` (each round's 意见建议, apart from the ballots) go at its end, then
    `verification`: lines that tell a reader how to check it (the service's key, the signed
    checkpoints; docs/audit.md), and a QR code of each note in `checkpoints` (its root and
    signature, for a phone or the verifier to read off the paper)."""
    writer = Writer(title=f"{title} 计票结果", cjk=report_font())
    pages = _Pages(writer, title, generated)
    pages.text(title, 18, bold=True, gap=8)
    pages.text(f"计票结果报告　生成于 {generated}", 10, gap=12)
    for r in results:
        pages.need(60)
        pages.text(f"{r['round']}　收回选票 {r['ballots']} 张", 14, bold=True, gap=6)
        q = r["quorum"]
        if q.get("rule"):
            base = "发出票数" if q["rule"]["base"] == "issued" else "应参评人数"
            pages.text(f"有效门槛：需 ≥ {q['required_ballots']} 张（{base} {q['base_value']} 的 {pct(q['rule']['share'])}），"
                       f"{ {True: '有效', False: '未达门槛，结果无效', None: '未评估'}[q['met']] }", 9, gap=8)
        for sec in r["sections"]:
            if sec["type"] == "text":
                continue
            pages.text(sec["title"], 11, bold=True, gap=5)
            if sec.get("rank_by"):
                pages.text(rank_label(sec["type"], sec["rank_by"]), 8.5, gap=4)
            if sec["type"] == "choose":
                bar = MAJORITY_LABELS.get(sec["majority"]["threshold"], "过半")
                pages.table(["排名", "候选人", "得票", "得票率", bar, "结果"], [40, 160, 50, 70, 75, 100], [
                    [e["rank"] or "—", e["name"] + ("（另选）" if e["write_in"] else ""), e["votes"], pct(e["share"]),
                     "√" if e["majority"] else "",
                     "推荐" if e["recommended"] else ("同票，需决选" if e["runoff"] else "")]
                    for e in sec["candidates"]])
            elif sec["type"] == "score":
                rows = sorted(sec["rows"], key=lambda x: (x["rank"] is None, x["rank"] or 0))
                pages.table(["排名", "对象", "综合得分"], [40, 300, 155],
                            [[x["rank"] or "—", x["name"] + (f"：{x['criterion']}" if x["criterion"] else ""),
                              num(x["mean"])] for x in rows])
            elif sec["type"] == "approve":  # its mean is the share of 赞成: shown once, as a rate
                rows = sorted(sec["rows"], key=lambda x: (x["rank"] is None, x["rank"] or 0))
                pages.table(["排名", "对象", "赞成率", "有效票", "达标"], [40, 215, 80, 80, 80],
                            [[x["rank"] or "—", x["name"], pct(x["rate"]), x.get("valid", ""),
                              "√" if x["passed"] else ""] for x in rows])
            else:
                rows = sorted(sec["rows"], key=lambda x: (x["rank"] is None, x["rank"] or 0))
                pages.table(["排名", "对象", "满意率", "综合得分", "达标", "后进"], [40, 215, 65, 65, 50, 60],
                            [[x["rank"] or "—", x["name"] + (f"：{x['criterion']}" if x["criterion"] else ""),
                              pct(x["rate"]), num(x["mean"]), "√" if x["passed"] else "",
                              "后进" if x["laggard"] else ""] for x in rows])
    for note in notes or []:
        _comments(pages, note)
    if verification:
        _verification(pages, verification, checkpoints)
    pages.close()
    writer.close()
    out.write(writer.take())
