"""Full-page paper ballots: one whole form per token, laid out section by section with boxes
to mark, a QR code in the top corner of every page and four fiducial markers in the corners
(slips.iter_pdf with layout "paper"). Drawing a box records it (paper_layout.Box), so the mark
reader's geometry (paper_layout.layout) is the drawing's own."""
from __future__ import annotations

from typing import Iterator

from . import slips
from .linebreak import fit, wrap
from .paper_layout import QR_AT, QR_SIDE, Box, PageLayout, draw_markers, page_url, row_keys
from .pdf import A4, Canvas, Writer, song_width
from .slips import Heading

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (sections rarely pass 99)."""
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


_LEFT, _RIGHT, _TOP, _BOTTOM = 50.0, A4[0] - 50.0, A4[1] - 40.0, 56.0
_ROW = 21.0
_LATER_TOP = QR_AT[1] - 10  # later pages start under their QR code


class _Flow:
    """Lays the ballot form out top to bottom over as many template pages as it needs."""

    def __init__(self, title: str):
        self.title = title
        self.pages: list[Canvas] = []
        self.boxes: list[list[Box]] = []
        self.new_page()

    def new_page(self):
        self.c = Canvas()
        self.pages.append(self.c)
        self.boxes.append([])
        self.y = _TOP
        if len(self.pages) > 1:
            line = wrap(f"{self.title}（续）", 10, QR_AT[0] - _LEFT - 10, max_lines=1)[0]
            self.c.text(_LEFT, _TOP - 12, line, 10)
            self.y = _LATER_TOP

    def box(self, key: tuple, kind: str, x: float, y: float, w: float, h: float, region=None, border=0.7):
        """Draw a box to fill (none for a text area) and record it for the reader."""
        if kind != "text":
            self.c.rect(x, y, w, h, width=border)
        self.boxes[-1].append(Box(key, kind, (x, y, w, h), region))

    def need(self, height: float) -> bool:
        if self.y - height < _BOTTOM:
            self.new_page()
            return True
        return False


def _options(section) -> list[str]:
    from .sections import scale_options
    if section["type"] == "rating":
        return [o["label"] for o in scale_options(section["config"])]
    if section["type"] == "approve":
        return ["赞成", "不赞成", "弃权"]
    return []


def _grid(flow: _Flow, section, columns: list[str], col_w: float, box: tuple[float, float]):
    """A table: a label column (wrapped to three lines) and one answer box per column."""
    header_lines = [wrap(name, 8.5, col_w - 4, max_lines=2) for name in columns]
    header_h = max(_ROW, 8 + 11 * max((len(h) for h in header_lines), default=1))

    def header():
        flow.need(header_h + _ROW)
        x = _RIGHT - col_w * len(columns)
        flow.c.rect(_LEFT, flow.y - header_h, _RIGHT - _LEFT, header_h, width=0.5, fill=0.93)
        flow.c.text(_LEFT + 6, flow.y - 14, "对象", 9.5, fake_bold=True)
        for i, lines in enumerate(header_lines):
            for j, line in enumerate(lines):
                flow.c.text_centered(x + col_w * (i + 0.5), flow.y - 13 - 11 * j, line, 8.5, fake_bold=True)
        flow.y -= header_h

    header()
    name_w = _RIGHT - _LEFT - col_w * len(columns) - 10
    sid = section.get("id")
    for row_key, label in row_keys(section):
        lines = wrap(label, 10, name_w, max_lines=3)
        row_h = max(_ROW, 8 + 13 * len(lines))
        if flow.need(row_h):
            header()
        c, y = flow.c, flow.y
        c.rect(_LEFT, y - row_h, _RIGHT - _LEFT, row_h, width=0.4)
        for j, line in enumerate(lines):
            c.text(_LEFT + 6, y - 14 - 13 * j, line, 10)
        x = _RIGHT - col_w * len(columns)
        for i in range(len(columns)):
            c.line(x + col_w * i, y, x + col_w * i, y - row_h, width=0.4)
            bw, bh = box
            key, kind = ((sid, row_key), "score") if section["type"] == "score" else ((sid, row_key, columns[i]), "mark")
            flow.box(key, kind, x + col_w * (i + 0.5) - bw / 2, y - row_h / 2 - bh / 2, bw, bh)
        flow.y -= row_h


# How to correct a mark (ballots/omr.py reads a solid box beside a √ in a one-answer row as corrected).
_CORRECTION = "划错时将错框涂黑，再在正确的方框内划“√”。"


def _instruction(section) -> str:
    t, cfg = section["type"], section["config"]
    if t == "rating":
        caps = "；".join(f"「{c['option']}」不超过 {round(c['max_share'] * 100)}%" for c in cfg.get("caps", []))
        return "每行选一项，在方框内划“√”；不填为弃权。" + (caps + "。" if caps else "") + _CORRECTION
    if t == "approve":
        return "每人选一项，在方框内划“√”。" + _CORRECTION
    if t == "choose":
        n = cfg["max_choices"]
        extra = "，可在空行另选他人（计入限选人数）" if cfg.get("write_ins") else ""
        return f"限选 {n} 人，在方框内划“√”{extra}；超过 {n} 人此项无效。"
    if t == "score":
        return f"在方框内填写 {cfg.get('min', 0):g} 至 {cfg.get('max', 100):g} 之间的分数。"
    return f"请填写意见建议（不超过 {cfg.get('max_length', 500)} 字）。"


def _section(flow: _Flow, number: int, section) -> None:
    flow.need(50)
    for line in wrap(f"{chinese_numeral(number + 1)}、{section['title']}", 12, _RIGHT - _LEFT, max_lines=3):
        flow.c.text(_LEFT, flow.y - 14, line, 12, fake_bold=True)
        flow.y -= 17
    flow.y -= 3
    for line in wrap(_instruction(section), 9, _RIGHT - _LEFT):
        flow.c.text(_LEFT, flow.y - 11, line, 9)
        flow.y -= 13
    flow.y -= 4
    t = section["type"]
    if t in ("rating", "approve"):
        columns = _options(section)
        col_w = min(56.0, (_RIGHT - _LEFT) * 0.62 / max(len(columns), 1))
        _grid(flow, section, columns, col_w, (10, 10))
    elif t == "score":
        _grid(flow, section, ["得分"], 70, (48, 15))
    elif t == "choose":
        width = (_RIGHT - _LEFT) / 2
        rows = section["rows"]
        for i in range(0, len(rows), 2):
            flow.need(_ROW)
            for j, row in enumerate(rows[i:i + 2]):
                x = _LEFT + j * width
                flow.box((section.get("id"), "subject", row.get("id")), "mark", x, flow.y - 15, 10, 10)
                label = row["name"] + (f"（{row['unit']}）" if row.get("unit") else "")
                flow.c.text(x + 16, flow.y - 14, wrap(label, 10, width - 24, max_lines=1)[0], 10)
            flow.y -= _ROW
        if section["config"].get("write_ins"):
            for slot in range(min(section["config"]["max_choices"], 5)):
                flow.need(_ROW)
                line = (_LEFT + 68, flow.y - 19, 234, _ROW - 1)
                flow.box((section.get("id"), "write_in", slot), "write_in", _LEFT, flow.y - 15, 10, 10, region=line)
                flow.c.text(_LEFT + 16, flow.y - 14, "另选他人：", 10)
                flow.c.line(_LEFT + 70, flow.y - 16, _LEFT + 300, flow.y - 16, width=0.5)
                flow.y -= _ROW
    else:
        flow.need(5 * _ROW)  # the five lines together: one area to crop
        flow.box((section.get("id"),), "text", _LEFT, flow.y - 5 * _ROW + 2, _RIGHT - _LEFT, 5 * _ROW - 2)
        for _ in range(5):
            flow.c.line(_LEFT, flow.y - 16, _RIGHT, flow.y - 16, width=0.4, gray=0.4)
            flow.y -= _ROW
    flow.y -= 12


def template(head: Heading) -> tuple[list[Canvas], list[PageLayout]]:
    """The drawing every ballot of this heading shares (a canvas a page) and each page's layout."""
    flow = _Flow(head.title)
    c = flow.c
    y = _TOP - 12
    size, lines = fit(head.title, 16, _RIGHT - _LEFT - 160, 2, 12)
    for line in lines:
        c.text(_LEFT, y, line, size, fake_bold=True)
        y -= size * 1.3
    size, lines = fit(f"{head.round_title}票｜参评群体：{head.group}", 11, _RIGHT - _LEFT - 160, 2, 9)
    for line in lines:
        c.text(_LEFT, y - 2, line, size)
        y -= size * 1.36
    y -= 3
    if head.criteria:
        for line in wrap(f"评价标准：{head.criteria}", 9.5, _RIGHT - _LEFT - 160, max_lines=2):
            c.text(_LEFT, y, line, 9.5)
            y -= 13
    for line in wrap("本票不记名。可用手机扫描右上角二维码在线填写；纸质填写后投入票箱。", 9, _RIGHT - _LEFT - 160):
        c.text(_LEFT, y - 4, line, 9)
        y -= 12
    flow.y = min(y - 18, _TOP - 110)
    c.line(_LEFT, flow.y, _RIGHT, flow.y, width=0.8)
    flow.y -= 10
    for number, section in enumerate(head.sections):
        _section(flow, number, section)
    for c in flow.pages:
        draw_markers(c)
    n = len(flow.pages)
    return flow.pages, [PageLayout(i + 1, n, boxes=boxes) for i, boxes in enumerate(flow.boxes)]


def paper(tokens, base_url, head, progress) -> Iterator[bytes]:
    """One full paper ballot per token (the form itself), its QR code in the top corner."""
    writer = Writer(title=head.title)
    templates, _layouts = template(head)
    forms = [writer.form_xobject(t, *A4) for t in templates]
    total = len(forms)
    done = 0
    for token in tokens:
        url, code = slips.slip_face(base_url, token)
        for i, form in enumerate(forms):
            page = Canvas()
            page.form("T")
            image_id, _ = slips._qr_image(writer, page_url(url, i + 1))
            xobjects = {"T": form, "Q": image_id}
            page.image("Q", *QR_AT, QR_SIDE)
            if i == 0:
                page.text_centered(QR_AT[0] + QR_SIDE / 2, QR_AT[1] - 10, "扫码在线填写", 7.5)
            page.text(_LEFT, 32, "票码", 8)
            page.text(_LEFT + song_width("票码 ", 8), 32, code, 8.5, font="courier")
            if total > 1:
                page.text(_RIGHT - 60, 32, f"第 {i + 1} / {total} 页", 8)
            writer.page(page, xobjects)
        done += 1
        if progress and done % 10 == 0:
            progress(done)
        yield writer.take()
    if progress:
        progress(done)
    yield from writer.finish()
