"""Server-side SVG charts for results pages: plain SVG with presentation attributes only (no
inline styles, no script), so they print, scale, and pass a strict CSP."""
from __future__ import annotations

from html import escape

from .display import half_up

COLOURS = {"满意": "#1e7b3a", "基本满意": "#8cc084", "不满意": "#c0392b", "不了解": "#b8b2ad",
           "优秀": "#1e7b3a", "合格": "#8cc084", "基本合格": "#e0a93b", "不合格": "#c0392b",
           "赞成": "#1e7b3a", "不赞成": "#c0392b", "弃权": "#b8b2ad"}
FALLBACK = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948"]
LABEL_W, BAR_W, ROW_H = 190, 420, 26


def _figure(value) -> str:
    """A bar's figure, rounded half up as the tables round it (82.25 → 82.3; 80.0 → 80)."""
    return f"{float(half_up(value, 1)):g}"


def _svg(width, height, body, title):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
            f'width="100%" font-family="Noto Sans CJK SC, sans-serif" font-size="13">'
            f"<title>{escape(title)}</title>{body}</svg>")


def _label(y, text):
    text = text if len(text) <= 14 else text[:13] + "…"
    return f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end" fill="#1d1b1a">{escape(text)}</text>'


def stacked_bars(rows: list[tuple[str, dict]], options: list[str], title: str) -> str:
    """One bar a subject: the shares of each option among its marks (all groups together)."""
    legend_h = 28
    height = legend_h + ROW_H * len(rows) + 8
    parts = []
    x = LABEL_W
    for i, opt in enumerate(options):
        colour = COLOURS.get(opt, FALLBACK[i % len(FALLBACK)])
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="17" fill="#1d1b1a">{escape(opt)}</text>')
        x += 28 + 14 * len(opt)
    for r, (name, counts) in enumerate(rows):
        y = legend_h + r * ROW_H
        parts.append(_label(y, name))
        total = sum(counts.values())
        x = float(LABEL_W)
        for i, opt in enumerate(options):
            n = counts.get(opt, 0)
            if total and n:
                w = BAR_W * n / total
                colour = COLOURS.get(opt, FALLBACK[i % len(FALLBACK)])
                parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="18" fill="{colour}">'
                             f"<title>{escape(name)} {escape(opt)} {n}</title></rect>")
                x += w
        parts.append(f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 17}" fill="#6b6460">{total}</text>')
    return _svg(LABEL_W + BAR_W + 50, height, "".join(parts), title)


def ranking_bars(rows: list[tuple[str, float | None, int | None]], title: str, scale_max: float = 100,
                 line: float | None = None, line_label: str = "") -> str:
    """Horizontal bars, highest first, with an optional reference line (a majority, a pass mark)."""
    height = ROW_H * len(rows) + 30
    parts = []
    for r, (name, value, rank) in enumerate(rows):
        y = r * ROW_H
        parts.append(_label(y, f"{rank}. {name}" if rank else name))
        if value is not None:
            w = BAR_W * max(0.0, min(value / scale_max, 1.0))
            parts.append(f'<rect x="{LABEL_W}" y="{y + 4}" width="{w:.1f}" height="18" fill="#b3261e"/>'
                         f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 17}" fill="#1d1b1a">{_figure(value)}</text>')
    if line is not None:
        lx = LABEL_W + BAR_W * line / scale_max
        bottom = ROW_H * len(rows) + 4
        parts.append(f'<line x1="{lx:.1f}" y1="0" x2="{lx:.1f}" y2="{bottom}" stroke="#1d1b1a" '
                     f'stroke-dasharray="4 3"/><text x="{lx:.1f}" y="{bottom + 16}" text-anchor="middle" '
                     f'fill="#1d1b1a">{escape(line_label)}</text>')
    return _svg(LABEL_W + BAR_W + 60, height, "".join(parts), title)
