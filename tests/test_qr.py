"""The fast QR encoder against the qrcode library, and its renderings against an independent decoder."""
from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET

import pytest
import qrcode
import qrcode.constants
import qrcode.util
from PIL import Image, ImageFilter

from ballots import qr

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HOST_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."
EXAMPLE = "HTTPS://PINGYI.EXAMPLE-UNIVERSITY.EDU.CN/B/00A1K7QM3XPA9D2FZZ0W4H8JTE6C"
SVG = "{http://www.w3.org/2000/svg}"


def ballot_url(rng: random.Random, host_len: int) -> str:
    host = "".join(rng.choice(HOST_CHARS) for _ in range(host_len))
    return f"HTTPS://{host}/B/" + "".join(rng.choice(CROCKFORD) for _ in range(28))


def reference(text: str, version: int, level: str = "M", mask: int = 0) -> list[bytearray]:
    code = qrcode.QRCode(version=version, mask_pattern=mask, box_size=1, border=0,
                         error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{level}"))
    code.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=False)
    return [bytearray(map(int, row)) for row in code.get_matrix()]


def texts_for(rng: random.Random, version: int, level: str = "M") -> list[str]:
    """Ballot URLs that fit, or (for small versions) random alphanumeric text, incl. full capacity."""
    cap = qr.data_capacity(version, level)
    lengths = {0, 1, cap - 1, cap, rng.randint(2, cap)}
    texts = ["".join(rng.choice(qr.ALPHANUMERIC) for _ in range(n)) for n in sorted(lengths)]
    if cap >= 39 + 1:
        texts += [ballot_url(rng, rng.randint(1, cap - 39)) for _ in range(3)]
    return texts


def test_qrcode_reads_ballot_urls_as_alphanumeric():
    chunks = list(qrcode.util.optimal_data_chunks(EXAMPLE, minimum=20))  # qrcode's default optimize=20
    assert [c.mode for c in chunks] == [qrcode.util.MODE_ALPHA_NUM]


@pytest.mark.parametrize("version", [1, 2, 3, 4])
@pytest.mark.parametrize("mask", range(8))
def test_matches_qrcode_at_level_m(version, mask):
    rng = random.Random(version * 8 + mask)
    encoder = qr.Encoder(version, "M", mask)
    for text in texts_for(rng, version):
        m = encoder.matrix(text)
        assert len(m) == encoder.size == 17 + 4 * version
        assert m == reference(text, version, "M", mask), text


@pytest.mark.parametrize("level", "LMQH")
@pytest.mark.parametrize("version", range(1, 10))
def test_matches_qrcode_at_other_levels_and_versions(level, version):
    rng = random.Random(f"{level}{version}")
    mask = rng.randrange(8)
    encoder = qr.Encoder(version, level, mask)
    for text in texts_for(rng, version, level):
        assert encoder.matrix(text) == reference(text, version, level, mask), text


def test_smallest_version_fits_ballot_urls_in_version_4():
    url = ballot_url(random.Random(0), 30)
    assert len(url) == 8 + 30 + 3 + 28
    assert qr.smallest_version(len(url)) <= 4
    assert qr.encoder_for(len(url)).size <= 33
    assert qr.smallest_version(len(EXAMPLE)) == 4


@pytest.mark.parametrize("version, capacity", [(1, 20), (2, 38), (3, 61), (4, 90)])
def test_smallest_version_boundaries_at_level_m(version, capacity):
    assert qr.data_capacity(version, "M") == capacity
    assert qr.smallest_version(capacity) == version
    assert qr.smallest_version(capacity + 1) == version + 1
    qr.Encoder(version).matrix("A" * capacity)
    with pytest.raises(ValueError):
        qr.Encoder(version).matrix("A" * (capacity + 1))


def test_encoder_for_is_cached():
    assert qr.encoder_for(60) is qr.encoder_for(61)
    assert qr.encoder_for(60, mask=3) is not qr.encoder_for(60)


@pytest.mark.parametrize("text", ["https://pingyi.example/B/0", "HTTPS://X/B/é", "A" * 91, "A_B"])
def test_encoder_rejects_bad_text(text):
    with pytest.raises(ValueError):
        qr.Encoder(4, "M", 0).matrix(text)


def test_smallest_version_rejects_text_too_long_for_the_fast_path():
    with pytest.raises(ValueError):
        qr.smallest_version(10_000)


def decode(image: Image.Image) -> str | None:
    import zxingcpp

    found = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return found.text if found else None


def as_phone_sees_it(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.filter(ImageFilter.GaussianBlur(1))
    canvas = Image.new("L", (image.width + 200, image.height + 200), 255)
    canvas.paste(image, (100, 100))
    return canvas.rotate(10, resample=Image.Resampling.BICUBIC, fillcolor=255)


@pytest.mark.parametrize("url", [
    EXAMPLE,
    ballot_url(random.Random(7), 30),
    "https://pingyi.example/b/abc?x=1",  # not alphanumeric: through the qrcode library
])
def test_png_decodes_plain_blurred_and_rotated(url):
    png = qr.to_png(qr.matrix(url), size_px=300)
    image = Image.open(io.BytesIO(png))
    assert image.size == (300, 300)
    assert decode(image) == url
    assert decode(as_phone_sees_it(png)) == url


def test_fast_path_with_every_mask_decodes():
    for mask in range(8):
        assert decode(Image.open(io.BytesIO(qr.to_png(qr.matrix(EXAMPLE, mask=mask))))) == EXAMPLE


def test_matrix_without_mask_chooses_a_mask_of_the_fast_encoder():
    m = qr.matrix(EXAMPLE)
    assert m in [qr.Encoder(4, "M", mask).matrix(EXAMPLE) for mask in range(8)]


def test_to_png_scales_to_any_size():
    png = qr.to_png(qr.matrix(EXAMPLE), size_px=123, quiet=2)
    assert Image.open(io.BytesIO(png)).size == (123, 123)


def test_svg_is_xml_with_one_path_and_a_caption():
    m = qr.matrix(EXAMPLE, mask=0)
    root = ET.fromstring(qr.to_svg(m, module_px=4, caption="Ballot <1> & 2"))
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f".//{SVG}path")) == 1
    assert root.find(f"{SVG}text").text == "Ballot <1> & 2"
    assert root.get("width") == str((33 + 8) * 4)
    plain = ET.fromstring(qr.to_svg(m))
    assert plain.find(f"{SVG}text") is None
    assert plain.get("width") == plain.get("height") == str((33 + 8) * 10)


def test_pack_rows_layout():
    m = qr.Encoder(4, "M", 0).matrix(EXAMPLE)
    quiet = 4
    width = 33 + 2 * quiet
    stride = (width + 7) // 8
    packed = qr.pack_rows(m, quiet)
    assert len(packed) == stride * width

    def bit(x, y):
        return packed[y * stride + x // 8] >> (7 - x % 8) & 1

    assert bit(0, 0) == 1  # quiet zone is light
    assert bit(quiet, quiet) == 0  # top-left corner of the top-left finder is dark
    assert bit(quiet + 7, quiet + 7) == 1  # its separator is light
    assert all(bit(x + quiet, y + quiet) == 1 - m[y][x] for y in range(33) for x in range(33))
