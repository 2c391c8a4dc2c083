"""A small streaming PDF writer: objects go out as they are made, so memory does not grow
with the number of pages. Enough for ballot slips and paper ballots: Chinese text in the
standard CID font STSong-Light (not embedded; every PDF viewer maps it to a Song/Ming face),
Courier for codes, lines and boxes, 1-bit images for QR codes, and shared form XObjects.
"""
from __future__ import annotations

import zlib
from array import array

A4 = (595.28, 841.89)
MM = 72 / 25.4

# Widths (1/1000 em) of ASCII 0x20–0x7E in STSong-Light (its half-width CIDs 1–95);
# every other character is a full-width 1000.
_SONG_ASCII = [
    207, 270, 342, 467, 462, 797, 710, 239, 374, 374, 423, 605, 238, 375, 238, 334, 462, 462, 462, 462,
    462, 462, 462, 462, 462, 462, 238, 238, 605, 605, 605, 344, 748, 684, 560, 695, 739, 563, 511, 729,
    793, 318, 312, 666, 526, 896, 758, 772, 544, 772, 628, 465, 607, 753, 711, 972, 647, 620, 607, 374,
    333, 374, 606, 500, 239, 417, 503, 427, 529, 415, 264, 444, 518, 241, 230, 495, 228, 793, 527, 524,
    524, 504, 338, 336, 277, 517, 450, 652, 466, 452, 407, 370, 258, 370, 605]
_SONG_W = "[1 [" + " ".join(map(str, _SONG_ASCII)) + "]]"


def printable(text: str) -> str:
    """What the UCS-2 CID font can draw: characters beyond the Basic Multilingual Plane
    (emoji, rare CJK Extension B names) become □ instead of garbage."""
    return "".join(c if ord(c) <= 0xFFFF and not 0xD800 <= ord(c) <= 0xDFFF else "\u25a1" for c in text)


def song_width(text: str, size: float) -> float:
    total = 0
    for ch in text:
        o = ord(ch)
        total += _SONG_ASCII[o - 32] if 32 <= o < 127 else 1000
    return total * size / 1000


def courier_width(text: str, size: float) -> float:
    return len(text) * 0.6 * size


def _num(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def _pdfstr(text: str) -> bytes:
    return b"(" + text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


class Canvas:
    """Builds one content stream (a page or a form) from drawing calls."""

    def __init__(self, cjk=None):
        self.ops: list[str] = []
        self.cjk = cjk  # a ballots.fonts.EmbeddedCJK, or None for STSong-Light

    def width(self, text: str, size: float) -> float:
        return self.cjk.width(text, size) if self.cjk is not None else song_width(text, size)

    def text(self, x, y, s, size=10, font="song", fake_bold=False):
        if not s:
            return
        if self.cjk is not None:  # one embedded font for everything, codes included
            data, name = self.cjk.encode(printable(s)), "FS"
        elif font == "song":
            data = "<" + printable(s).encode("utf-16-be").hex().upper() + ">"
            name = "FS"
        else:
            data = _pdfstr(s).decode("latin-1")
            name = "FC"
        mode = "2 Tr 0.35 w " if fake_bold else ""
        self.ops.append(f"BT /{name} {_num(size)} Tf {mode}{_num(x)} {_num(y)} Td {data} Tj ET"
                        + (" 0 Tr" if fake_bold else ""))

    def text_centered(self, cx, y, s, size=10, font="song", fake_bold=False):
        w = self.width(s, size) if font == "song" or self.cjk is not None else courier_width(s, size)
        self.text(cx - w / 2, y, s, size, font, fake_bold)

    def line(self, x1, y1, x2, y2, width=0.5, gray=0.0):
        self.ops.append(f"q {_num(gray)} G {_num(width)} w {_num(x1)} {_num(y1)} m {_num(x2)} {_num(y2)} l S Q")

    def rect(self, x, y, w, h, width=0.6, gray=0.0, fill=None):
        paint = "B" if fill is not None else "S"
        fill_op = f"{_num(fill)} g " if fill is not None else ""
        self.ops.append(f"q {fill_op}{_num(gray)} G {_num(width)} w {_num(x)} {_num(y)} {_num(w)} {_num(h)} re {paint} Q")

    def fill(self, x, y, w, h, rgb):
        """A rectangle filled in a colour (chart bars), no outline."""
        r, g, b = rgb
        self.ops.append(f"q {_num(r)} {_num(g)} {_num(b)} rg {_num(x)} {_num(y)} {_num(w)} {_num(h)} re f Q")

    def image(self, name, x, y, size):
        self.ops.append(f"q {_num(size)} 0 0 {_num(size)} {_num(x)} {_num(y)} cm /{name} Do Q")

    def form(self, name):
        self.ops.append(f"/{name} Do")

    def data(self) -> bytes:
        return "\n".join(self.ops).encode("latin-1")


class Writer:
    """Builds a PDF object by object into a buffer that the caller drains with take()
    (or, given `out`, writes straight to a binary stream); call close() once at the end."""

    def __init__(self, out=None, title: str = "", cjk=None):
        self.out = out
        self.buf = bytearray()
        self.pos = 0
        # Object offsets and page numbers, 8 and 4 bytes apiece: what a PDF's cross-reference
        # table needs at the end; nothing else of a page is kept once it is written.
        self.offsets = array("Q")
        self._next = 1
        self.pages = array("L")
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.pages_id = self.reserve()
        self.cjk = cjk
        if cjk is None:
            self.fonts_id = self._fonts()
        else:  # the subset is known at the end: its number now, its objects at close()
            self.cjk_id = self.reserve()
            self.fonts_id = self.obj(f"<< /FS {self.cjk_id} 0 R >>")
        self.title = title

    def _write(self, data: bytes):
        if self.out is None:
            self.buf += data
        else:
            self.out.write(data)
        self.pos += len(data)

    def take(self) -> bytes:
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def reserve(self) -> int:
        n = self._next
        self._next += 1
        self.offsets.append(0)
        return n

    def obj(self, body: bytes | str, num: int | None = None) -> int:
        num = num or self.reserve()
        if isinstance(body, str):
            body = body.encode("latin-1")
        self.offsets[num - 1] = self.pos
        self._write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
        return num

    def stream(self, header: str, data: bytes, compress: bool = True, num: int | None = None) -> int:
        if compress:
            data = zlib.compress(data, 6)
            header += " /Filter /FlateDecode"
        return self.obj(f"<< {header} /Length {len(data)} >>\nstream\n".encode("latin-1") + data + b"\nendstream",
                        num)

    def _fonts(self) -> int:
        desc = self.obj("<< /Type /FontDescriptor /FontName /STSongStd-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
                        "/ItalicAngle 0 /Ascent 752 /Descent -271 /CapHeight 737 /StemV 58 /MissingWidth 500 >>")
        cid = self.obj("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
                       "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
                       f"/FontDescriptor {desc} 0 R /DW 1000 /W {_SONG_W} >>")
        song = self.obj("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
                        f"/DescendantFonts [{cid} 0 R] >>")
        courier = self.obj("<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>")
        return self.obj(f"<< /FS {song} 0 R /FC {courier} 0 R >>")

    def image_1bit(self, packed: bytes, side: int) -> int:
        """A square black-and-white image (1 = white), drawn without smoothing."""
        return self.stream(f"/Type /XObject /Subtype /Image /Width {side} /Height {side} "
                           "/ColorSpace /DeviceGray /BitsPerComponent 1 /Interpolate false", packed, compress=False)

    def form_xobject(self, canvas: Canvas, width: float, height: float) -> int:
        return self.stream(f"/Type /XObject /Subtype /Form /BBox [0 0 {_num(width)} {_num(height)}] "
                           f"/Resources << /Font {self.fonts_id} 0 R >>", canvas.data())

    def page(self, canvas: Canvas, xobjects: dict[str, int] | None = None, size=A4) -> int:
        content = self.stream("", canvas.data())
        xo = ""
        if xobjects:
            xo = "/XObject << " + " ".join(f"/{k} {v} 0 R" for k, v in xobjects.items()) + " >>"
        num = self.obj(f"<< /Type /Page /Parent {self.pages_id} 0 R /MediaBox [0 0 {_num(size[0])} {_num(size[1])}] "
                       f"/Resources << /Font {self.fonts_id} 0 R {xo} >> /Contents {content} 0 R >>")
        self.pages.append(num)
        return num

    def close(self) -> None:
        for _ in self._closing():
            pass

    def finish(self):
        """close(), as chunks taken a piece at a time (the cross-reference table alone is
        20 bytes an object: one chunk of it would grow with the batch)."""
        for _ in self._closing():
            yield self.take()

    def _closing(self):
        if self.cjk is not None:
            self.cjk.write(self, self.cjk_id)
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self.obj(f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>", self.pages_id)
        catalog = self.obj(f"<< /Type /Catalog /Pages {self.pages_id} 0 R >>")
        title = "<FEFF" + self.title.encode("utf-16-be").hex().upper() + ">"
        info = self.obj(f"<< /Title {title} /Producer (Pingyi) >>")
        xref_at = self.pos
        count = self._next
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for start in range(0, count - 1, 1024):  # in pieces: the table is 20 bytes an object
            self._write(b"".join(b"%010d 00000 n \n" % at for at in self.offsets[start:start + 1024]))
            yield
        self._write(f"trailer\n<< /Size {count} /Root {catalog} 0 R /Info {info} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
                    .encode("latin-1"))
        yield
