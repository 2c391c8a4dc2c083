"""Scanned paper ballots (docs/paper.md): a teller uploads PDFs or photos; each page is placed by
its QR code and markers and its boxes measured (ballots/omr.py); each ballot read becomes a scan
waiting on the confirm screen, which shows every box's crop beside the proposed mark. A ballot
read with no flag and nothing handwritten to type is the sheet's first entry (by the reader): a
teller's confirmation is the second. One with a flag or writing to type is only a prefill: two
tellers each confirm it, as they key any paper ballot. Nothing unsure is proposed.

Kept until the sheet is settled, then deleted: the slip's code, sealed under a key from the round's
sealing key (paper_scans), and the crops, handwriting, in a file sealed under a key from the code.
The SHA-256 of every uploaded file goes into the audit chain."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import threading
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.campaigns import operations as camps
from service.core import db
from service.core.event_queries import insert_event
from service.issuance import operations as issued
from service.paper import operations as paper
from service.paper import queries as q
from service.voting import operations as voting

log = logging.getLogger("pingyi.paper")


def _seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:12], blob[12:], aad)


def scan_dir(var_dir) -> Path:
    path = Path(var_dir) / "paper-scans"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


MAX_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 million: anything larger is no scan of a ballot
MAX_PAGES = 2000  # pages of one upload


def pages_of(name: str, data: bytes):
    """(count, pages) of an uploaded file: a PDF's pages, or one photo or scan. Pages are decoded
    one at a time as the reader asks (an upload is not held decoded in memory); a page that cannot
    be one is given as the reason, a string. A file that is neither: Unreadable."""
    from service.paper.errors import ScanUnreadable
    if data[:5] == b"%PDF-":
        import pypdfium2
        try:
            pdf = pypdfium2.PdfDocument(data)
        except Exception:  # pdfium's errors: not a PDF it can open
            raise ScanUnreadable(details={"file": name}) from None
        try:
            sizes = [pdf.get_page_size(i) for i in range(len(pdf))]
        finally:
            pdf.close()
        if any(w * h * (200 / 72) ** 2 > MAX_PIXELS for w, h in sizes):
            raise ScanUnreadable(details={"file": name})
        return len(sizes), _pdf_pages(data)
    return 1, _image(data)


def _pdf_pages(data: bytes):
    from ballots import omr
    yield from omr.pdf_pages(data)


def _image(data: bytes):
    import cv2
    import numpy as np
    header = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is None:
        yield "这个文件不是可读的图片或 PDF"
        return
    if header.shape[0] * header.shape[1] * 64 > MAX_PIXELS:
        yield "图片过大，不像一张选票的扫描"
        return
    yield cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)


def start(cur, principal, campaign_id, files: list[tuple[str, bytes]]) -> tuple[bytes, list]:
    """A job for these files (their hashes recorded); the pages are read by run()."""
    campaign = camps.get_campaign(cur, campaign_id)
    voting.require_open(campaign["state"])
    job_id, counted = secrets.token_bytes(16), []
    for name, data in files:
        counted.append(pages_of(name, data))
    if sum(n for n, _ in counted) > MAX_PAGES:
        from service.paper.errors import ScanUnreadable
        raise ScanUnreadable(f"more than {MAX_PAGES} pages in one upload", {"file": ""})
    q.new_job(cur, job_id, campaign_id, sum(n for n, _ in counted))
    insert_event(cur, principal.actor, "paper.scans_uploaded", campaign_id,
                 {"files": len(files), "pages": sum(n for n, _ in counted),
                  "sha256": [hashlib.sha256(data).hexdigest() for _name, data in files]})
    return job_id, [pages for _n, pages in counted]


class _Sheets:
    """The pages read so far, by ballot, with its form and layout."""

    def __init__(self):
        self.reads, self.parts, self.layouts = {}, {}, {}

    def add(self, cur, located) -> str | None:
        from ballots import omr, paper_layout
        code = paper.slip_code(located.url)
        if code not in self.parts:
            sheet = paper.Sheet(cur, code)
            if sheet.outcome or (not sheet.pending and sheet.unused is None):
                return "这张票已处理过或票码已在手机上使用，未读入"
            row = sheet.unused or {"campaign_id": sheet.campaign_id, "round_id": sheet.round_id,
                                   "group_id": sheet.entries()["group_id"]}
            campaign = camps.get_campaign(cur, row["campaign_id"])
            rnd = camps.get_part(cur, "rounds", row["campaign_id"], row["round_id"])
            group = camps.get_part(cur, "voter_groups", row["campaign_id"], row["group_id"])
            key = (row["round_id"], row["group_id"])
            if key not in self.layouts:
                head = issued.heading(cur, campaign, rnd, group, with_form=True)
                self.layouts[key] = (paper_layout.layout(head),
                                     voting.ballot_form(cur, row["campaign_id"], row["round_id"], row["group_id"]))
            self.parts[code] = (sheet, row, key)
        layouts, _sections = self.layouts[self.parts[code][2]]
        if not 1 <= located.page <= len(layouts):
            return f"第 {located.page} 页不属于这张选票"
        self.reads.setdefault(code, []).append(omr.measure(located, layouts[located.page - 1]))
        return None


_ONE_AT_A_TIME = threading.Lock()  # a process reads one upload at a time: pages are large in memory


def run(app, job_id: bytes, principal, page_lists) -> None:
    """Read every page, then store each ballot's proposal; progress after each page. Whatever
    goes wrong, the job ends marked finished with the reason (the close waits for unfinished ones)."""
    with _ONE_AT_A_TIME, app.app_context():
        problems: list = []
        try:
            _run(job_id, principal, page_lists, problems)
        except Exception:  # the job must end: say so on its page
            log.exception("reading an upload of scans failed")
            problems.append({"page": 0, "problem": "识读中断，请重新上传未读入的选票"})
            with db.transaction() as cur:
                found = q.job(cur, job_id)
                q.job_progress(cur, job_id, found["done"] if found else 0, found["sheets"] if found else 0, problems, True)


def _run(job_id: bytes, principal, page_lists, problems: list) -> None:
    from ballots import omr
    sheets, done = _Sheets(), 0
    for pages in page_lists:
        for image in pages:
            done += 1
            try:
                if isinstance(image, str):  # what pages_of could not make a page of
                    raise omr.PageNotRead((), image)
                located = omr.locate(image)
                with db.transaction() as cur:
                    problem = sheets.add(cur, located)
            except omr.PageNotRead as exc:
                problem = exc.message
            except Exception:  # one unreadable page never stops the others
                log.exception("a scanned page could not be read")
                problem = "这一页无法读取"
            if problem:
                problems.append({"page": done, "problem": problem})
            with db.transaction() as cur:
                q.job_progress(cur, job_id, done, len(sheets.reads), problems, False)
    stored = 0
    for code, reads in sheets.reads.items():
        try:
            with db.transaction() as cur:
                stored += _store(cur, principal, sheets, code, reads, problems)
        except Exception:  # one ballot that cannot be stored never keeps the others out
            log.exception("a scanned ballot could not be stored")
            problems.append({"page": 0, "problem": "一张读入的选票无法保存，请人工录入"})
    with db.transaction() as cur:
        q.job_progress(cur, job_id, done, stored, problems, True)


# The comment area is large and ruled: a scan's specks and the ruling's edges give it a little ink
# (0.6 % in the tests' scans). Below this it is read as blank — the teller confirming the reading
# sees its crop, and a comment the reader missed, typed by the teller, makes the entries differ: the
# sheet goes to the supervisor, never counted blank unseen.
TEXT_BLANK_BELOW = 0.012


def _blank(region) -> bool:
    return region.ink < TEXT_BLANK_BELOW if region.kind == "text" else region.blank


def _store(cur, principal, sheets: _Sheets, code: str, reads, problems) -> int:
    from ballots import omr
    sheet, row, key = sheets.parts[code]
    layouts, sections = sheets.layouts[key]
    sheet = paper.Sheet(cur, code)  # locked again, in this transaction: it may have been keyed meanwhile
    if sheet.outcome or (not sheet.pending and sheet.unused is None):
        problems.append({"page": 0, "problem": "一张票在识读期间已处理完毕或已在手机上使用，其扫描件未保留"})
        return 0
    proposal = omr.propose(sections, layouts, reads)
    to_type = [r for r in proposal.to_type if not _blank(r)]
    if not sheet.pending:  # spent now, before its code is on any confirm screen
        first = [] if proposal.flagged or to_type else [paper.machine_entry(principal, sections, proposal.answers)]
        if paper.claim(cur, principal, sheet, row, first) != "first_entry":
            return 0
        if first:
            insert_event(cur, principal.actor, "paper.read", row["campaign_id"], {"round_id": row["round_id"]})
    scan_id = secrets.token_bytes(16)
    crops = {"answers": proposal.answers,
             "flags": [{"key": list(f.key), "message": f.message} for f in proposal.flagged],
             "marks": {json.dumps(list(k)): base64.b64encode(m.crop).decode() for k, m in proposal.marks.items()},
             "regions": [{"key": list(r.key), "kind": r.kind, "png": base64.b64encode(r.crop).decode()}
                         for r in proposal.to_type]}  # blank ones too: the teller sees what was read as blank
    token_key = hashlib.sha256(b"pingyi paper scan crops\x00" + sheet.token.encode("ascii")).digest()
    from flask import current_app
    path = scan_dir(current_app.config["SETTINGS"].var_dir) / scan_id.hex()
    path.write_bytes(_seal(token_key, json.dumps(crops, ensure_ascii=False).encode(), scan_id))
    os.chmod(path, 0o600)
    sealed_code = _seal(voting.paper_scan_key(cur, row["campaign_id"], row["round_id"]), sheet.token.encode(), scan_id)
    q.insert_scan(cur, scan_id, sheet.name, row["campaign_id"], row["round_id"], sealed_code, len(proposal.flagged),
                  len(to_type))
    return 1


def pending_scans(cur, campaign_id) -> list[dict]:
    return [{"id": bytes(r["id"]).hex(), "round_id": r["round_id"], "flagged": r["flagged"], "to_type": r["to_type"]}
            for r in q.scans(cur, campaign_id)]


def progress(cur, job_hex: str) -> dict | None:
    try:
        row = q.job(cur, bytes.fromhex(job_hex))
    except ValueError:
        return None
    return None if row is None else {k: row[k] for k in ("total", "done", "sheets", "problems", "finished")}


def confirm_screen(cur, principal, scan_hex: str, var_dir) -> dict | None:
    """What the confirm screen shows of a scan: the sheet (its form, its state), the code (the
    form sends it back), the proposal and every crop."""
    try:
        row = q.scan(cur, bytes.fromhex(scan_hex))
    except ValueError:
        row = None
    if row is None:
        return None
    scan_id = bytes(row["id"])
    code = _open(voting.paper_scan_key(cur, row["campaign_id"], row["round_id"]), bytes(row["sealed_code"]),
                 scan_id).decode()
    token_key = hashlib.sha256(b"pingyi paper scan crops\x00" + code.encode("ascii")).digest()
    try:
        crops = json.loads(_open(token_key, (scan_dir(var_dir) / scan_id.hex()).read_bytes(), scan_id))
    except FileNotFoundError:  # another server's data directory, or removed by hand: key it from the paper
        log.warning("the crops of a scanned paper ballot are missing")
        crops = {"answers": {}, "flags": [], "marks": {}, "regions": []}
    return {"code": code, "sheet": paper.open_sheet(cur, principal, code), **crops}
