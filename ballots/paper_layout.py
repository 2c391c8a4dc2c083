"""Where things are on a printed paper ballot, for the mark reader (ballots/omr.py).

Every page carries four fiducial markers, one per corner (ArUco DICT_4X4_50, ids 0–3: top left,
top right, bottom right, bottom left), drawn as filled rectangles, and a QR code in the top right
corner: page 1 the voting URL (slips.ballot_url), later pages the same URL with "#P<n>" after it.
A fragment never reaches the server, so a phone that scans a later page still opens the ballot.

`layout(head)` is recorded by the code that draws the ballot (paper_ballot.py): each box it draws
is noted with its key, so the reader and the printed page cannot disagree. Coordinates are PDF
points on A4, origin bottom left. Box keys follow the answers of ballots/forms.py:

    rating, approve   (section_id, row_key, option_label)     a mark box
    choose            (section_id, "subject", subject_id)     a mark box
                      (section_id, "write_in", i)             a mark box, and `region` its line
    score             (section_id, row_key)                   a region (handwritten digits)
    text              (section_id,)                           a region (handwriting)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .pdf import A4, Canvas

# ArUco DICT_4X4_50 ids 0–3, row by row inside the black border, "1" a white cell (OpenCV's
# own convention); tests/test_omr.py checks them against cv2.aruco's dictionary.
MARKER_BITS = {
    0: ("1011", "0101", "0011", "0010"),
    1: ("0000", "1111", "1001", "1010"),
    2: ("0011", "0011", "0010", "1101"),
    3: ("1001", "1001", "0100", "0110"),
}
MARKER_SIDE = 28.0  # points: 6 cells (border included) of 4.67 pt, about 13 px at 200 dpi
MARKER_MARGIN = 16.0  # from the paper's edge: inside what office printers can print
QR_SIDE = 92.0  # slips.QR_SIDE["paper"]
QR_AT = (A4[0] - 50.0 - QR_SIDE, A4[1] - 40.0 - QR_SIDE)  # its bottom left corner


def marker_positions() -> dict[int, tuple[float, float, float]]:
    """id → (x, y, side) of each marker's bottom left corner, in points."""
    lo, hi_x, hi_y = MARKER_MARGIN, A4[0] - MARKER_MARGIN - MARKER_SIDE, A4[1] - MARKER_MARGIN - MARKER_SIDE
    return {0: (lo, hi_y, MARKER_SIDE), 1: (hi_x, hi_y, MARKER_SIDE), 2: (hi_x, lo, MARKER_SIDE), 3: (lo, lo, MARKER_SIDE)}


def marker_corners(marker_id: int) -> list[tuple[float, float]]:
    """The marker's four corners in ArUco's order (its top left, top right, bottom right, bottom left)."""
    x, y, s = marker_positions()[marker_id]
    return [(x, y + s), (x + s, y + s), (x + s, y), (x, y)]


def draw_markers(c: Canvas) -> None:
    """The four markers: a black square each, its white cells painted over it."""
    for marker_id, (x, y, s) in marker_positions().items():
        cell = s / 6
        c.fill(x, y, s, s, (0, 0, 0))
        for r, bits in enumerate(MARKER_BITS[marker_id]):
            for col, bit in enumerate(bits):
                if bit == "1":
                    c.fill(x + cell * (col + 1), y + s - cell * (r + 2), cell, cell, (1, 1, 1))


def page_url(url: str, page: int) -> str:
    """What a page's QR code says: the ballot URL, with "#P<n>" from page 2 on."""
    return url if page == 1 else f"{url}#P{page}"


_PAGE = re.compile(r"#P(\d{1,3})$")


def split_page(text: str) -> tuple[str, int]:
    """(ballot URL, page number) from a scanned QR code's text (or what a USB scanner typed)."""
    m = _PAGE.search(text.strip())
    return (text.strip()[:m.start()], int(m.group(1))) if m else (text.strip(), 1)


Rect = tuple[float, float, float, float]  # x, y, width, height (bottom left corner)


@dataclass(frozen=True)
class Box:
    key: tuple
    kind: str  # "mark" (rating/approve/choose), "write_in" (a mark box and a line), "score", "text"
    rect: Rect  # the printed box (mark, write_in, score) or the writing area (text)
    region: Rect | None = None  # write_in: the line to write the name on


@dataclass
class PageLayout:
    page: int  # from 1
    pages: int
    markers: dict[int, tuple[float, float, float]] = field(default_factory=marker_positions)
    qr: tuple[float, float, float] = (*QR_AT, QR_SIDE)
    boxes: list[Box] = field(default_factory=list)

    def marks(self) -> list[Box]:
        return [b for b in self.boxes if b.kind in ("mark", "write_in")]


def row_keys(section: dict) -> list[tuple[str, str]]:
    """(row key, printed label) of a rating/approve/score section, as ballots.forms.build_form keys them."""
    criteria = section["config"].get("criteria") or []
    out = []
    for row in section["rows"]:
        name = row["name"] + (f"（{row['unit']}）" if row.get("unit") else "")
        if criteria and section["type"] in ("rating", "score"):
            out += [(f"{row.get('id')}:{i}", f"{name}：{c}") for i, c in enumerate(criteria)]
        else:
            out.append((str(row.get("id")), name))
    return out


def layout(head) -> list[PageLayout]:
    """Every page of this heading's paper ballot, with its markers, QR code and boxes."""
    from .paper_ballot import template

    _canvases, pages = template(head)
    return pages
