"""A printed batch's codes as CSV, for a print shop's mail merge: one row a slip, carrying what
the slip prints (ballots.slips.slip_face and the batch's heading), in the PDF's order.

The file holds live ballots. It is UTF-8 with a byte-order mark (so Excel reads the Chinese),
every cell that a spreadsheet would take for a formula starts with ' (OWASP's CSV injection
advice), it is never cached, and the tokens live only in the response's generator, as the PDF's
do. Who downloaded it, which batch and how many rows is an event; no code is.
"""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from flask import Response, current_app

from ballots import slips

COLUMNS = ("序号", "活动", "轮次", "投票群体", "投票链接", "票码")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_cell(value) -> str:
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def rows(head: slips.Heading, base_url: str, tokens):
    """The header, then one row a slip: serial (1…N, the PDF's order) and what the slip prints
    (the typing address, the same on every slip of the service, is the print shop's template's)."""
    yield COLUMNS
    for serial, token in enumerate(tokens, 1):
        url, code = slips.slip_face(base_url, token)
        yield (serial, head.title, head.round_title, head.group, url, code)


def filename(batch, head: slips.Heading) -> str:
    name = _UNSAFE_IN_NAME.sub("_", f"{head.title}-{head.group}-第{batch['id']}批票码")[:80]
    return f"{name}.csv"


def _stream(head, base_url, tokens):
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    try:
        for n, row in enumerate(rows(head, base_url, tokens)):
            out.writerow([safe_cell(c) for c in row])
            if n % 500 == 0:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue().encode("utf-8")
    finally:
        tokens.clear()  # the only copy of the batch's seed in this process


def codes_response(batch, tokens, head: slips.Heading) -> Response:
    base_url = current_app.config["SETTINGS"].base_url
    fallback = f"ballot-codes-{batch['campaign_id']}-{batch['id']}.csv"
    headers = {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename(batch, head))}",
        "Cache-Control": "no-store",
        "X-Batch-Id": str(batch["id"]),
    }
    return Response(_stream(head, base_url, tokens), status=200, mimetype="text/csv",
                    content_type="text/csv; charset=utf-8", headers=headers, direct_passthrough=True)
