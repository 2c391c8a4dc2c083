"""Rewrite docs/api.md's tables from the code: the endpoints from the API's registry, the errors
from the error registry. `.venv/bin/python scripts/api_table.py`; tests/test_docs.py fails when
the document and the code disagree."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import load_features  # noqa: E402
from service.core import api, errors  # noqa: E402

ENDPOINTS_HEAD = "| method | path | permission | what |\n|---|---|---|---|\n"
ERRORS_HEAD = "| status | code | when |\n|---|---|---|\n"


def endpoint_rows() -> str:
    load_features()
    return "\n".join(f"| `{d.method}` | `{d.rule}` | {d.permission} | {d.summary} |" for d in api.REGISTRY)


def error_rows() -> str:
    """One row per declared code, by status: the status's own code first, then the others by name."""
    load_features()
    declared = sorted(errors.REGISTRY.values(), key=lambda cls: (
        "shown_status" in cls.__dict__, cls.status, errors.GENERIC.get(cls.status) is not cls, cls.code))
    return "\n".join(f"| {getattr(cls, 'shown_status', cls.status)} | `{cls.code}` | {cls.when} |" for cls in declared)


def table(text: str, head: str) -> tuple[int, int]:
    """Where the rows under a table's head start and end in the document."""
    start = text.index(head) + len(head)
    return start, text.index("\n\n", start)


def main() -> None:
    path = ROOT / "docs" / "api.md"
    text = path.read_text()
    for head, rows in ((ENDPOINTS_HEAD, endpoint_rows()), (ERRORS_HEAD, error_rows())):
        start, end = table(text, head)
        text = text[:start] + rows + text[end:]
    path.write_text(text)


if __name__ == "__main__":
    main()
