"""Slip layout: each layout prints its QR code at one size and place whatever the text beside it,
titles break at word boundaries and shrink or end in "…" rather than push the code, and a slip
crowded with long text still scans. Read from the PDF itself: the content streams say where the
code is drawn and which lines of text are drawn, pdftoppm and zxing-cpp say what a scanner sees."""
from __future__ import annotations

import io
import math
import re
import subprocess
import zlib

import pytest
from PIL import Image

from ballots import qr, slips
from ballots.linebreak import fit, wrap
from ballots.pdf import A4, printable, song_width
from ballots.tokens import Minter
from tests.conftest import ROOT
from tests.helpers import decode_pdf, rasterise, token_of

LONG_TITLE = "临床医学院 2026 年度先进基层党组织和优秀共产党员民主评议及师生满意度测评"
LONG_HOST = "https://pingyi.medical-college.example-university.edu.cn"  # 47 characters: version 4
HEADS = {
    "one line": (slips.Heading("2026 年度民主测评", "教师", "测评", "x.cn/vote"), "https://x.cn"),
    "two lines": (slips.Heading("临床医学院 2026 年度先进基层党组织和优秀共产党员评选", "教师", "测评", "x.cn/vote"),
                  "https://x.cn"),
    "very long": (slips.Heading(LONG_TITLE * 3, "教师", "测评", "x.cn/vote"), "https://x.cn"),
    "long group": (slips.Heading("2026 年度民主测评", "离退休教职工及附属医院返聘专家、特聘教授和兼职教授",
                                 "第二轮师生满意度测评（五比五看）", "x.cn/vote"), "https://x.cn"),
    "long host": (slips.Heading("2026 年度民主测评", "教师", "测评", LONG_HOST[8:] + "/vote"), LONG_HOST),
    "a long host beyond version 4": (slips.Heading("2026 年度民主测评", "教师", "测评", "x.cn/vote"),
                                     "https://" + "p" * 60 + ".edu.cn"),
}
CROWDED = slips.Heading(LONG_TITLE, "离退休教职工及附属医院返聘专家", "第二轮师生满意度测评（五比五看）",
                        LONG_HOST[8:] + "/vote")
MM = 25.4 / 72


def make_pdf(head, base_url, layout, n=None) -> tuple[bytes, list[str]]:
    per_page = 3 if layout == "paper" else math.prod(slips.LAYOUTS[layout])
    tokens = [Minter(b"k" * 32).mint(77) for _ in range(n or per_page)]
    out = io.BytesIO()
    slips.write_pdf(out, tokens, base_url, head, layout)
    return out.getvalue(), tokens


def streams(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, decoded data) of every stream in the file, in order."""
    header = re.compile(rb"\d+ 0 obj\n<< ([^\n]*)/Length (\d+) >>\nstream\n")
    found, at = [], 0
    while m := header.search(pdf, at):
        at = m.end() + int(m.group(2))
        data = pdf[m.end():at]
        found.append((m.group(1), zlib.decompress(data) if b"/FlateDecode" in m.group(1) else data))
    return found


def qr_placements(pdf: bytes, layout: str) -> set[tuple[float, float, float]]:
    """(side, x, y) of every QR image drawn, x and y from its slip's corner (the page's, on paper)."""
    pages = [data for head, data in streams(pdf) if head.strip() == b"/Filter /FlateDecode"]
    found = set()
    for page in pages:
        if layout == "paper":
            cells = [(0.0, 0.0, *m) for m in re.findall(rb"q ([\d.]+) 0 0 [\d.]+ ([\d.]+) ([\d.]+) cm /Q Do Q", page)]
        else:
            cells = re.findall(rb"q 1 0 0 1 ([\d.]+) ([\d.]+) cm /Cell Do Q\n"
                               rb"q ([\d.]+) 0 0 [\d.]+ ([\d.]+) ([\d.]+) cm /Q\d+ Do Q", page)
        for ox, oy, side, x, y in cells:
            found.add((float(side), round(float(x) - float(ox), 1), round(float(y) - float(oy), 1)))
    return found


def drawn_lines(pdf: bytes) -> list[tuple[float, bool, str]]:
    """(size, bold, text) of every line of Chinese text in the slip's shared form (or the paper template)."""
    form = next(data for head, data in streams(pdf) if b"/Subtype /Form" in head)
    return [(float(size), bool(bold), bytes.fromhex(text.decode()).decode("utf-16-be")) for size, bold, text in
            re.findall(rb"BT /FS ([\d.]+) Tf (2 Tr 0\.35 w )?[\d.-]+ [\d.-]+ Td <([0-9A-F]*)> Tj ET", form)]


def title_lines(pdf):
    return [text for _size, bold, text in drawn_lines(pdf) if bold]


@pytest.mark.parametrize("layout", ["slips-2x4", "slips-3x6", "paper"])
def test_the_qr_code_has_one_size_and_place_whatever_the_text_beside_it(layout):
    placements = {}
    for name, (head, base_url) in HEADS.items():
        pdf, _tokens = make_pdf(head, base_url, layout)
        placements[name] = qr_placements(pdf, layout)
        assert len(placements[name]) == 1, (name, placements[name])  # the same on every slip
    assert len(set(map(frozenset, placements.values()))) == 1, placements
    ((side, _x, _y),) = placements["one line"]
    assert side == slips.QR_SIDE[layout]


def test_a_two_line_title_leaves_the_large_slip_its_37_mm_code():
    """The issue's case: on slips-2x4 the code was 37 mm beside a one-line title, 32 mm beside two."""
    for name in ("one line", "two lines", "very long"):
        pdf, _ = make_pdf(*HEADS[name], "slips-2x4")
        ((side, _x, _y),) = qr_placements(pdf, "slips-2x4")
        assert round(side * MM) == 37, name


@pytest.mark.parametrize("layout,title,words", [
    ("slips-3x6", "外国语学院 2026 年度民主测评", ["外国语学院", "民主测评"]),  # was 外国语学院 2026 年度民 / 主测评
    ("slips-3x6", "2026 年度师生满意度测评", ["满意度", "测评"]),  # was …满意度测 / 评
    ("slips-3x6", "2026 年度教职工民主测评", ["教职工", "民主测评"]),
    ("slips-2x4", LONG_TITLE, ["共产党员", "民主评议", "满意度"]),  # was …优秀共产 / 党员民主评议…
])
def test_titles_are_not_broken_inside_a_word(layout, title, words):
    pdf, _ = make_pdf(slips.Heading(title, "教师", "测评", "x.cn/vote"), "https://x.cn", layout)
    lines = title_lines(pdf)
    assert len(lines) >= 2 and "".join(lines).replace(" ", "") == title.replace(" ", "")  # wrapped, not cut
    for word in words:
        assert any(word in line for line in lines), (word, lines)


def test_a_long_title_without_spaces_breaks_between_words():
    title = "2026年度先进基层党组织和优秀共产党员评选"
    pdf, _ = make_pdf(slips.Heading(title, "教师", "测评", "x.cn/vote"), "https://x.cn", "slips-3x6")
    lines = title_lines(pdf)
    assert len(lines) >= 2 and "".join(lines) == title
    ends = [len("".join(lines[:i + 1])) for i in range(len(lines) - 1)]
    boundaries = {title.index(w) + len(w) for w in ("2026", "年度", "先进", "基层", "党组织", "优秀", "共产党员")}
    assert set(ends) <= boundaries, lines


TITLES = [LONG_TITLE, "2026年度先进基层党组织和优秀共产党员评选", "外国语学院 2026 年度民主测评",
          "离退休教职工及附属医院返聘专家｜第二轮师生满意度测评（五比五看）", "第 2 轮测评", "计算机科学与技术系教工满意度调查",
          "王丽华（马克思主义学院思想政治教育教研室）：政治素质过硬、理想信念坚定"]


@pytest.mark.parametrize("title", TITLES)
def test_no_line_is_one_chinese_character_carried_over(title):
    """At every width from three characters to a whole slip: running text and titles alike."""
    for width in range(30, 300, 3):
        for lines in (wrap(title, 10, width), fit(title, 10, width, 3, 8)[1]):
            lone = [line for line in lines if len(line) == 1 and not line.isascii()]
            assert not lone, (width, lines)
        lines = wrap(title, 10, width)
        assert "".join(lines).replace(" ", "") == title.replace(" ", "")  # nothing lost or added
        assert all(song_width(line, 10) <= width or len(line) <= 2 for line in lines), (width, lines)


def test_a_title_too_long_for_its_lines_shrinks_then_ends_in_an_ellipsis():
    fitting = "临床医学院 2026 年度先进基层党组织和优秀共产党员民主评议及师生满意度测评暨离退休教职工座谈会"
    pdf, _ = make_pdf(slips.Heading(fitting, "教师", "测评", "x.cn/vote"), "https://x.cn", "slips-2x4")
    sizes = {size for size, bold, _text in drawn_lines(pdf) if bold}
    (size,) = sizes
    assert 9 <= size < 12 and "".join(title_lines(pdf)).replace(" ", "") == fitting.replace(" ", "")
    pdf, _ = make_pdf(HEADS["very long"][0], "https://x.cn", "slips-2x4")
    lines = title_lines(pdf)
    assert len(lines) == 2 and lines[-1].endswith("…")
    cw = A4[0] / 2
    assert all(song_width(line, 9) <= cw - 36 for line in lines)


@pytest.mark.parametrize("layout", ["slips-2x4", "slips-3x6"])
@pytest.mark.parametrize("host", [LONG_HOST[8:], "pingyi.affiliated-hospital.medical-college.edu.cn"])
def test_the_address_for_typing_the_code_is_printed_whole(layout, host):
    """On one line, for any host that keeps the code at version 4."""
    assert qr.smallest_version(len(slips.ballot_url(f"https://{host}", "0" * 28))) == 4
    head = slips.Heading(LONG_TITLE, CROWDED.group, CROWDED.round_title, f"{host}/vote")
    pdf, _ = make_pdf(head, f"https://{host}", layout)
    assert any(head.vote_url in text for _size, _bold, text in drawn_lines(pdf)), drawn_lines(pdf)


def words_on_page_1(pdf_path):
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf_path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)]


@pytest.mark.parametrize("layout", ["slips-2x4", "slips-3x6", "paper"])
def test_a_crowded_slip_scans_and_nothing_touches_its_code(layout, tmp_path):
    """Long title, group, round and host: every code decodes, no word lies on a code, and each
    code's quiet zone (4 modules around it) renders white."""
    pdf, tokens = make_pdf(CROWDED, LONG_HOST, layout)
    assert sorted(token_of(u, LONG_HOST) for u in decode_pdf(pdf, tmp_path)) == sorted(tokens)
    (side, qx, qy), = qr_placements(pdf, layout)
    modules = qr.smallest_version(len(slips.ballot_url(LONG_HOST, tokens[0]))) * 4 + 17 + 2 * slips.QUIET
    cols, rows = slips.LAYOUTS.get(layout, (1, 1))
    cw, ch = A4[0] / cols, A4[1] / rows
    boxes = []  # the codes of page 1, in points from the page's top left
    for i in range(len(tokens) if layout != "paper" else 1):
        x, top = (i % cols) * cw + qx, (i // cols + 1) * ch - qy - side
        boxes.append((x, top, x + side, top + side))
    for x0, y0, x1, y1, word in words_on_page_1(tmp_path / "b.pdf"):
        for bx0, by0, bx1, by1 in boxes:
            assert x1 <= bx0 or x0 >= bx1 or y1 <= by0 or y0 >= by1, (word, (x0, y0, x1, y1), (bx0, by0, bx1, by1))
    dpi = 300
    rasterise(tmp_path / "b.pdf", tmp_path / "hi", dpi, "-f", "1", "-l", "1", "-singlefile")
    page = Image.open(tmp_path / "hi.png").convert("L")
    k, quiet = dpi / 72, slips.QUIET * side / modules * dpi / 72
    for bx0, by0, bx1, by1 in boxes:
        outer = [round(v * k) for v in (bx0, by0, bx1, by1)]
        ring = page.crop((outer[0] + 1, outer[1] + 1, outer[2] - 1, outer[3] - 1))
        inner = (round(quiet) - 2, round(quiet) - 2, ring.width - round(quiet) + 2, ring.height - round(quiet) + 2)
        ring.paste(255, inner)  # leave only the quiet zone
        assert ring.getextrema()[0] >= 250, (layout, outer)


def test_the_issuance_page_states_each_layouts_code_and_module_size():
    doc = (ROOT / "docs" / "issuance.md").read_text()
    token = Minter(b"k" * 32).mint(1)
    assert qr.smallest_version(len(slips.ballot_url("http://127.0.0.1:8000", token))) == 3  # the demo host
    for layout, side in slips.QR_SIDE.items():
        (row,) = [line for line in doc.splitlines() if line.startswith(f"| `{layout}` |")]
        mm = side * MM
        modules = [f"{mm / (4 * v + 17 + 2 * slips.QUIET):.2f} mm" for v in (3, 4)]
        assert f"{mm:.1f} mm" in row and all(m in row for m in modules), (row, mm, modules)


@pytest.mark.parametrize("layout", ["slips-2x4", "slips-3x6"])
def test_long_titles_and_names_stay_inside_their_slip_and_do_not_overlap(layout, tmp_path):
    head = slips.Heading(title="临床医学院 2026 年度先进基层党组织和优秀共产党员民主评议及师生满意度测评",
                         group="离退休教职工及附属医院返聘专家", round_title="第二轮师生满意度测评（五比五看）",
                         vote_url="pingyi.example-university.edu.cn/vote")
    m = Minter(b"k" * 32)
    path = tmp_path / "s.pdf"
    with open(path, "wb") as f:
        minted = [m.mint(77) for _ in range(8)]
        slips.write_pdf(f, minted, "https://pingyi.example-university.edu.cn", head, layout)
    cols, rows = slips.LAYOUTS[layout]
    cw, ch = 595.28 / cols, 841.89 / rows
    words = _words(path)
    assert any(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", w[4]) for w in words)
    for x0, y0, x1, y1, w in words:
        col, row = int(x0 // cw), int(y0 // ch)
        assert x1 <= (col + 1) * cw + 0.5 and y1 <= (row + 1) * ch + 0.5, (w, x0, y0, x1, y1)  # inside its slip
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert not (overlap_x > 1 and overlap_y > 1), (a, b)
    decoded = decode_pdf(path.read_bytes(), tmp_path)  # a long host: version-4 codes, each read back
    assert sorted(token_of(u, "https://pingyi.example-university.edu.cn") for u in decoded) == sorted(minted)


def test_characters_beyond_the_bmp_print_as_a_box():
    assert printable("张𠮷😀") == "张□□"


def test_paper_ballots_number_sections_past_ten_and_wrap_long_rows(tmp_path):
    rows = [{"name": "王丽华", "unit": "马克思主义学院思想政治教育教研室", "commitment": ""}]
    sections = [{"type": "rating", "title": f"第{i}题", "config": {"scale": "member", "criteria": [
        "政治素质过硬、理想信念坚定", "政治素质过硬、业务能力突出", "政治素质过硬、群众评价良好"]}, "rows": rows}
        for i in range(12)]
    head = slips.Heading("标题", "教师", "测评", "x.cn/vote", sections=sections)
    path = tmp_path / "p.pdf"
    with open(path, "wb") as f:
        slips.write_pdf(f, [Minter(b"k" * 32).mint(3)], "https://x.cn", head, "paper")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "十一、第10题" in text and "十二、第11题" in text
    assert "业务能力突出" in text.replace("\n", "")  # the criterion survives the wrapping


def _words(pdf_path):
    """Every word pdftotext finds on page 1, with its box."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf_path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)]
