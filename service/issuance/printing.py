"""Streaming a freshly issued batch to the organiser as a PDF (or one PNG / SVG, or the codes'
CSV for a print shop, service/issuance/codes.py).

The tokens live only in this response's generator. Progress (slips written) is saved on
the batch row a few times a second, so the admin page can show it from any worker; the
end of the stream (batch.printed, or batch.codes_downloaded for the CSV) — or its
interruption — is recorded as an event.
"""
from __future__ import annotations

import logging
import time
from urllib.parse import quote

from flask import Response, current_app

from ballots import qr, slips
from service.core import db
from service.core.event_queries import insert_event
from service.issuance import codes
from service.issuance.queries import set_printed

log = logging.getLogger("pingyi.printing")
_MIMETYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _disposition(batch, layout, head):
    if layout == "csv":  # a Chinese name (RFC 5987), and an ASCII one for old clients
        fallback = f"ballot-codes-{batch['campaign_id']}-{batch['id']}.csv"
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(codes.filename(batch, head))}"
    ext = layout if layout in _MIMETYPES else "pdf"
    name = f"ballots-{batch['campaign_id']}-{batch['id']}.{ext}"
    return f"attachment; filename*=UTF-8''{quote(name)}"


def batch_response(batch, tokens: list[str], head: slips.Heading, layout: str, actor: str) -> Response:
    base_url = current_app.config["SETTINGS"].base_url
    headers = {
        "X-Batch-Id": str(batch["id"]),
        "X-Batch-Size": str(batch["size"]),
        "Content-Disposition": _disposition(batch, layout, head),
        "Cache-Control": "no-store",
    }
    if layout in _MIMETYPES:
        url, code = slips.slip_face(base_url, tokens[0])
        m = qr.matrix(url)
        body = qr.to_png(m, 600) if layout == "png" else qr.to_svg(m, caption=code)
        _record(current_app.config["DATABASE_DSN"], batch, actor, "batch.printed", 1)
        return Response(body, status=201, mimetype=_MIMETYPES[layout], headers=headers)
    stream = _stream(current_app.config["DATABASE_DSN"], batch, tokens, head, layout, base_url, actor)
    if layout == "csv":
        return Response(stream, status=201, content_type="text/csv; charset=utf-8", headers=headers,
                        direct_passthrough=True)
    return Response(stream, status=201, mimetype="application/pdf", headers=headers, direct_passthrough=True)


def _stream(dsn, batch, tokens, head, layout, base_url, actor):
    state = {"saved_at": 0.0, "done": 0}

    def progress(done):
        state["done"] = done
        now = time.monotonic()
        if now - state["saved_at"] > 0.3:
            state["saved_at"] = now
            try:
                with db.pooled_transaction(dsn) as cur:
                    set_printed(cur, batch["id"], done)
            except Exception:  # progress is a courtesy; the PDF must not stop for it
                log.warning("could not save printing progress for batch %s", batch["id"])

    finished = False
    try:
        if layout == "csv":
            yield from codes.iter_csv(tokens, base_url, head, progress)
        else:
            yield from slips.iter_pdf(tokens, base_url, head, layout, progress)
        finished = True
    finally:
        tokens.clear()  # drop the only copy of the plain tokens as soon as they are printed
        done = "batch.codes_downloaded" if layout == "csv" else "batch.printed"
        _record(dsn, batch, actor, done if finished else "batch.print_interrupted", state["done"])


def _record(dsn, batch, actor, action, printed):
    try:
        with db.pooled_transaction(dsn) as cur:
            set_printed(cur, batch["id"], printed)
            count = "count" if action == "batch.codes_downloaded" else "printed"
            insert_event(cur, actor, action, batch["campaign_id"], {"batch_id": batch["id"], count: printed})
    except Exception:  # the PDF is what matters to the organiser; never fail it for the record
        log.exception("could not record %s for batch %s", action, batch["id"])
