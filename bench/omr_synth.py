"""Synthetic filled paper ballots for the mark reader's bench (bench/omr.py) and tests
(tests/test_omr.py): a realistic campaign printed by the project's own code, pen marks drawn
into its boxes as a hand would (ticks, crosses, filled boxes, light and heavy strokes,
corrections), then a scanner's faults (rotation, scale, noise, uneven light)."""
from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

from ballots import forms, omr, slips
from ballots.paper_layout import PageLayout
from ballots.tokens import Minter

NAMES = ["王丽华", "李建国", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴刚", "徐明", "孙悦",
         "马超", "朱琳", "胡斌", "郭强", "何雪", "高峰", "林涛", "罗娟", "郑凯", "梁晨"]
UNITS = ["马克思主义学院", "外国语学院", "计算机学院", "医学院", "机关党委"]
BASE_URL = "https://pingyi.example.edu.cn"


def definition(subjects: int = 22) -> dict:
    """A campaign with one round: rating (10 × 4 options), approve, choose with write-ins, score, text."""
    subs = [{"id": 100 + i, "name": NAMES[i % len(NAMES)], "unit": UNITS[i % len(UNITS)], "commitment": "",
             "category": "leader" if i < 10 else ("member" if i < 16 else "candidate")} for i in range(subjects)]
    secs = [
        {"id": 11, "type": "rating", "title": "领导班子成员民主测评", "subject_ids": [s["id"] for s in subs[:10]],
         "config": {"scale": "member"}, "group_ids": []},
        {"id": 12, "type": "approve", "title": "拟发展对象表决", "subject_ids": [s["id"] for s in subs[10:16]],
         "config": {}, "group_ids": []},
        {"id": 13, "type": "choose", "title": "推荐优秀共产党员（限选 3 人）", "subject_ids": [s["id"] for s in subs[16:22]],
         "config": {"max_choices": 3, "write_ins": True}, "group_ids": []},
        {"id": 14, "type": "score", "title": "述职评议量化打分", "subject_ids": [s["id"] for s in subs[:3]],
         "config": {"min": 0, "max": 100}, "group_ids": []},
        {"id": 15, "type": "text", "title": "意见建议", "subject_ids": [], "config": {"max_length": 500}, "group_ids": []},
    ]
    return {"subjects": subs, "rounds": [{"id": 7, "sections": secs}]}


def heading(defn: dict) -> slips.Heading:
    """What service/issuance/operations.heading gives: the sections with their rows (annotate_sections)."""
    from ballots.lifecycle import section_subjects
    subjects = {s["id"]: s for s in defn["subjects"]}
    sections = [dict(sec, rows=section_subjects(sec, subjects)) for sec in defn["rounds"][0]["sections"]]
    return slips.Heading("2026 年度党支部民主评议", "教职工党员", "民主测评", "pingyi.example.edu.cn/vote",
                         criteria="比师德、比业绩、比作风", sections=sections)


def pdf_of(head: slips.Heading, tokens: list[str]) -> bytes:
    return b"".join(slips.iter_pdf(tokens, BASE_URL, head, "paper"))


def tokens(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    m = Minter(b"k" * 32)
    return [m.mint(7, rng.randbytes(10)) for _ in range(n)]


@dataclass
class Pen:
    style: str  # "tick", "cross", "fill", "dot" (too little to tell), "none"
    weight: float  # stroke width in points
    ink: int  # grey level of the ink (0 black … 160 a light pencil)


DPI = 200
PAD = 90  # pixels of scanner bed around the sheet
K = DPI / 72


def _pt(x, y, page_h):
    return int(round(x * K)), int(round((page_h - y) * K))


def draw_mark(img: np.ndarray, rect, pen: Pen, rng: random.Random, page_h: float) -> None:
    """A hand's mark in a box of the page image (drawn before the scanner's distortions)."""
    x, y, w, h = rect
    t = max(1, int(round(pen.weight * K)))
    jitter = lambda v: v + rng.uniform(-1.2, 1.2)  # noqa: E731
    if pen.style == "fill":
        pts = np.array([_pt(jitter(x + 0.8), jitter(y + 0.8), page_h), _pt(jitter(x + w - 0.8), jitter(y + 0.8), page_h),
                        _pt(jitter(x + w - 0.8), jitter(y + h - 0.8), page_h), _pt(jitter(x + 0.8), jitter(y + h - 0.8), page_h)])
        cv2.fillPoly(img, [pts], pen.ink)
        return
    if pen.style == "tick":
        a = (jitter(x + 0.15 * w), jitter(y + 0.5 * h))
        b = (jitter(x + 0.42 * w), jitter(y + 0.12 * h))
        c = (jitter(x + 1.05 * w), jitter(y + 1.1 * h))
        cv2.polylines(img, [np.array([_pt(*a, page_h), _pt(*b, page_h), _pt(*c, page_h)])], False, pen.ink, t, cv2.LINE_AA)
    elif pen.style == "cross":
        for (ax, ay), (bx, by) in (((0.1, 0.1), (0.9, 0.9)), ((0.1, 0.9), (0.9, 0.1))):
            cv2.line(img, _pt(jitter(x + ax * w), jitter(y + ay * h), page_h),
                     _pt(jitter(x + bx * w), jitter(y + by * h), page_h), pen.ink, t, cv2.LINE_AA)
    elif pen.style == "dot":
        centre = _pt(x + w * rng.uniform(0.3, 0.7), y + h * rng.uniform(0.3, 0.7), page_h)
        cv2.circle(img, centre, max(1, int(round(0.8 * pen.weight * K))), pen.ink, -1)


def scribble(img: np.ndarray, rect, rng: random.Random, page_h: float, strokes: int = 6) -> None:
    """Handwriting's stand-in in a region: a few strokes."""
    x, y, w, h = rect
    for i in range(strokes):
        cx = x + w * (0.05 + 0.9 * i / strokes)
        cv2.line(img, _pt(cx, y + h * 0.3, page_h), _pt(cx + w * 0.08, y + h * 0.7, page_h), 30, 2, cv2.LINE_AA)


def distort(img: np.ndarray, rng: random.Random, angle: float = 3.0, scale: float = 0.03) -> np.ndarray:
    """A scanner's faults: rotation, scale, a shift, uneven light and noise. The scan is of an
    area a little larger than the sheet (as a scanner's bed or a photo is), so a tilted sheet
    keeps its corners."""
    img = cv2.copyMakeBorder(img, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=235)
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2 + rng.uniform(-40, 40), h / 2 + rng.uniform(-40, 40)),
                                rng.uniform(-angle, angle), 1 + rng.uniform(-scale, scale))
    m[:, 2] += (rng.uniform(-25, 25), rng.uniform(-25, 25))
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=235).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
    light = 1.0 - 0.22 * (0.5 + 0.5 * (gx * (xx / w - 0.5) + gy * (yy / h - 0.5)) * 2).clip(0, 1)
    out = out * light + np.random.default_rng(rng.getrandbits(32)).normal(0, 7, out.shape).astype(np.float32)
    out = cv2.GaussianBlur(out.clip(0, 255).astype(np.uint8), (0, 0), rng.uniform(0.4, 1.0))  # the optics
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(55, 90)])  # a scanner's JPEG
    return cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)


def page_images(pdf: bytes) -> list[np.ndarray]:
    return list(omr.pdf_pages(pdf, dpi=DPI))


# How often each kind of mark is drawn in a box that is meant (the rest are empty boxes).
STYLES = [("tick", 0.45), ("cross", 0.25), ("fill", 0.3)]


def pick_pen(rng: random.Random) -> Pen:
    style = rng.choices([name for name, _ in STYLES], [share for _, share in STYLES])[0]
    heavy = rng.random() < 0.3
    light = not heavy and rng.random() < 0.25
    return Pen(style, 1.6 if heavy else rng.uniform(0.6, 1.1), rng.randint(110, 170) if light else rng.randint(0, 60))


def fill_ballot(sections: list[forms.FormSection], layouts: list[PageLayout], images: list[np.ndarray],
                rng: random.Random, correct_share: float = 0.05, speck_share: float = 0.01) -> dict:
    """Marks one ballot's page images in place; returns what was meant: box key → "marked" | "empty"
    (a corrected box, filled solid beside a tick in its row, is "empty": the tick counts). One pen
    and one habit a ballot; a voter who fills boxes in corrects with a √ or ×."""
    truth: dict = {}
    page_h = 841.89
    voter = pick_pen(rng)  # one hand, one pen, one habit (√, × or filled in) a ballot
    by_key = {b.key: (i, b) for i, lay in enumerate(layouts) for b in lay.boxes}
    for sec in sections:
        if sec.type in ("rating", "approve"):
            for row in sec.rows:
                keys = [(sec.id, row.key, opt) for opt in sec.options]
                for k in keys:
                    truth[k] = "empty"
                if rng.random() < speck_share:  # a speck of dust or a pen's touch in an empty box
                    i, b = by_key[rng.choice(keys)]
                    draw_mark(images[i], b.rect, Pen("dot", 1.0, rng.randint(0, 90)), rng, page_h)
                    continue  # the row is left blank (an abstention), the speck read as nothing or flagged
                if rng.random() < 0.1:
                    continue  # an abstention: nothing in the row
                chosen = rng.choice(keys)
                pen = voter
                if rng.random() < correct_share:
                    wrong = rng.choice([k for k in keys if k != chosen])
                    i, b = by_key[wrong]
                    draw_mark(images[i], b.rect, Pen("fill", 1.0, rng.randint(0, 50)), rng, page_h)
                    pen = Pen(rng.choice(["tick", "cross"]), pen.weight, pen.ink)
                i, b = by_key[chosen]
                draw_mark(images[i], b.rect, pen, rng, page_h)
                truth[chosen] = "marked"
        elif sec.type == "choose":
            keys = [(sec.id, "subject", row.subject_id) for row in sec.rows]
            picks = rng.sample(keys, rng.randint(0, min(len(keys), sec.config["max_choices"] + 1)))
            for k in keys:
                truth[k] = "marked" if k in picks else "empty"
                if k in picks:
                    i, b = by_key[k]
                    draw_mark(images[i], b.rect, voter, rng, page_h)
            for k, (i, b) in by_key.items():
                if k[0] == sec.id and k[1] == "write_in":
                    truth[k] = "empty"
                    if rng.random() < 0.2:
                        draw_mark(images[i], b.rect, Pen("tick", 0.9, 20), rng, page_h)
                        scribble(images[i], b.region, rng, page_h, 3)
                        truth[k] = "marked"
        else:
            for k, (i, b) in by_key.items():
                if k[0] == sec.id and rng.random() < 0.7:
                    scribble(images[i], b.rect, rng, page_h, 3 if sec.type == "score" else 12)
    return truth
