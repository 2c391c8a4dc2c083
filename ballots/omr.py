"""Reading scanned paper ballots (optical mark reading). Pure Python over OpenCV and zxing-cpp.

    pdf_pages(data)                  a scanned PDF's pages as greyscale images
    locate(image)                    the page's QR code (which ballot, which page) and its homography
    measure(located, page_layout)    every box's fill, and image crops, on that page
    propose(sections, layouts, reads) the answers the marks are sure of, and what a teller must see

The page is placed by its four ArUco markers (paper_layout.py): a homography from page points to
image pixels, so a tilted, shifted or scaled scan reads the same. The page is then warped to a
straight 200 dpi picture and each box measured inside its printed border: a pixel is ink when it
is darker than the paper around that box by a share (the local background, so uneven light or a
grey scan does not fill empty boxes), and a box's fill is its share of ink pixels.

A box is "empty" (fill < 3 %), "marked" (≥ 10 %) or "uncertain" in between (a dot, a smudge,
an erased mark). Any mark counts: a √, a × or the box filled in.

Correcting a mark (the ballot's instruction line says so): fill the wrong box in solid (涂黑) and
mark the right one with √. In a rating or approve row, where one answer is allowed, a solid box
beside one √ or × is read as corrected and the √ or × counts. A row with only a solid box counts
it. In a choose section, where several marks are allowed, a solid box beside √ or × marks is
flagged for the tellers (it may be a correction or a choice). Nothing is ever guessed: an
uncertain box, or two marks in a row that the correction rule does not explain, is flagged and
its row left out of the proposal. More choices than a choose section allows are proposed as read:
the service counts such a section as invalid (废票) with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import cv2
import numpy as np
import zxingcpp

from .paper_layout import Box, PageLayout, Rect, marker_corners, split_page
from .pdf import A4

R = 200 / 72  # pixels per point of the straightened page
EMPTY_BELOW, MARKED_FROM = 0.03, 0.10  # shares of a box's inside that is ink
SOLID_FROM, NOT_SOLID_BELOW = 0.88, 0.80
INK = 0.2  # a pixel this much darker than its paper is ink
INSET = 1.6  # points inside a box's printed edge (the border and a pixel of misplacement)


class PageNotRead(Exception):
    """A page the reader cannot place. `missing` names what was not found: "qr", "markers"."""

    def __init__(self, missing: tuple[str, ...], message: str, details: dict | None = None):
        super().__init__(message)
        self.missing, self.message, self.details = missing, message, details or {}


class QRNotFound(PageNotRead):
    def __init__(self, details=None):
        super().__init__(("qr",), "页面上找不到可读的二维码：请检查扫描是否完整、清晰。", details)


class MarkersNotFound(PageNotRead):
    def __init__(self, missing_ids: list[int], qr_found: bool):
        what = ("markers",) if qr_found else ("markers", "qr")
        super().__init__(what, f"页面四角的定位标记缺少 {len(missing_ids)} 个（编号 {missing_ids}）："
                               "请扫描整页，不要裁切页边。" + ("" if qr_found else "二维码也未找到。"),
                         {"missing_marker_ids": missing_ids})


def pdf_pages(data: bytes, dpi: int = 200) -> Iterator[np.ndarray]:
    """Every page of a PDF (a scan) as a greyscale image (numpy uint8, rows × columns), in order."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            yield np.array(bitmap.to_numpy()).reshape(bitmap.height, bitmap.width, -1)[:, :, 0].copy()
            page.close()
    finally:
        doc.close()


def gray(image) -> np.ndarray:
    """A greyscale uint8 array from a numpy image (grey, BGR or BGRA) or a PIL image."""
    a = np.asarray(image.convert("L")) if hasattr(image, "convert") else np.asarray(image)
    if a.ndim == 3:
        a = cv2.cvtColor(a, cv2.COLOR_BGRA2GRAY if a.shape[2] == 4 else cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(a, dtype=np.uint8)


@dataclass
class Located:
    url: str  # the ballot URL the QR code gives (the page's "#P<n>" taken off)
    page: int  # from 1
    homography: np.ndarray  # 3 × 3: page points (origin bottom left) → image pixels
    image: np.ndarray = field(repr=False)  # the greyscale scan
    qr_corners: list = field(default_factory=list)  # image pixels: top left, top right, bottom right, bottom left


_DETECTOR = None


def _markers(g: np.ndarray) -> dict[int, np.ndarray]:
    global _DETECTOR
    if _DETECTOR is None:
        params = cv2.aruco.DetectorParameters()
        params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
        _DETECTOR = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), params)
    # Found at half size (four times faster; a marker is still 39 px a side at 200 dpi), then
    # their corners refined at full size; the full size again if any is missing.
    small = cv2.resize(g, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) if min(g.shape) > 1200 else None
    found = _detect(small) if small is not None else {}
    if len(found) == 4:
        pts = (np.concatenate(list(found.values())) * 2 + 0.5).astype(np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.05)
        pts = cv2.cornerSubPix(g, pts.reshape(-1, 1, 2), (5, 5), (-1, -1), criteria).reshape(-1, 4, 2)
        return dict(zip(found, pts))
    return _detect(g)


def _detect(g: np.ndarray) -> dict[int, np.ndarray]:
    corners, ids, _rejected = _DETECTOR.detectMarkers(g)
    found = {}
    for c, i in zip(corners, [] if ids is None else ids.ravel()):
        if 0 <= int(i) <= 3 and int(i) not in found:
            found[int(i)] = c.reshape(4, 2)
    return found


def _qr(g: np.ndarray):
    for code in zxingcpp.read_barcodes(g, formats=zxingcpp.BarcodeFormat.QRCode):
        if "/B/" in code.text.upper():
            p = code.position
            return code.text, [(pt.x, pt.y) for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    return None


def locate(image) -> Located:
    """Find the page's QR code and its four markers. Raises QRNotFound or MarkersNotFound."""
    g = gray(image)
    found = _markers(g)
    missing = [i for i in range(4) if i not in found]
    qr = None
    if not missing:
        src = np.array([pt for i in range(4) for pt in marker_corners(i)], dtype=np.float64)
        dst = np.array([pt for i in range(4) for pt in found[i]], dtype=np.float64)
        h, _mask = cv2.findHomography(src, dst, 0)
        if h is None:
            raise MarkersNotFound([0, 1, 2, 3], True)
        qr = _qr(_straight(g, h, _qr_window()))
        if qr is not None:  # corners in the window → in the scan
            x0, y0 = _qr_window()[:2]
            qr = qr[0], [_to_image(h, x0 + u / R, y0 - v / R) for u, v in qr[1]]
    if qr is None:
        qr = _qr(g)
    if missing:
        raise MarkersNotFound(missing, qr is not None)
    if qr is None:
        raise QRNotFound()
    url, page = split_page(qr[0])
    return Located(url, page, h, g, qr[1])


def _qr_window():
    """(left, top, width, height) in points of the area around the QR code, the same on every page."""
    from .paper_layout import QR_AT, QR_SIDE
    return QR_AT[0] - 12, QR_AT[1] + QR_SIDE + 12, QR_SIDE + 24, QR_SIDE + 24


def _to_image(h: np.ndarray, x: float, y: float) -> tuple[float, float]:
    u, v, w = h @ np.array([x, y, 1.0])
    return float(u / w), float(v / w)


def _straight(g: np.ndarray, h: np.ndarray, window=None) -> np.ndarray:
    """The scan warped to a straight picture at R pixels a point: the whole page, or a window
    (left, top, width, height in points)."""
    left, top, w, hgt = window or (0.0, A4[1], A4[0], A4[1])
    s = np.array([[1 / R, 0, left], [0, -1 / R, top], [0, 0, 1]])  # straight pixel → page point
    size = (int(round(w * R)), int(round(hgt * R)))
    return cv2.warpPerspective(g, h @ s, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


@dataclass
class MarkRead:
    key: tuple
    state: str  # "marked" | "empty" | "uncertain"
    fill: float  # share of the box's inside that is ink
    solid: bool | None  # filled in (a correction beside a √), None: cannot tell
    confidence: float  # 0 (uncertain) … 1
    crop: bytes = field(repr=False)  # PNG of the box and a little around it, straightened


@dataclass
class RegionRead:
    key: tuple
    kind: str  # "score" | "write_in" | "text"
    ink: float  # share of ink pixels (printed lines left out)
    crop: bytes = field(repr=False)  # PNG, straightened

    @property
    def blank(self) -> bool:
        return self.ink < 0.003


@dataclass
class PageRead:
    url: str
    page: int
    pages: int
    marks: dict[tuple, MarkRead]
    regions: dict[tuple, RegionRead]


def _pixels(rect: Rect, inset: float = 0.0) -> tuple[slice, slice]:
    x, y, w, h = rect
    top, bottom = (A4[1] - (y + h) + inset) * R, (A4[1] - y - inset) * R
    return slice(int(round(top)), int(round(bottom))), slice(int(round((x + inset) * R)), int(round((x + w - inset) * R)))


def _png(a: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", a)
    return data.tobytes() if ok else b""


def _grown(rect: Rect, by: float) -> Rect:
    x, y, w, h = rect
    return x - by, y - by, w + 2 * by, h + 2 * by


def _ink(page: np.ndarray, rect: Rect, inset: float) -> np.ndarray:
    """Ink pixels (True) inside rect, judged against the paper around it."""
    around = page[_pixels(_grown(rect, 6.0))]
    paper = max(float(np.percentile(around, 90)), 40.0)
    inside = page[_pixels(rect, inset)].astype(np.float32)
    return (paper - inside) / paper > INK


def _mark(page: np.ndarray, box: Box) -> MarkRead:
    ink = _ink(page, box.rect, INSET)
    fill = float(ink.mean()) if ink.size else 0.0
    if fill < EMPTY_BELOW:
        state, confidence = "empty", 1.0 - fill / EMPTY_BELOW
    elif fill >= MARKED_FROM:
        state, confidence = "marked", min(1.0, (fill - MARKED_FROM) / MARKED_FROM + 0.5)
    else:
        state, confidence = "uncertain", 0.0
    solid = True if fill >= SOLID_FROM else (False if fill < NOT_SOLID_BELOW else None)
    return MarkRead(box.key, state, round(fill, 4), solid, round(confidence, 3), _png(page[_pixels(_grown(box.rect, 4.0))]))


def _region(page: np.ndarray, key: tuple, kind: str, rect: Rect) -> RegionRead:
    ink = _ink(page, rect, 1.5 if kind == "score" else 0.0).astype(np.uint8)
    # printed rules are long and straight: take them out before counting handwriting
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(40 * R), 1)))
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 7)))
    writing = ink & (1 - lines)
    share = float(writing.mean()) if writing.size else 0.0
    return RegionRead(key, kind, round(share, 4), _png(page[_pixels(_grown(rect, 2.0))]))


def measure(located: Located, page_layout: PageLayout) -> PageRead:
    """Every box of this page: mark boxes' fill and state, regions' crops (score, write-in lines, text)."""
    if located.page != page_layout.page:
        raise ValueError(f"the scan is page {located.page}, the layout page {page_layout.page}")
    page = _straight(located.image, located.homography)
    page = cv2.GaussianBlur(page, (3, 3), 0)
    marks, regions = {}, {}
    for box in page_layout.boxes:
        if box.kind in ("mark", "write_in"):
            marks[box.key] = _mark(page, box)
        if box.kind == "write_in":
            regions[box.key] = _region(page, box.key, "write_in", box.region)
        elif box.kind in ("score", "text"):
            regions[box.key] = _region(page, box.key, box.kind, box.rect)
    return PageRead(located.url, located.page, page_layout.pages, marks, regions)


def propose(sections: list, layouts: list[PageLayout], reads: list[PageRead]):
    """The answers (ballots.forms format) the marks of one ballot's pages are sure of, and what a
    teller must decide or type: an omr_proposal.Proposal (the rules: this module's docstring)."""
    from .omr_proposal import propose as _propose
    return _propose(sections, layouts, reads)
