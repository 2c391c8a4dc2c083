"""Printable ballots: A4 sheets of cut-out slips, and full-page paper ballots (paper_ballot.py).

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
from .linebreak import fit
from .pdf import A4, Canvas, Writer
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


def slip_face(base_url: str, token: str) -> tuple[str, str]:
    """What a ballot prints of itself: the URL in its QR code and the typable code. The PDFs draw
    these, and a batch's codes CSV (service/issuance/codes.py) carries the same two."""
    return ballot_url(base_url, token), grouped(token)


def _qr_image(writer: Writer, url: str) -> tuple[int, int]:
    m = qr.matrix(url, mask=0)
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
        from .paper_ballot import paper
        return paper(tokens, base_url, head, progress)
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
            url, code = slip_face(base_url, token)
            col, row = i % cols, i // cols
            ox, oy = margin_x + col * cw, page_h - margin_y - (row + 1) * ch
            page.ops.append(f"q 1 0 0 1 {ox:.2f} {oy:.2f} cm /Cell Do Q")
            image_id, _side = _qr_image(writer, url)
            xobjects[f"Q{i}"] = image_id
            page.image(f"Q{i}", ox + qx, oy + qy, qs)
            page.text_centered(ox + code_x, oy + code_y, code, code_size, font="courier")
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
