"""QR codes for ballot URLs: a fast alphanumeric encoder, plus PNG and SVG rendering.

Ballot URLs (`BASE_URL/B/<TOKEN>`) are all uppercase, so they fit QR alphanumeric mode and
a few versions cover every slip. An `Encoder` compiles everything that does not depend on the
text once (function patterns, placement order, mask, Reed-Solomon tables), so a print run of
10,000 slips costs tens of microseconds per code. Other text goes through the `qrcode` library.
"""
from __future__ import annotations

import functools
import operator
from xml.sax.saxutils import escape

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
LEVELS = {"L": 1, "M": 0, "Q": 3, "H": 2}  # the two format-information bits of each level
MAX_VERSION = 9  # versions 1-9 share the 9-bit alphanumeric character count

# (EC codewords per block, data codewords of each block) for versions 1-9 (ISO/IEC 18004 table 9).
_BLOCKS = {
    "L": [(7, [19]), (10, [34]), (15, [55]), (20, [80]), (26, [108]), (18, [68] * 2),
          (20, [78] * 2), (24, [97] * 2), (30, [116] * 2)],
    "M": [(10, [16]), (16, [28]), (26, [44]), (18, [32] * 2), (24, [43] * 2), (16, [27] * 4),
          (18, [31] * 4), (22, [38] * 2 + [39] * 2), (22, [36] * 3 + [37] * 2)],
    "Q": [(13, [13]), (22, [22]), (18, [17] * 2), (26, [24] * 2), (18, [15] * 2 + [16] * 2),
          (24, [19] * 4), (18, [14] * 2 + [15] * 4), (22, [18] * 4 + [19] * 2),
          (20, [16] * 4 + [17] * 4)],
    "H": [(17, [9]), (28, [16]), (22, [13] * 2), (16, [9] * 4), (22, [11] * 2 + [12] * 2),
          (28, [15] * 4), (26, [13] * 4 + [14]), (26, [14] * 4 + [15] * 2),
          (24, [12] * 4 + [13] * 4)],
}
_MASKS = [
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
]
# Alphanumeric values by byte; 255 marks a character outside the set.
_VALUES = bytes(ALPHANUMERIC.index(chr(b)) if chr(b) in ALPHANUMERIC else 255 for b in range(256))
_DARK_AS_ZERO = bytes.maketrans(b"\x00\x01", b"10")
_TO_BITS = bytes.maketrans(b"01", b"\x00\x01")
_FLIP = str.maketrans("01", "10")


def _gf_tables():
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i], log[x] = x, i
        x = (x << 1) ^ (0x11D if x & 0x80 else 0)
    exp[255:510] = exp[:255]
    return exp, log


_EXP, _LOG = _gf_tables()


def _generator(n: int) -> list[int]:
    """Coefficients, highest degree first, of the product of (x - 2^i) for i < n."""
    g = [1]
    for i in range(n):
        g = [a ^ (_EXP[_LOG[b] + i] if b else 0) for a, b in zip(g + [0], [0] + g)]
    return g


def _bch(value: int, poly: int, length: int) -> int:
    rem = value << (poly.bit_length() - 1)
    for shift in range(length - 1, poly.bit_length() - 2, -1):
        if rem >> shift & 1:
            rem ^= poly << (shift - poly.bit_length() + 1)
    return value << (poly.bit_length() - 1) | rem


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    last = 4 * version + 10
    count = version // 7 + 2
    step = (last - 6) // (count - 1)
    step += step % 2
    return [6] + [last - step * k for k in range(count - 2, -1, -1)]


def data_capacity(version: int, level: str = "M") -> int:
    """How many alphanumeric characters fit in this version at this level."""
    bits = 8 * sum(_BLOCKS[level][version - 1][1]) - 13
    return bits // 11 * 2 + (bits % 11 >= 6)


def smallest_version(length: int, level: str = "M") -> int:
    """The smallest version whose alphanumeric capacity fits `length` characters."""
    for version in range(1, MAX_VERSION + 1):
        if data_capacity(version, level) >= length:
            return version
    raise ValueError(f"{length} alphanumeric characters do not fit version {MAX_VERSION}-{level}")


class Encoder:
    """Compiled once for a version and level; encodes many alphanumeric strings fast."""

    def __init__(self, version: int, level: str = "M", mask: int = 0):
        if not 1 <= version <= MAX_VERSION or level not in LEVELS or mask not in range(8):
            raise ValueError(f"unsupported version {version}, level {level!r} or mask {mask!r}")
        self.version, self.level, self.mask = version, level, mask
        self.size = 17 + 4 * version
        ec_len, self._blocks = _BLOCKS[level][version - 1]
        self._data_len = sum(self._blocks)
        self.capacity = data_capacity(version, level)
        self._ec_mask = (1 << 8 * ec_len) - 1
        self._ec_shift = 8 * (ec_len - 1)
        self._ec_len = ec_len
        gen = _generator(ec_len)[1:]
        # the remainder XOR for every possible leading coefficient, as one integer each
        self._ec_table = [int.from_bytes(bytes(_EXP[_LOG[f] + _LOG[g]] if f and g else 0 for g in gen), "big")
                          for f in range(256)]
        self._pads = [int.from_bytes(bytes([0xEC, 0x11] * (n // 2 + 1))[:n], "big")
                      for n in range(self._data_len + 1)]
        grid = self._function_patterns()
        order = self._placement_order(grid)
        self._bits = len(order)
        self._gather = operator.itemgetter(*self._sources(grid, order))

    def _function_patterns(self) -> list[list[int | None]]:
        """The modules that do not depend on the text; None marks a data module."""
        n = self.size
        grid: list[list[int | None]] = [[None] * n for _ in range(n)]
        for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
            for r in range(-1, 8):
                for c in range(-1, 8):
                    if 0 <= r0 + r < n and 0 <= c0 + c < n:
                        ring = max(abs(r - 3), abs(c - 3))
                        grid[r0 + r][c0 + c] = int(ring != 2 and ring != 4)
        centres = _alignment_centres(self.version)
        for r0 in centres:
            for c0 in centres:
                if grid[r0][c0] is None:
                    for r in range(-2, 3):
                        for c in range(-2, 3):
                            grid[r0 + r][c0 + c] = int(max(abs(r), abs(c)) != 1)
        for i in range(8, n - 8):
            grid[6][i] = grid[i][6] = int(i % 2 == 0)
        fmt = _bch(LEVELS[self.level] << 3 | self.mask, 0x537, 15) ^ 0x5412
        for i in range(15):
            bit = fmt >> i & 1
            grid[i if i < 6 else i + 1 if i < 8 else n - 15 + i][8] = bit
            grid[8][n - 1 - i if i < 8 else 15 - i if i < 9 else 14 - i] = bit
        grid[n - 8][8] = 1
        if self.version >= 7:
            info = _bch(self.version, 0x1F25, 18)
            for i in range(18):
                grid[i // 3][n - 11 + i % 3] = grid[n - 11 + i % 3][i // 3] = info >> i & 1
        return grid

    def _placement_order(self, grid) -> list[tuple[int, int]]:
        """Data module positions in the zig-zag order the bit stream fills them."""
        n, order, col, upward = self.size, [], self.size - 1, True
        while col > 0:
            if col == 6:
                col -= 1  # the vertical timing pattern takes a whole column
            for r in range(n - 1, -1, -1) if upward else range(n):
                order.extend((r, c) for c in (col, col - 1) if grid[r][c] is None)
            upward, col = not upward, col - 2
        return order

    def _sources(self, grid, order) -> list[int]:
        """For every module, row-major, its index in `bits + flipped bits + "01"`."""
        n_blocks, ec_start = len(self._blocks), self._data_len
        starts = [sum(self._blocks[:b]) for b in range(n_blocks)]
        codewords = [starts[b] + i for i in range(max(self._blocks))
                     for b in range(n_blocks) if i < self._blocks[b]]
        codewords += [ec_start + b * self._ec_len + i for i in range(self._ec_len) for b in range(n_blocks)]
        bit_of = {}
        for k, pos in enumerate(order):
            bit_of[pos] = codewords[k // 8] * 8 + k % 8 if k < 8 * len(codewords) else k
        light, flipped, masked = 2 * self._bits, self._bits, _MASKS[self.mask]
        return [light + grid[r][c] if grid[r][c] is not None
                else bit_of[r, c] + (flipped if masked(r, c) else 0)
                for r in range(self.size) for c in range(self.size)]

    def _data(self, text: str) -> int:
        """The data codewords (mode, count, characters, terminator, padding) as one integer."""
        try:
            values = text.encode("ascii").translate(_VALUES)
        except UnicodeEncodeError:
            values = b"\xff"
        if 255 in values:
            raise ValueError("text has characters outside the QR alphanumeric set")
        count = len(text)
        if count > self.capacity:
            raise ValueError(f"{count} characters do not fit version {self.version}-{self.level}")
        acc = 0b0010 << 9 | count
        for a, b in zip(values[::2], values[1::2]):
            acc = acc << 11 | a * 45 + b
        length = 13 + 11 * (count // 2)
        if count % 2:
            acc, length = acc << 6 | values[-1], length + 6
        room = 8 * self._data_len - length
        pad = min(4, room) + (-(length + min(4, room))) % 8
        acc <<= pad
        pad_bytes = self._data_len - (length + pad) // 8
        return acc << 8 * pad_bytes | self._pads[pad_bytes]

    def matrix(self, text: str) -> list[bytearray]:
        """Rows of 0/1 modules (1 dark), size x size, without a quiet zone."""
        acc = self._data(text)
        data = acc.to_bytes(self._data_len, "big")
        table, keep, shift, start = self._ec_table, self._ec_mask, self._ec_shift, 0
        for length in self._blocks:
            rem = 0
            for d in data[start:start + length]:
                rem = (rem << 8 & keep) ^ table[rem >> shift ^ d]
            acc, start = acc << 8 * self._ec_len | rem, start + length
        total = 8 * (self._data_len + len(self._blocks) * self._ec_len)
        bits = format(acc << (self._bits - total), f"0{self._bits}b")
        flat = bytes(self._gather(bits.encode() + bits.translate(_FLIP).encode() + b"01")).translate(_TO_BITS)
        n = self.size
        return [bytearray(flat[i:i + n]) for i in range(0, n * n, n)]


@functools.lru_cache(maxsize=None)
def _encoder(version: int, level: str, mask: int) -> Encoder:
    return Encoder(version, level, mask)


def encoder_for(length: int, level: str = "M", mask: int = 0) -> Encoder:
    """The smallest encoder for `length` alphanumeric characters, cached per (version, level, mask)."""
    return _encoder(smallest_version(length, level), level, mask)


def _penalty(m: list[bytearray]) -> int:
    import qrcode.util

    return qrcode.util.lost_point(m)


def matrix(text: str, level: str = "M", mask: int | None = None) -> list[bytearray]:
    """Any text: alphanumeric text through the fast Encoder; other text through the qrcode library
    (byte mode). mask None = best mask chosen by penalty score (slow path, fine for single images)."""
    if all(ch in ALPHANUMERIC for ch in text) and len(text) <= data_capacity(MAX_VERSION, level):
        if mask is not None:
            return encoder_for(len(text), level, mask).matrix(text)
        candidates = [encoder_for(len(text), level, k).matrix(text) for k in range(8)]
        return min(candidates, key=_penalty)
    import qrcode
    import qrcode.util

    code = qrcode.QRCode(error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{level}"),
                         mask_pattern=mask, border=0)
    code.add_data(qrcode.util.QRData(text.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE))
    return [bytearray(row) for row in code.get_matrix()]


def pack_rows(m: list[bytearray], quiet: int = 4) -> bytes:
    """1-bit-per-pixel rows (1 pixel per module, MSB first, rows padded to whole bytes) INCLUDING a white
    quiet zone of `quiet` modules, where a dark module is bit 0 and light is bit 1 — i.e. ready to be a PDF
    /DeviceGray /BitsPerComponent 1 image. Width = height = size + 2*quiet."""
    width = len(m) + 2 * quiet
    pad = -width % 8
    side, tail = b"1" * quiet, b"1" * (quiet + pad)
    blank = b"1" * (width + pad) * quiet
    digits = blank + b"".join(side + row.translate(_DARK_AS_ZERO) + tail for row in m) + blank
    return int(digits, 2).to_bytes(len(digits) // 8, "big")


def to_svg(m: list[bytearray], quiet: int = 4, module_px: int = 10, caption: str | None = None) -> str:
    """An SVG of the code as one crisp <path>, in module units, with `caption` under it if given."""
    width = len(m) + 2 * quiet
    runs = []
    for y, row in enumerate(m):
        x = 0
        while x < len(row):
            if row[x]:
                end = row.find(0, x)
                end = len(row) if end < 0 else end
                runs.append(f"M{x + quiet} {y + quiet}h{end - x}v1h{x - end}z")
                x = end
            else:
                x += 1
    height = width + (2 if caption else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * module_px}" '
             f'height="{height * module_px}" viewBox="0 0 {width} {height}">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>',
             f'<path d="{"".join(runs)}" fill="#000" shape-rendering="crispEdges"/>']
    if caption:
        parts.append(f'<text x="{width / 2}" y="{width + 1.2}" font-family="monospace" font-size="1.2" '
                     f'text-anchor="middle">{escape(caption)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_png(m: list[bytearray], size_px: int = 300, quiet: int = 4) -> bytes:
    """A square 1-bit PNG of exactly size_px x size_px, scaled nearest-neighbour."""
    import io

    from PIL import Image

    width = len(m) + 2 * quiet
    image = Image.frombytes("1", (width, width), pack_rows(m, quiet))
    out = io.BytesIO()
    image.resize((size_px, size_px), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()
