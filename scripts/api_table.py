"""Rewrite the endpoint table of docs/api.md from the API's registry: .venv/bin/python scripts/api_table.py"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import load_features  # noqa: E402
from service.core.api import REGISTRY  # noqa: E402

HEAD = "| method | path | permission | what |\n|---|---|---|---|\n"


def main() -> None:
    load_features()
    path = ROOT / "docs" / "api.md"
    text = path.read_text()
    start = text.index(HEAD) + len(HEAD)
    end = text.index("\n\n", start)
    rows = "\n".join(f"| `{d.method}` | `{d.rule}` | {d.permission} | {d.summary} |" for d in REGISTRY)
    path.write_text(text[:start] + rows + text[end:])


if __name__ == "__main__":
    main()
