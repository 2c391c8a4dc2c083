"""The paper count's pages (docs/paper.md), for a phone or a laptop in the hall: scan or type a
slip's code, key its marks, see what came of it; a supervisor (监票人) sees a disputed sheet's two
entries side by side and decides. A slip's code travels only in form bodies, never in a URL."""
from __future__ import annotations

import json
import threading

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from ballots import form_fields, lifecycle
from service.accounts.auth import PAPER_DECIDE, PAPER_ENTER
from service.campaigns import operations as camps
from service.core import db
from service.core.errors import APIError
from service.paper import operations as paper
from service.paper import scans
from service.web import admin, error_messages, page

bp = admin  # the admin pages' blueprint (service.web)
LARGE_UPLOADS = {"admin.paper_upload": "scan_max_bytes"}  # scans: SCAN_MAX_BYTES, not UPLOAD_MAX_BYTES

STATES = {"first_entry": "第一次录入", "second_entry": "第二次录入（请独立录入，不要参考第一次）",
          "waiting": "这张票的一次录入是您做的（或由您上传识读），请交另一位计票人录入",
          "disputed": "两次录入不一致，待监票人裁定",
          "counted": "已计入，无需再录", "spoiled": "已整张作废", "duplicate": "此票码已在手机上投过：记为重复票，不计入"}
OUTCOME_WORDS = {"first_entry": "第一次录入已保存，请交另一位计票人做第二次录入。",
                 "counted": "两次录入一致，已计入。", "disputed": "两次录入不一致，已交监票人裁定。",
                 "spoiled": "已整张作废。", "duplicate": "此票码已在手机上投过：记为重复票，不计入，请单独存放。"}


def _open_campaigns(cur) -> list[dict]:
    out = []
    for c in camps.list_campaigns(cur):
        if lifecycle.allows("cast", c["state"]):
            out.append({"campaign": c, "paper": paper.summary(cur, c["id"]), "scans": scans.pending_scans(cur, c["id"]),
                        "rounds": {r["id"]: r["title"] for r in camps.definition(cur, c["id"])["rounds"]}})
    return out


@bp.get("/paper")
@page(PAPER_ENTER)
def paper_index():
    """The scan box, and each open campaign's paper count so far."""
    with db.transaction() as cur:
        campaigns = _open_campaigns(cur)
    return render_template("paper/index.html", campaigns=campaigns)


def _again(errors: list[str]):
    for line in errors:
        flash(line, "error")
    return redirect(url_for("admin.paper_index"))


@bp.post("/paper/sheet")
@page(PAPER_ENTER)
def paper_sheet():
    """A scanned or typed code: the sheet's form for the teller, or what became of it."""
    code = request.form.get("code", "")
    try:
        with db.transaction() as cur:
            sheet = paper.open_sheet(cur, g.user, code)
    except APIError as exc:
        return _again(error_messages(exc))
    if "sections" not in sheet:
        flash(STATES[sheet["state"]], "error" if sheet["state"] == "duplicate" else "info")
        return redirect(url_for("admin.paper_index"))
    if sheet["state"] == "disputed" and g.user.can(PAPER_DECIDE):
        return _dispute(code)
    return render_template("paper/entry.html", sheet=sheet, code=code, state_words=STATES[sheet["state"]],
                           answers={}, action=url_for("admin.paper_enter"))


@bp.post("/paper/enter")
@page(PAPER_ENTER)
def paper_enter():
    code = request.form.get("code", "")
    try:
        with db.transaction() as cur:
            sheet = paper.open_sheet(cur, g.user, code)
            if "sections" not in sheet:
                return _again([STATES[sheet["state"]]])
            answers = form_fields.answers(sheet["sections"], request.form)
            outcome = paper.enter(cur, g.user, code, answers)
    except APIError as exc:
        return _again(error_messages(exc))
    return _told(outcome)


def _told(outcome: dict):
    flash(OUTCOME_WORDS[outcome["outcome"]], "error" if outcome["outcome"] in ("duplicate", "disputed") else "info")
    for s in outcome.get("spoiled_sections", []):
        flash(f"第 {s['section_id']} 号题作废：{s['reason']}", "error")
    return redirect(url_for("admin.paper_index"))


def _dispute(code: str):
    with db.transaction() as cur:
        shown = paper.dispute(cur, code)
    first, second = (e["answers"] for e in shown["entries"])
    return render_template("paper/dispute.html", sheet=shown, code=code, rows=side_by_side(shown["sections"], first, second),
                           answers=agreed(first, second), action=url_for("admin.paper_decide"))


def agreed(first: dict, second: dict) -> dict:
    """What the two entries agree on: the supervisor's form starts from it, the rest left to the paper."""
    out = {}
    for sid, a in first.items():
        b = second.get(sid)
        if isinstance(a, dict) and isinstance(b, dict) and "chosen" not in a:
            out[sid] = {k: v for k, v in a.items() if b.get(k) == v}
        elif a == b:
            out[sid] = a
    return out


def _shown(sec, answer) -> list[tuple[str, str]]:
    """(label, what was keyed) for each line of a section, in words."""
    if sec.type in ("rating", "approve", "score"):
        return [(f"{sec.title}：{row.name}" + (f"·{row.criterion}" if row.criterion else ""),
                 str((answer or {}).get(row.key, ""))) for row in sec.rows]
    if sec.type == "choose":
        names = {row.subject_id: row.name for row in sec.rows}
        chosen = [names.get(i, str(i)) for i in (answer or {}).get("chosen", [])]
        written = [w for w in (answer or {}).get("write_ins", []) if w]
        return [(sec.title, "、".join(chosen) + (f"（另选：{'、'.join(written)}）" if written else ""))]
    return [(sec.title, answer or "")]


def side_by_side(sections, first: dict, second: dict) -> list[tuple[str, str, str]]:
    """A disputed sheet's two entries line by line: (label, first, second)."""
    rows = []
    for sec in sections:
        a, b = _shown(sec, first.get(str(sec.id))), _shown(sec, second.get(str(sec.id)))
        rows += [(label, x, y) for (label, x), (_label, y) in zip(a, b)]
    return rows


@bp.post("/paper/decide")
@page(PAPER_DECIDE)
def paper_decide():
    code = request.form.get("code", "")
    try:
        with db.transaction() as cur:
            if request.form.get("spoil"):
                reason = request.form.get("reason", "").strip()
                if not reason:
                    return _again(["整张作废须写明原因"])
                outcome = paper.decide(cur, g.user, code, spoiled=reason[:200])
            else:
                shown = paper.dispute(cur, code)
                outcome = paper.decide(cur, g.user, code, form_fields.answers(shown["sections"], request.form))
    except APIError as exc:
        return _again(error_messages(exc))
    return _told(outcome)


# --- scans (service/paper/scans.py) -----------------------------------------------------------

@bp.post("/paper/scans")
@page(PAPER_ENTER)
def paper_upload():
    """Scanned PDFs or photos of paper ballots: read in the background; the page shows progress
    (paper.js sends the files with its own progress bar, then follows the job)."""
    files = []
    for f in request.files.getlist("scans"):
        with f.stream:  # a large part is spooled to a temporary file: closed here, not left to the collector
            if f.filename:
                files.append((f.filename, f.read()))
    campaign_id = request.form.get("campaign_id", "")
    if not files or not campaign_id.isdigit():
        return _again(["请选择活动和要上传的扫描件（PDF 或图片）"])
    try:
        with db.transaction() as cur:
            job_id, pages = scans.start(cur, g.user, int(campaign_id), files)
    except APIError as exc:
        return _again(error_messages(exc))
    threading.Thread(target=scans.run, args=(current_app._get_current_object(), job_id, g.user, pages),
                     name="paper-scans", daemon=True).start()
    url = url_for("admin.paper_job", job=job_id.hex())
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify({"job": url})
    return redirect(url)


@bp.get("/paper/jobs/<job>")
@page(PAPER_ENTER)
def paper_job(job):
    """An upload's progress, as a page (polled by paper.js) or as JSON."""
    with db.transaction() as cur:
        found = scans.progress(cur, job)
    if found is None:
        abort(404)
    if request.args.get("format") == "json":
        return jsonify(found)
    return render_template("paper/job.html", job=found, job_id=job)


@bp.get("/paper/scans/<scan>")
@page(PAPER_ENTER)
def paper_confirm(scan):
    """The confirm screen: the scanned region of every box beside its proposed mark, the flags,
    and the handwriting to type; the teller's entry is sent as any entry is."""
    try:
        with db.transaction() as cur:
            shown = scans.confirm_screen(cur, g.user, scan, current_app.config["SETTINGS"].var_dir)
    except APIError as exc:
        return _again(error_messages(exc))
    if shown is None:
        abort(404)
    sheet = shown["sheet"]
    if "sections" not in sheet:
        return _again([STATES[sheet["state"]]])
    crops = {tuple(json.loads(k)): v for k, v in shown["marks"].items()}
    flags: dict = {}
    for f in shown["flags"]:
        flags.setdefault(f["key"][0], []).append(f["message"])
    words = {"second_entry": "核对机器识读的结果：确认即为第二次录入",
             "first_entry": "机器识读有不确定之处：请对照扫描图录入（第一次录入）"}
    return render_template("paper/entry.html", sheet=sheet, code=shown["code"],
                           state_words=words.get(sheet["state"], STATES[sheet["state"]]), answers=shown["answers"],
                           action=url_for("admin.paper_enter"), crops=crops, flags=flags, regions=shown["regions"])
