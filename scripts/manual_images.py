"""The Chinese manuals' pictures (docs/zh/images/), made from the browser tests' screenshots.

    make test   # or any run of tests/browser: writes test-output/screenshots/
    .venv/bin/python scripts/manual_images.py

Every `images/NAME.png` a manual in docs/zh/ refers to is made from
test-output/screenshots/NAME.png: halved (the tests shoot at twice a phone's pixels; desktop pages
at 1920 wide), a tall page cut to its top, reduced to 256 colours so the repository stays small.
Pictures no manual refers to any more are removed. tests/test_docs.py checks that every picture
referred to exists and is one a browser test takes.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
MANUALS = ROOT / "docs" / "zh"
IMAGES = MANUALS / "images"
SHOTS = ROOT / "test-output" / "screenshots"
MAX_HEIGHT = 900  # after halving: about one and a half phone screens
REFERENCE = re.compile(r"\(images/([\w.-]+\.png)\)")


def referenced() -> set[str]:
    return {name for md in MANUALS.glob("*.md") for name in REFERENCE.findall(md.read_text(encoding="utf-8"))}


def make(name: str) -> None:
    with Image.open(SHOTS / name) as shot:
        picture = shot.convert("RGB")
    picture = picture.resize((picture.width // 2, picture.height // 2), Image.LANCZOS)
    if picture.height > MAX_HEIGHT:
        picture = picture.crop((0, 0, picture.width, MAX_HEIGHT))
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(IMAGES / name, optimize=True)


def main() -> int:
    names = referenced()
    absent = sorted(n for n in names if not (SHOTS / n).exists())
    if absent:
        print(f"no screenshot for {', '.join(absent)}: run the browser tests first", file=sys.stderr)
        return 1
    IMAGES.mkdir(exist_ok=True)
    for name in sorted(names):
        make(name)
    for old in IMAGES.glob("*.png"):
        if old.name not in names:
            old.unlink()
    print(f"{len(names)} pictures in {IMAGES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
