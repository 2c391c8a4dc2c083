"""An embedded CJK font for reports that are filed and archived: Noto Sans CJK SC (OFL),
subset with fontTools to the characters the document uses and embedded as a CID-keyed CFF
(FontFile3 /CIDFontType0C), with a ToUnicode map so the text can be searched and copied.

Noto Sans CJK is CID-keyed (Adobe-Identity-0) with glyph id = CID, and fontTools' subsetter
keeps each glyph's CID, so content streams can be written page by page with the full font's
CIDs (Identity-H) before the subset exists: the subset is made once, when the PDF closes.
Slips keep ballots.pdf's non-embedded STSong-Light (no font program to carry 10,000 times).
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
# fontTools' subsetter says a dozen INFO lines a PDF: a server log is for what went wrong
logging.getLogger("fontTools").setLevel(logging.WARNING)

# Debian's fonts-noto-cjk (scripts/system-deps.sh installs it), then the usual places elsewhere.
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/local/share/fonts/NotoSansCJK-Regular.ttc",
)
SC = "NotoSansCJKsc-Regular"  # the Simplified Chinese face of the collection
_MISSING = "\u25a1"  # □ for a character the font lacks


def find_font() -> Path | None:
    """The Noto Sans CJK collection: $PINGYI_REPORT_FONT if set, else the first candidate found."""
    chosen = os.environ.get("PINGYI_REPORT_FONT")
    for path in ([chosen] if chosen else CANDIDATES):
        if Path(path).is_file():
            return Path(path)
    return None


def report_font():
    """An EmbeddedCJK for one document, or None (then ballots.pdf falls back to STSong-Light, not
    embedded: the report still opens everywhere, but its look depends on the reader's fonts)."""
    path = find_font()
    if path is None:
        log.warning("no Noto Sans CJK font found (%s); reports use STSong-Light, not embedded "
                    "(install fonts-noto-cjk or set PINGYI_REPORT_FONT; docs/results.md)", ", ".join(CANDIDATES))
        return None
    try:
        return EmbeddedCJK(path)
    except Exception as exc:  # a damaged or foreign file: the report is still made, without it
        log.warning("the report font %s cannot be read (%s); reports use STSong-Light, not embedded", path, exc)
        return None


_FACES: dict[Path, int] = {}


def _face(path: Path, collection) -> int:
    """The Simplified Chinese face's number in a collection (0 for a single font)."""
    if path not in _FACES:
        number = 0
        if path.suffix.lower() == ".ttc":
            with collection(str(path), lazy=True) as ttc:
                names = [f["name"].getDebugName(6) for f in ttc.fonts]
            number = names.index(SC) if SC in names else 0
        _FACES[path] = number
    return _FACES[path]


def _cid(glyph: str) -> int:
    return 0 if glyph == ".notdef" else int(glyph.removeprefix("cid"))


class EmbeddedCJK:
    """One document's font: encode() text as it is drawn (noting the characters), then write()
    the subset's objects once at the end."""

    def __init__(self, path: Path):
        from fontTools.ttLib import TTCollection, TTFont
        self.path = path
        self.number = _face(path, TTCollection)
        with TTFont(str(path), fontNumber=self.number, lazy=True) as font:  # what a document needs, read once
            if "CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
                raise ValueError("not a CID-keyed OpenType/CFF font")
            self.cmap = font.getBestCmap()
            self.advance = dict(font["hmtx"].metrics)
            head, hhea = font["head"], font["hhea"]
            self.metrics = (f"/FontBBox [{head.xMin} {head.yMin} {head.xMax} {head.yMax}] /ItalicAngle 0 "
                            f"/Ascent {hhea.ascent} /Descent {hhea.descent}")
        self.used: dict[int, str] = {}  # CID → the character drawn with it
        self._widths: dict[str, int] = {}

    def _glyph(self, ch: str) -> str:
        return self.cmap.get(ord(ch)) or self.cmap.get(ord(_MISSING), ".notdef")

    def char_width(self, ch: str) -> int:
        """Advance of `ch` in 1/1000 em (Noto's em is 1000 units)."""
        w = self._widths.get(ch)
        if w is None:
            w = self._widths[ch] = self.advance[self._glyph(ch)][0]
        return w

    def width(self, text: str, size: float) -> float:
        return sum(self.char_width(c) for c in text) * size / 1000

    def encode(self, text: str) -> str:
        """`text` as a hex string of 2-byte CIDs (Identity-H), noting each for the subset."""
        out = []
        for ch in text:
            glyph = self._glyph(ch)
            cid = _cid(glyph)
            self.used.setdefault(cid, ch if glyph == self.cmap.get(ord(ch)) else _MISSING)
            out.append(f"{cid:04X}")
        return "<" + "".join(out) + ">"

    def _subset(self) -> bytes:
        from fontTools import subset
        from fontTools.ttLib import TTFont
        font = TTFont(str(self.path), fontNumber=self.number, lazy=True)
        drop = subset.Options().drop_tables + ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
        options = subset.Options(layout_features=[], name_IDs=[], notdef_outline=True, drop_tables=drop)
        sub = subset.Subsetter(options)
        sub.populate(glyphs=[".notdef" if cid == 0 else f"cid{cid:05d}" for cid in sorted(self.used)])
        with font:
            sub.subset(font)
            return font["CFF "].compile(font)

    def write(self, writer, num: int) -> None:
        """The Type0 font as object `num` (reserved when the document began) and its parts."""
        self.used.setdefault(0, "")
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(sorted(self.used)).encode()).digest()[:6])
        name = f"{tag}+{SC}"
        program = writer.stream("/Subtype /CIDFontType0C", self._subset())
        desc = writer.obj(f"<< /Type /FontDescriptor /FontName /{name} /Flags 4 {self.metrics} /CapHeight 733 "
                          f"/StemV 80 /FontFile3 {program} 0 R >>")
        widths = " ".join(f"{cid} [{self.advance[f'cid{cid:05d}' if cid else '.notdef'][0]}]"
                          for cid in sorted(self.used))
        cid_font = writer.obj(f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{name} "
                              "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                              f"/FontDescriptor {desc} 0 R /DW 1000 /W [{widths}] >>")
        to_unicode = writer.stream("", self._to_unicode())
        writer.obj(f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
                   f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>", num)

    def _to_unicode(self) -> bytes:
        pairs = [(cid, ch) for cid, ch in sorted(self.used.items()) if ch]
        lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                 "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                 "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
                 "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
        for start in range(0, len(pairs), 100):
            chunk = pairs[start:start + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines += [f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for cid, ch in chunk]
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines).encode("ascii")
