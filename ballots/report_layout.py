"""The page flow of the reports to file (the results report, the 公示 notice): text that wraps,
tables that carry their heading onto the next page, bar charts drawn as vectors, QR codes and
signature lines, on A4 pages in the document's font (ballots.fonts, else STSong-Light)."""
from __future__ import annotations

from .charts import COLOURS, FALLBACK
from .display import half_up
from .linebreak import wrap
from .pdf import A4, Canvas, Writer

LEFT, RIGHT, TOP, BOTTOM = 50.0, A4[0] - 50.0, A4[1] - 50.0, 50.0
ROW = 17.0


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def colour(option: str, i: int) -> tuple[float, float, float]:
    return _rgb(COLOURS.get(option, FALLBACK[i % len(FALLBACK)]))


class Pages:
    """A document's pages; `footer` is printed at the foot of each with its number."""

    def __init__(self, writer: Writer, footer: str):
        self.writer, self.footer, self.number = writer, footer, 0
        self.c, self.xobjects = None, {}
        self.new()

    def measure(self, ch: str) -> float:
        return self.c.width(ch, 1000)

    def new(self):
        if self.c is not None:
            self.writer.page(self.c, self.xobjects or None)
            self.xobjects = {}
        self.number += 1
        self.c = Canvas(self.writer.cjk)
        if self.footer:  # one line within the margins: a long title ends in "…", the number stays
            number = f"｜第 {self.number} 页"
            head = self.wrap(self.footer, 8, RIGHT - LEFT - self.c.width(number, 8), max_lines=1)
            self.c.text(LEFT, 28, "".join(head[:1]) + number, 8)
        self.y = TOP

    def need(self, h):
        if self.y - h < BOTTOM:
            self.new()
            return True
        return False

    def wrap(self, s: str, size: float, width: float, max_lines: int | None = None) -> list[str]:
        return wrap(s, size, width, max_lines, measure=self.measure)

    def text(self, s, size=10, bold=False, gap=4, indent=0.0, centred=False):
        for line in self.wrap(s, size, RIGHT - LEFT - indent):
            self.need(size + gap)
            if centred:
                self.c.text_centered((LEFT + RIGHT) / 2, self.y - size, line, size, fake_bold=bold)
            else:
                self.c.text(LEFT + indent, self.y - size, line, size, fake_bold=bold)
            self.y -= size + gap

    def right(self, s, size=10, gap=4):
        """Set flush right (a date, an issuer), wrapped within the margins when it is long."""
        for line in self.wrap(s, size, RIGHT - LEFT):
            self.need(size + gap)
            self.c.text(RIGHT - self.c.width(line, size), self.y - size, line, size)
            self.y -= size + gap

    def table(self, headings, widths, rows, size=9, left=("对象", "候选人", "群体", "姓名（名称）", "单位", "称号", "序号"),
              wrap=False):
        """Columns of `widths` (points); the columns headed by one of `left` set flush left, the
        figures flush right. A cell too wide for its column is cut short with …, or, with `wrap`,
        set on as many lines as it takes: the row grows, and moves whole to the next page when it
        fits there, else splits line by line with the heading repeated."""
        flush = [h not in left for h in headings]

        def head():
            self.c.rect(LEFT, self.y - ROW, sum(widths), ROW, width=0.4, fill=0.93)
            x = LEFT
            for h, w, right in zip(headings, widths, flush):
                h = self.wrap(h, size, w - 4, max_lines=1)[0]
                self.c.text(x + w - 3 - self.c.width(h, size) if right else x + 3, self.y - 12, h, size, fake_bold=True)
                x += w
            self.y -= ROW
        self.need(ROW * 2)
        head()
        for row in rows:
            cells = [self.wrap(str(v), size, w - (8 if wrap else 5), max_lines=None if wrap else 1)
                     if v not in ("", None) else [] for v, w in zip(row, widths)]
            self._row(cells, widths, flush, size, head)
        self.y -= 8

    def _row(self, cells: list[list[str]], widths, flush, size, head) -> None:
        """A table row of cells already broken into lines; the first line sits as a one-line row's."""
        lead = size + 3.0
        done, total = 0, max(1, *map(len, cells))
        height = lambda n: ROW + lead * (n - 1)  # noqa: E731
        if self.y - height(total) < BOTTOM and height(total) <= TOP - BOTTOM - ROW:
            self.new()
            head()
        while done < total:
            fits = max(0, int((self.y - BOTTOM - ROW) // lead) + 1)
            if fits < 1:
                self.new()
                head()
                continue
            n = min(fits, total - done)
            x = LEFT
            for lines, w, right in zip(cells, widths, flush):
                for k, line in enumerate(lines[done:done + n]):
                    at = x + w - 3 - self.c.width(line, size) if right else x + 3
                    self.c.text(at, self.y - 12 - k * lead, line, size)
                x += w
            self.y -= height(n)
            self.c.line(LEFT, self.y, LEFT + sum(widths), self.y, width=0.3, gray=0.6)
            done += n

    def stacked_bars(self, rows: list[tuple[str, dict]], options: list[str], caption: str):
        """One bar a subject, split by the shares of each option among its marks; a legend above."""
        label_w, bar_w, h = 130.0, 300.0, 13.0
        self.need(30 + h * min(len(rows), 3))
        self.text(caption, 9, gap=3)
        x = LEFT + label_w
        for i, opt in enumerate(options):
            self.c.fill(x, self.y - 9, 8, 8, colour(opt, i))
            self.c.text(x + 10, self.y - 8.5, opt, 8)
            x += 16 + self.c.width(opt, 8)
        self.y -= 13
        for name, counts in rows:
            self.need(h)
            self.c.text(LEFT, self.y - 10, self.wrap(name, 8, label_w - 6, max_lines=1)[0], 8)
            total, x = sum(counts.values()), LEFT + label_w
            for i, opt in enumerate(options):
                if total and counts.get(opt):
                    w = bar_w * counts[opt] / total
                    self.c.fill(x, self.y - h + 2, w, h - 3, colour(opt, i))
                    x += w
            self.c.text(LEFT + label_w + bar_w + 4, self.y - 10, str(total), 8)
            self.y -= h
        self.y -= 6

    def ranking_bars(self, rows: list[tuple[str, float | None]], caption: str, line: float | None = None,
                     line_label: str = "", scale_max: float = 100):
        """Horizontal bars with their figures (rounded half up, as the tables), an optional line."""
        label_w, bar_w, h = 130.0, 300.0, 13.0
        self.need(30 + h * min(len(rows), 3))
        self.text(caption, 9, gap=3)
        top = self.y
        for name, value in rows:
            if self.need(h):
                top = self.y
            self.c.text(LEFT, self.y - 10, self.wrap(name, 8, label_w - 6, max_lines=1)[0], 8)
            if value is not None:
                w = bar_w * max(0.0, min(value / scale_max, 1.0))
                self.c.fill(LEFT + label_w, self.y - h + 2, w, h - 3, _rgb("#b3261e"))
                self.c.text(LEFT + label_w + w + 4, self.y - 10, f"{float(half_up(value, 1)):g}", 8)
            self.y -= h
        if line is not None:
            lx = LEFT + label_w + bar_w * line / scale_max
            self.c.line(lx, top, lx, self.y, width=0.6)
            self.c.text(lx - self.c.width(line_label, 7) / 2, self.y - 8, line_label, 7)
            self.y -= 10
        self.y -= 6

    def signatures(self, labels=("计票人", "监票人")):
        """Lines to sign on, and the date to write by hand."""
        self.need(60)
        self.y -= 18
        x = LEFT
        for label in labels:
            self.c.text(x, self.y, f"{label}（签名）：", 10)
            start = x + self.c.width(f"{label}（签名）：", 10)
            self.c.line(start, self.y - 2, start + 100, self.y - 2, width=0.5)
            x = start + 120
        self.y -= 28
        self.c.text(LEFT, self.y, "日期：　　　　年　　月　　日", 10)
        self.y -= 20

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

    def close(self):
        self.writer.page(self.c, self.xobjects or None)
