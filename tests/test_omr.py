"""The paper ballot's mark reader (ballots/omr.py) on pages printed by the project's own code
(bench/omr_synth.py): the markers are OpenCV's, the layout's keys are the form's, a filled
page is read right even tilted and scaled, what is unclear is flagged and not proposed, and a
page without its QR code or markers says so."""
from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from ballots import forms, omr, omr_proposal
from ballots.paper_layout import MARKER_BITS, layout, page_url, split_page
from bench import omr_synth as synth

DEFN = synth.definition()
HEAD = synth.heading(DEFN)
SECTIONS = forms.build_form(DEFN, 7, None)
LAYOUTS = layout(HEAD)


@pytest.fixture(scope="module")
def blank_pages():
    return synth.page_images(synth.pdf_of(HEAD, synth.tokens(1)))


def test_the_printed_markers_are_opencvs_4x4_50_ids_0_to_3():
    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for marker_id, rows in MARKER_BITS.items():
        img = cv2.aruco.generateImageMarker(d, marker_id, 6)
        assert [''.join("1" if img[r, c] else "0" for c in range(1, 5)) for r in range(1, 5)] == list(rows)
    assert sorted(MARKER_BITS) == [0, 1, 2, 3]


def test_the_layouts_keys_are_the_forms_rows():
    boxes = [b for lay in LAYOUTS for b in lay.boxes]
    assert len({b.key for b in boxes}) == len(boxes)  # every box once
    want = set()
    for sec in SECTIONS:
        if sec.type in ("rating", "approve"):
            want |= {(sec.id, row.key, opt) for row in sec.rows for opt in sec.options}
        elif sec.type == "choose":
            want |= {(sec.id, "subject", row.subject_id) for row in sec.rows}
            want |= {(sec.id, "write_in", i) for i in range(sec.config["max_choices"])}
        elif sec.type == "score":
            want |= {(sec.id, row.key) for row in sec.rows}
        else:
            want.add((sec.id,))
    assert {b.key for b in boxes} == want
    assert len(LAYOUTS) == 2 and [lay.page for lay in LAYOUTS] == [1, 2]


def test_criteria_rows_are_keyed_as_the_form_keys_them():
    defn = synth.definition()
    defn["rounds"][0]["sections"][0]["config"]["criteria"] = ["德", "能"]
    head = synth.heading(defn)
    rating = forms.build_form(defn, 7, None)[0]
    keys = {b.key[1] for lay in layout(head) for b in lay.boxes if b.key[0] == rating.id}
    assert keys == {row.key for row in rating.rows} and "100:1" in keys


def test_a_later_pages_code_names_its_page_and_the_url_survives():
    url = "HTTPS://X.CN/B/0007ABC"
    assert split_page(page_url(url, 1)) == (url, 1)
    assert split_page(page_url(url, 2)) == (url, 2)
    assert split_page(" " + page_url(url, 12) + "\n") == (url, 12)


def test_pdf_pages_gives_every_page(blank_pages):
    pdf = synth.pdf_of(HEAD, synth.tokens(3))
    pages = list(omr.pdf_pages(pdf, dpi=100))
    assert len(pages) == 6 and pages[0].dtype == np.uint8
    assert abs(pages[0].shape[0] - 1169) <= 1 and abs(pages[0].shape[1] - 827) <= 1  # A4 at 100 dpi
    assert len(blank_pages) == 2 and blank_pages[0].shape == (2339, 1654)


def test_a_blank_page_is_located_and_reads_empty(blank_pages):
    token_url = synth.slips.ballot_url(synth.BASE_URL, synth.tokens(1)[0])
    for i, img in enumerate(blank_pages):
        located = omr.locate(img)
        assert (located.url, located.page) == (token_url, i + 1)
        x, y, side = LAYOUTS[i].qr  # the code's corners where the homography puts the printed code
        for (u, v), (px, py) in zip(located.qr_corners, [(x, y + side), (x + side, y + side), (x + side, y), (x, y)]):
            quiet = 4 * side / 41  # the four white modules around a version-4 code (later pages: #P2)
            expect = located.homography @ np.array([px + (quiet if px == x else -quiet), py + (quiet if py == y else -quiet), 1])
            assert abs(u - expect[0] / expect[2]) < 25 and abs(v - expect[1] / expect[2]) < 25
        assert LAYOUTS[i].markers[3] == (16.0, 16.0, 28.0)
        read = omr.measure(located, LAYOUTS[i])
        assert {m.state for m in read.marks.values()} == {"empty"}
        assert all(g.blank for g in read.regions.values())


def _filled(seed: int, angle=3.0, scale=0.03):
    rng = random.Random(seed)
    pages = synth.page_images(synth.pdf_of(HEAD, synth.tokens(1, seed)))
    truth = synth.fill_ballot(SECTIONS, LAYOUTS, pages, rng)
    return truth, [synth.distort(p, rng, angle, scale) for p in pages]


def _read(pages):
    reads = []
    for img in pages:
        located = omr.locate(img)
        reads.append(omr.measure(located, LAYOUTS[located.page - 1]))
    return reads


@pytest.mark.parametrize("seed", [5, 6])
def test_a_filled_tilted_scaled_ballot_reads_as_meant(seed):
    truth, pages = _filled(seed)
    proposal = omr.propose(SECTIONS, LAYOUTS, _read(pages[::-1]))  # pages in any order
    flagged = {f.key for f in proposal.flagged}
    for sec in SECTIONS:
        if sec.type in ("rating", "approve"):
            for row in sec.rows:
                meant = [k[2] for k, v in truth.items() if k[:2] == (sec.id, row.key) and v == "marked"]
                if (sec.id, row.key) not in flagged:
                    assert proposal.answers[str(sec.id)].get(row.key) == (meant[0] if meant else None), row.key
        elif sec.type == "choose":
            meant = [k[2] for k, v in truth.items() if k[:2] == (sec.id, "subject") and v == "marked"]
            got = proposal.answers[str(sec.id)]["chosen"]
            assert set(got) | {k[2] for k in flagged if k[:2] == (sec.id, "subject")} >= set(meant)
            assert set(got) <= set(meant)
    assert len(proposal.flagged) <= 2  # nearly everything is sure
    assert {r.kind for r in proposal.to_type} >= {"score", "text"} and all(r.crop[:4] == b"\x89PNG" for r in proposal.to_type)


def test_a_tilt_of_three_degrees_and_three_percent_scale_still_places_every_box(blank_pages):
    for angle, scale in ((3.0, 0.0), (0.0, 0.03)):
        rng = random.Random(11)
        img = synth.distort(blank_pages[0], rng, angle, scale)
        read = omr.measure(omr.locate(img), LAYOUTS[0])
        assert {m.state for m in read.marks.values()} == {"empty"}  # a misplaced box would see its border


def test_a_page_scanned_upside_down_reads_the_same():
    truth, pages = _filled(8, angle=1.0, scale=0.01)
    upright = omr.propose(SECTIONS, LAYOUTS, _read(pages))
    turned = omr.propose(SECTIONS, LAYOUTS, _read([cv2.rotate(p, cv2.ROTATE_180) for p in pages]))
    assert turned.answers == upright.answers and any(v == "marked" for v in truth.values())
    assert any(upright.answers[str(s.id)] for s in SECTIONS if s.type == "rating")


def test_an_unclear_mark_is_flagged_and_not_proposed(blank_pages):
    page = blank_pages[0].copy()
    rating = SECTIONS[0]
    row = rating.rows[0]
    (box,) = [b for b in LAYOUTS[0].boxes if b.key == (rating.id, row.key, rating.options[1])]
    rng = random.Random(2)
    synth.draw_mark(page, box.rect, synth.Pen("dot", 1.0, 40), rng, 841.89)  # a stray dot
    (other,) = [b for b in LAYOUTS[0].boxes if b.key == (rating.id, rating.rows[1].key, rating.options[0])]
    synth.draw_mark(page, other.rect, synth.Pen("tick", 0.8, 30), rng, 841.89)
    read = omr.measure(omr.locate(page), LAYOUTS[0])
    assert read.marks[box.key].state == "uncertain" and read.marks[box.key].confidence == 0
    proposal = omr.propose(SECTIONS, LAYOUTS[:1], [read])
    assert row.key not in proposal.answers[str(rating.id)]
    assert [(f.key, f.reason) for f in proposal.flagged] == [((rating.id, row.key), "uncertain")]
    assert proposal.answers[str(rating.id)] == {rating.rows[1].key: rating.options[0]}


def test_a_solid_box_beside_a_tick_is_a_correction_and_two_ticks_are_flagged(blank_pages):
    page = blank_pages[0].copy()
    rating, rng = SECTIONS[0], random.Random(3)
    box = {b.key: b for b in LAYOUTS[0].boxes}
    r0, r1 = rating.rows[0].key, rating.rows[1].key
    synth.draw_mark(page, box[(rating.id, r0, rating.options[0])].rect, synth.Pen("fill", 1, 20), rng, 841.89)
    synth.draw_mark(page, box[(rating.id, r0, rating.options[2])].rect, synth.Pen("tick", 0.8, 20), rng, 841.89)
    synth.draw_mark(page, box[(rating.id, r1, rating.options[0])].rect, synth.Pen("tick", 0.8, 20), rng, 841.89)
    synth.draw_mark(page, box[(rating.id, r1, rating.options[3])].rect, synth.Pen("cross", 0.8, 20), rng, 841.89)
    proposal = omr.propose(SECTIONS, LAYOUTS[:1], [omr.measure(omr.locate(page), LAYOUTS[0])])
    assert proposal.answers[str(rating.id)] == {r0: rating.options[2]}
    assert proposal.corrected == [(rating.id, r0, rating.options[0])]
    assert [(f.key, f.reason) for f in proposal.flagged] == [((rating.id, r1), "two_marks")]


def test_a_page_without_its_qr_code_or_markers_says_what_is_missing(blank_pages):
    page = blank_pages[0].copy()
    x, y, side = LAYOUTS[0].qr
    k = 200 / 72
    page[int((841.89 - y - side) * k):int((841.89 - y) * k), int(x * k):int((x + side) * k)] = 255
    with pytest.raises(omr.QRNotFound) as e:
        omr.locate(page)
    assert e.value.missing == ("qr",) and "二维码" in e.value.message
    page = blank_pages[0].copy()
    page[:160, :160] = 255  # the top left marker cut off
    with pytest.raises(omr.MarkersNotFound) as e:
        omr.locate(page)
    assert e.value.missing == ("markers",) and e.value.details == {"missing_marker_ids": [0]}
    with pytest.raises(omr.MarkersNotFound) as e:
        omr.locate(np.full((600, 400), 255, np.uint8))
    assert e.value.missing == ("markers", "qr")


def test_pages_of_two_ballots_are_not_proposed_as_one(blank_pages):
    other = synth.page_images(synth.pdf_of(HEAD, synth.tokens(1, seed=9)))[1]
    reads = [omr.measure(omr.locate(blank_pages[0]), LAYOUTS[0]), omr.measure(omr.locate(other), LAYOUTS[1])]
    with pytest.raises(omr_proposal.PagesMismatch):
        omr.propose(SECTIONS, LAYOUTS, reads)
    proposal = omr.propose(SECTIONS, LAYOUTS, reads[:1])
    assert proposal.missing_pages == [2] and ("page", 2) in {f.key for f in proposal.flagged}
