"""Issuance benchmark: issue N ballots (tokens stored, PDF written) through the real request
handler, against a baseline that differs only in making each QR code with `qrcode.make`;
then the peak memory of printing 1,000 and 10,000 ballots, each in a fresh process.

    .venv/bin/python bench/issuance.py            # full run (about a minute)
    .venv/bin/python bench/issuance.py --quick    # baseline on 2,000 ballots, per-ballot ratio

Targets: 10,000 ballots in ≤ 10 s, ≥ 10× the baseline, peak memory for 10,000 less than 2×
that for 1,000 — both the Python heap while issuing (tracemalloc, which sees what the request
holds) and the process's peak RSS (dominated by the interpreter and libraries, so it could hide
a growing request on its own). The last line is one JSON object; the exit status is 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from common import ROOT, announced_campaign, fresh_database, make_app


def issue(app, campaign, headers, size, layout="slips-2x4"):
    """POST the batch and write the streamed PDF to a file; return (seconds, bytes written)."""
    client = app.test_client()
    body = {"round_id": campaign["round"], "group_id": campaign["group"], "size": size, "layout": layout}
    written = 0
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        resp = client.post(f"/api/v1/campaigns/{campaign['id']}/batches", json=body, headers=headers,
                           buffered=False)
        assert resp.status_code == 201, resp.status_code
        for chunk in resp.iter_encoded():
            out.write(chunk)
            written += len(chunk)
        resp.close()
        seconds = time.perf_counter() - start
    return seconds, written


def qrcode_make_images():
    """Replace the fast encoder with `qrcode.make` per ballot, embedding its picture as a 1-bit
    image of one pixel a module with the same 4-module quiet zone: the same PDF, byte for byte
    the same size, with each code made by qrcode (version fitted, mask chosen by penalty)."""
    import qrcode

    from ballots import slips

    def baseline_image(writer, base_url, token):
        image = qrcode.make(slips.ballot_url(base_url, token), box_size=1, border=4).get_image().convert("1")
        return writer.image_1bit(image.tobytes(), image.width), image.width

    slips._qr_image = baseline_image


def child_memory(size: int) -> None:
    """In a fresh process: the peak of the Python heap while issuing (tracemalloc: every object
    the request makes, from the minted tokens to the PDF chunks) and the process's peak RSS."""
    import tracemalloc
    dsn = fresh_database(f"pingyi_bench_mem_{size}")
    app = make_app(dsn)
    campaign, headers = announced_campaign(app)
    issue(app, campaign, headers, 10)  # warm up imports and the pool before the measured part
    tracemalloc.start()
    seconds, written = issue(app, campaign, headers, size)
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"size": size, "heap_peak_kib": heap_peak / 1024, "peak_rss_kib": peak, "seconds": seconds,
                      "pdf_bytes": written}))


def measure_memory(size: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child-memory", str(size)], cwd=ROOT / "bench",
                         capture_output=True, text=True, check=True, env={**os.environ})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--baseline-size", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="baseline on 2,000 ballots")
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(args.child_memory)
        return 0
    baseline_size = args.baseline_size or (2_000 if args.quick else args.size)

    dsn = fresh_database("pingyi_bench_issuance")
    app = make_app(dsn)
    campaign, headers = announced_campaign(app)
    issue(app, campaign, headers, 10)  # warm-up
    seconds, pdf_bytes = issue(app, campaign, headers, args.size)
    print(f"pingyi: {args.size} ballots in {seconds:.2f} s ({pdf_bytes / 1e6:.1f} MB PDF)", file=sys.stderr)

    qrcode_make_images()
    base_seconds, base_bytes = issue(app, campaign, headers, baseline_size)
    print(f"baseline (qrcode.make per ballot): {baseline_size} ballots in {base_seconds:.2f} s "
          f"({base_bytes / 1e6:.1f} MB PDF)", file=sys.stderr)
    ratio = (base_seconds / baseline_size) / (seconds / args.size)
    # The same PDF: per ballot, the two files differ by less than 1 % (the codes' bits differ).
    size_ratio = (base_bytes / baseline_size) / (pdf_bytes / args.size)
    assert abs(size_ratio - 1) < 0.01, f"the baseline wrote a different PDF ({size_ratio:.3f}× the bytes a ballot)"

    small, large = measure_memory(1_000), measure_memory(10_000)
    heap_ratio = large["heap_peak_kib"] / small["heap_peak_kib"]
    rss_ratio = large["peak_rss_kib"] / small["peak_rss_kib"]
    print(f"peak Python heap while issuing: 1,000 → {small['heap_peak_kib']:.0f} KiB, "
          f"10,000 → {large['heap_peak_kib']:.0f} KiB; peak RSS {small['peak_rss_kib'] / 1024:.1f} / "
          f"{large['peak_rss_kib'] / 1024:.1f} MiB", file=sys.stderr)

    ok = seconds <= 10 and ratio >= 10 and heap_ratio < 2 and rss_ratio < 2
    print(json.dumps({
        "ballots": args.size, "seconds": round(seconds, 2), "pdf_bytes": pdf_bytes,
        "baseline_ballots": baseline_size, "baseline_seconds": round(base_seconds, 2),
        "baseline_pdf_bytes": base_bytes, "ratio": round(ratio, 1),
        "heap_peak_kib_1000": round(small["heap_peak_kib"]), "heap_peak_kib_10000": round(large["heap_peak_kib"]),
        "memory_ratio": round(heap_ratio, 2),
        "peak_rss_mib_1000": round(small["peak_rss_kib"] / 1024, 1),
        "peak_rss_mib_10000": round(large["peak_rss_kib"] / 1024, 1),
        "rss_ratio": round(rss_ratio, 2),
        "targets": {"seconds_max": 10, "ratio_min": 10, "memory_ratio_max": 2}, "ok": ok,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
