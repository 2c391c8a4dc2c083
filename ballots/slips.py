"""Printable ballots: A4 sheets of cut-out slips, and full-page paper ballots.

Each slip carries the campaign title and voter group, its own QR code (the ballot URL),
the typable code, a line of instructions and crop marks. What is the same on every slip
is drawn once as a form XObject; per slip only the QR image and the code are new, and
pages are written as they are made (`pdf.Writer`), so memory does not grow with N.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from . import qr
from .linebreak import fit, wrap
from .pdf import A4, Canvas, Writer, song_width
from .tokens import grouped

LAYOUTS = {"slips-2x4": (2, 4), "slips-3x6": (3, 6)}
QUIET = 4
# The printed side of each layout's QR code in points, quiet zone included. Fixed, so that no
# title, group name or host ever shrinks it; docs/issuance.md gives it in mm with module sizes.
QR_SIDE = {"slips-2x4": 104.0, "slips-3x6": 86.0, "paper": 92.0}


@dataclass
class Heading:
    """What every ballot of a batch says about itself."""
    title: str
    group: str
    round_title: str
    vote_url: str  # where to type the code by hand, e.g. pingyi.example.edu.cn/vote
    criteria: str = ""
    sections: list = field(default_factory=list)  # for paper ballots: [{"type", "title", "config", "rows"}]


def ballot_url(base_url: str, token: str) -> str:
    """The URL in the QR code. Scheme, host and the /B/ path are upper case (URLs allow it there),
    so with no base path the whole address fits QR's compact alphanumeric mode; a base path
    keeps its case, and the code falls back to byte mode."""
    parts = urlsplit(base_url)
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path.rstrip('/')}/B/{token}"


def _qr_image(writer: Writer, base_url: str, token: str) -> tuple[int, int]:
    m = qr.matrix(ballot_url(base_url, token), mask=0)
    side = len(m) + 2 * QUIET
    return writer.image_1bit(qr.pack_rows(m, QUIET), side), side


def _corner_marks(c: Canvas, w: float, h: float, arm: float = 9):
    for x, dx in ((0, 1), (w, -1)):
        for y, dy in ((0, 1), (h, -1)):
            c.line(x, y, x + dx * arm, y, width=0.4, gray=0.35)
            c.line(x, y, x, y + dy * arm, width=0.4, gray=0.35)


def _cell_2x4(head: Heading, w: float, h: float):
    """Static content of a large slip, and where its QR code and code go. Every box has a fixed
    place: the title (two lines, centred when it needs one) and the group line at the top, the
    QR code below them, the code and instructions at the bottom; text shrinks, the code never."""
    c = Canvas()
    _corner_marks(c, w, h)
    qr_size = QR_SIDE["slips-2x4"]
    size, lines = fit(head.title, 12, w - 36, 2, 9)
    lead = size * 1.2
    y = h - 30.25 + (len(lines) - 1) * lead / 2  # the block's middle where two 12 pt lines have theirs
    for line in lines:
        c.text_centered(w / 2, y, line, size, fake_bold=True)
        y -= lead
    size, (line,) = fit(f"{head.group}｜{head.round_title}", 9.5, w - 36, 1, 7.5)
    c.text_centered(w / 2, h - 51, line, size)
    c.text_centered(w / 2, 28.5, "请用微信或手机相机扫码投票，每张票只能投一次", 7.5)
    size, (line,) = fit(f"无法扫码时，访问 {head.vote_url} 输入上方票码", 7.5, w - 24, 1, 5.5)
    c.text_centered(w / 2, 18, line, size)
    return c, ((w - qr_size) / 2, h - 55 - qr_size, qr_size), (w / 2, 40.5, 10)


def _cell_3x6(head: Heading, w: float, h: float):
    """A small slip: the QR code at the top left, title and group beside it, the instruction at
    the foot of that column, then the code and the typing address under it all, across the slip."""
    c = Canvas()
    _corner_marks(c, w, h, arm=7)
    qr_size = QR_SIDE["slips-3x6"]
    qr_x, qr_y = 8, h - 10 - qr_size
    text_x, text_w = qr_x + qr_size + 6, w - qr_size - 24
    y = h - 20
    size, lines = fit(head.title, 8.5, text_w, 3, 7)
    for line in lines:
        c.text(text_x, y, line, size, fake_bold=True)
        y -= size * 1.3
    size, lines = fit(f"{head.group}｜{head.round_title}", 7.5, text_w, 2, 6.5)
    for line in lines:
        c.text(text_x, y - 2, line, size)
        y -= size * 1.33
    # Three title and two group lines end near y = 73, above the instruction at the column's foot.
    c.text(text_x, qr_y + 10, "微信扫码投票，一票一次。", 6.5)
    size, (line,) = fit(f"无法扫码时访问 {head.vote_url} 输入票码", 6.5, w - 16, 1, 5)
    c.text_centered(w / 2, 21, line, size)
    return c, (qr_x, qr_y, qr_size), (w / 2, qr_y - 12, 8)


_CELLS = {"slips-2x4": _cell_2x4, "slips-3x6": _cell_3x6}


def iter_pdf(tokens: Iterable[str], base_url: str, head: Heading, layout: str,
             progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The PDF of a batch in the given layout, as chunks of about a page each."""
    if layout == "paper":
        return _paper(tokens, base_url, head, progress)
    return _slips(tokens, base_url, head, layout, progress)


def write_pdf(out, tokens, base_url, head, layout, progress=None) -> None:
    for chunk in iter_pdf(tokens, base_url, head, layout, progress):
        out.write(chunk)


def _slips(tokens, base_url, head, layout, progress) -> Iterator[bytes]:
    cols, rows = LAYOUTS[layout]
    writer = Writer(title=head.title)
    page_w, page_h = A4
    margin_x, margin_y = 0.0, 0.0
    cw, ch = (page_w - 2 * margin_x) / cols, (page_h - 2 * margin_y) / rows
    cell, (qx, qy, qs), (code_x, code_y, code_size) = _CELLS[layout](head, cw, ch)
    cell_id = writer.form_xobject(cell, cw, ch)
    per_page = cols * rows
    done = 0
    batch: list[str] = []

    def flush():
        nonlocal done
        page = Canvas()
        xobjects = {"Cell": cell_id}
        for i, token in enumerate(batch):
            col, row = i % cols, i // cols
            ox, oy = margin_x + col * cw, page_h - margin_y - (row + 1) * ch
            page.ops.append(f"q 1 0 0 1 {ox:.2f} {oy:.2f} cm /Cell Do Q")
            image_id, _side = _qr_image(writer, base_url, token)
            xobjects[f"Q{i}"] = image_id
            page.image(f"Q{i}", ox + qx, oy + qy, qs)
            page.text_centered(ox + code_x, oy + code_y, grouped(token), code_size, font="courier")
        writer.page(page, xobjects)
        done += len(batch)
        batch.clear()
        if progress:
            progress(done)

    for token in tokens:
        batch.append(token)
        if len(batch) == per_page:
            flush()
            yield writer.take()
    if batch:
        flush()
    yield from writer.finish()


# --- full-page paper ballots ----------------------------------------------------------------

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


class _Flow:
    """Lays the ballot form out top to bottom over as many template pages as it needs."""

    def __init__(self):
        self.pages: list[Canvas] = []
        self.new_page()

    def new_page(self):
        self.c = Canvas()
        self.pages.append(self.c)
        self.y = _TOP

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


def _row_labels(section) -> list[str]:
    criteria = section["config"].get("criteria") or []
    labels = []
    for row in section["rows"]:
        name = row["name"] + (f"（{row['unit']}）" if row.get("unit") else "")
        labels += [f"{name}：{c}" for c in criteria] if criteria else [name]
    return labels


def _grid(flow: _Flow, labels: list[str], columns: list[str], col_w: float, box: tuple[float, float]):
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
    for label in labels:
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
            c.rect(x + col_w * (i + 0.5) - bw / 2, y - row_h / 2 - bh / 2, bw, bh, width=0.7)
        flow.y -= row_h


def _instruction(section) -> str:
    t, cfg = section["type"], section["config"]
    if t == "rating":
        caps = "；".join(f"「{c['option']}」不超过 {round(c['max_share'] * 100)}%" for c in cfg.get("caps", []))
        return "每行选一项，在方框内划“√”；不填为弃权。" + (caps + "。" if caps else "")
    if t == "approve":
        return "每人选一项，在方框内划“√”。"
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
        _grid(flow, _row_labels(section), columns, col_w, (10, 10))
    elif t == "score":
        _grid(flow, _row_labels(section), ["得分"], 70, (48, 15))
    elif t == "choose":
        width = (_RIGHT - _LEFT) / 2
        rows = section["rows"]
        for i in range(0, len(rows), 2):
            flow.need(_ROW)
            for j, row in enumerate(rows[i:i + 2]):
                x = _LEFT + j * width
                flow.c.rect(x, flow.y - 15, 10, 10, width=0.7)
                label = row["name"] + (f"（{row['unit']}）" if row.get("unit") else "")
                flow.c.text(x + 16, flow.y - 14, wrap(label, 10, width - 24, max_lines=1)[0], 10)
            flow.y -= _ROW
        if section["config"].get("write_ins"):
            for _ in range(min(section["config"]["max_choices"], 5)):
                flow.need(_ROW)
                flow.c.rect(_LEFT, flow.y - 15, 10, 10, width=0.7)
                flow.c.text(_LEFT + 16, flow.y - 14, "另选他人：", 10)
                flow.c.line(_LEFT + 70, flow.y - 16, _LEFT + 300, flow.y - 16, width=0.5)
                flow.y -= _ROW
    else:
        for _ in range(5):
            flow.need(_ROW)
            flow.c.line(_LEFT, flow.y - 16, _RIGHT, flow.y - 16, width=0.4, gray=0.4)
            flow.y -= _ROW
    flow.y -= 12


def _paper_template(head: Heading) -> list[Canvas]:
    flow = _Flow()
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
    return flow.pages


def _paper(tokens, base_url, head, progress) -> Iterator[bytes]:
    """One full paper ballot per token (the form itself), its QR code in the top corner."""
    writer = Writer(title=head.title)
    templates = _paper_template(head)
    forms = [writer.form_xobject(t, *A4) for t in templates]
    total = len(forms)
    done = 0
    for token in tokens:
        code = grouped(token)
        for i, form in enumerate(forms):
            page = Canvas()
            page.form("T")
            xobjects = {"T": form}
            if i == 0:
                image_id, _ = _qr_image(writer, base_url, token)
                xobjects["Q"] = image_id
                side = QR_SIDE["paper"]
                page.image("Q", _RIGHT - side, _TOP - side, side)
                page.text_centered(_RIGHT - side / 2, _TOP - side - 10, "扫码在线填写", 7.5)
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
