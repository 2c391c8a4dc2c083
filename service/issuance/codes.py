"""A new printed batch's codes as CSV, for a print shop's mail merge (the batch's layout csv): one
row a slip, carrying what a slip prints (ballots.slips.slip_face and the batch's heading).

The file holds live ballots, and it is made once: in the response that issues the batch, from
the tokens that live only in that response's generator, as the PDF's do; nothing kept can make
them again. It is UTF-8 with a byte-order mark (so Excel reads the Chinese), and every cell that
a spreadsheet would take for a formula starts with ' (OWASP's CSV injection advice).
service/issuance/printing.py sends it and records it (batch.codes_downloaded: the batch, the
count, never a code).
"""
from __future__ import annotations

import csv
import io
import re

from ballots import slips

COLUMNS = ("序号", "活动", "轮次", "投票群体", "投票链接", "票码")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_CHUNK = 500  # rows a write


def safe_cell(value) -> str:
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def rows(head: slips.Heading, base_url: str, tokens):
    """The header, then one row a slip: serial (1…N) and what the slip prints (the typing
    address, the same on every slip of the service, is the print shop's template's)."""
    yield COLUMNS
    for serial, token in enumerate(tokens, 1):
        url, code = slips.slip_face(base_url, token)
        yield (serial, head.title, head.round_title, head.group, url, code)


def filename(batch, head: slips.Heading) -> str:
    name = _UNSAFE_IN_NAME.sub("_", f"{head.title}-{head.group}-第{batch['id']}批票码")[:80]
    return f"{name}.csv"


def iter_csv(tokens, base_url: str, head: slips.Heading, progress):
    """The file's bytes, a few hundred rows at a time; progress(rows written) after each."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    done = -1  # the header is not a slip
    for row in rows(head, base_url, tokens):
        out.writerow([safe_cell(c) for c in row])
        done += 1
        if done % _CHUNK == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            progress(done)
    yield buf.getvalue().encode("utf-8")
    progress(done)
