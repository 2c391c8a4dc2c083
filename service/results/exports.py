"""Results as files: CSV (UTF-8 with a BOM, so Excel opens Chinese text) and XLSX (one sheet per
round, frozen header, Chinese headings, and a sheet of 意见建议 for those who may read them).
Both are written from the same rows. Text that a spreadsheet would take for a formula (a
write-in name, a subject, a comment starting with = + - @) is stored as text, never run."""
from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from ballots import lifecycle
from service.accounts.auth import COMMENTS_READ
from service.core.event_queries import insert_event
from service.results.errors import NotClosed


def gather(cur, principal, campaign_id, kind):
    """(definition, every round's results, its comments or []) for an export, which is an event.
    Comments go only into XLSX and PDF, and only to those who may read them."""
    from service.campaigns import operations as camps
    from service.results import operations as results
    definition = camps.definition(cur, campaign_id)
    if not lifecycle.allows("results", definition["state"]):
        raise NotClosed(f"results are counted once voting has closed; the campaign is {definition['state']}",
                       {"state": definition["state"]})
    rounds = [r["id"] for r in definition["rounds"]]
    all_results = [results.round_results(cur, campaign_id, r) for r in rounds]
    notes = [results.comments(cur, campaign_id, r) for r in rounds] \
        if kind in ("xlsx", "pdf") and principal.can(COMMENTS_READ) else []
    insert_event(cur, principal.actor, "results.exported", campaign_id, {"format": kind})
    return definition, all_results, notes


def generated_at(definition) -> str:
    try:
        zone = ZoneInfo(definition["rules"].get("time_zone") or "Asia/Shanghai")
    except (KeyError, ValueError, OSError):
        zone = ZoneInfo("Asia/Shanghai")
    return dt.datetime.now(zone).strftime("%Y-%m-%d %H:%M")


# OWASP "CSV injection": a cell beginning with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """A CSV cell that a spreadsheet shows as written: formula-like text gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value

HEADINGS = ["题目", "题型", "对象", "指标", "群体", "有效评价", "满意率", "平均分", "得票", "得票率", "排名",
            "达标", "后进", "推荐", "需决选"]
_TYPES = {"rating": "测评", "approve": "赞成", "choose": "推荐", "score": "打分"}


def _yes(flag):
    return "是" if flag else ""


def result_rows(result: dict) -> list[list]:
    """One row per subject (or candidate) and figure: the composite first, then each group shown."""
    names = {g["id"]: g["name"] for g in result["groups"]}
    q = result["quorum"]
    rows = [["（有效门槛）", "", "", "", "", q["cast"], None, None, None, None, None,
             {True: "有效", False: "未达门槛，结果无效", None: "未评估"}[q["met"]], "", "", ""]]
    for sec in result["sections"]:
        kind = _TYPES.get(sec["type"])
        if kind is None:
            continue
        for item in sec.get("rows", []) + sec.get("candidates", []):
            name, criterion = item["name"], item.get("criterion", "")
            if sec["type"] == "choose":
                rows.append([sec["title"], kind, name, "", "综合", None, None, None, item["votes"], item["share"],
                             item["rank"], "", "", _yes(item["recommended"]), _yes(item["runoff"])])
            else:
                rows.append([sec["title"], kind, name, criterion, "综合", item.get("valid"), item.get("rate"),
                             item["mean"], None,
                             None, item["rank"], _yes(item.get("passed")), _yes(item.get("laggard")), "", ""])
            for gid, g in item["groups"].items():
                if g is None:
                    continue  # a group below the small-group threshold is not shown apart
                group = names.get(int(gid), str(gid))
                if sec["type"] == "choose":
                    rows.append([sec["title"], kind, name, "", group, None, None, None, g["votes"], g["share"],
                                 None, "", "", "", ""])
                elif sec["type"] == "score":
                    rows.append([sec["title"], kind, name, criterion, group, g["raters"], None, g["mean"], None,
                                 None, None, "", "", "", ""])
                else:
                    rows.append([sec["title"], kind, name, criterion, group, g["valid"], g["rate"], g["mean"], None,
                                 None, None, "", "", "", ""])
    return rows


def to_csv(results: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["轮次"] + HEADINGS)
    for result in results:
        for row in result_rows(result):
            writer.writerow([_csv_cell(result["round"])] + ["" if v is None else _csv_cell(v) for v in row])
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def _append(ws, row):
    """A row whose text stays text: openpyxl would store '=…' as a live formula."""
    ws.append(row)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
            cell.data_type = "s"


def _sheet_title(name: str, used: set) -> str:
    """A sheet name Excel and LibreOffice both take: at most 31 characters, none of []:*?/\\, no
    apostrophe at either end, not the reserved History, unique regardless of case."""
    base = "".join(c for c in name if c not in "[]:*?/\\").strip().strip("'").strip()[:31] or "轮次"
    if base.lower() == "history":
        base = "轮次 History"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f"（{n}）"
        title = base[:31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def _composite_sheet(ws, composite: dict, bold) -> None:
    """两推三评: the results page's table, its figures as numbers, the weights beneath."""
    from ballots.display import COMPOSITE_HEADINGS, composite_rows, weights_line
    _append(ws, COMPOSITE_HEADINGS)
    for cell in ws[1]:
        cell.font = bold
    for row in composite_rows(composite, text=False):
        _append(ws, row)
    _append(ws, [])
    _append(ws, [weights_line(composite["weights"])])
    for col, width in zip("ABCDEFG", (6, 28, 10, 10, 10, 10, 16)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"


def to_xlsx(results: list[dict], notes: list[dict] | None = None, composite: dict | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    used = {"意见建议", "两推三评"}
    for result in results:
        ws = wb.create_sheet(_sheet_title(result["round"], used))
        _append(ws, HEADINGS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in result_rows(result):
            _append(ws, row)
        ws.freeze_panes = "A2"
        for col, width in zip("ABCDEFGHIJKLMNO", (28, 8, 18, 16, 10, 10, 10, 10, 8, 10, 8, 6, 6, 6, 8)):
            ws.column_dimensions[col].width = width
    if composite:
        _composite_sheet(wb.create_sheet("两推三评"), composite, Font(bold=True))
    if notes:
        ws = wb.create_sheet("意见建议")
        _append(ws, ["轮次", "题目", "序号", "意见建议"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for note in notes:
            for sec in note["sections"]:
                for i, text in enumerate(sec["comments"], start=1):
                    _append(ws, [note["round"], sec["title"], i, text])
        for col, width in zip("ABCD", (16, 20, 6, 80)):
            ws.column_dimensions[col].width = width
        for cell in ws["D"]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
    if not wb.worksheets:  # a workbook needs a sheet: say there is nothing to count
        wb.create_sheet("结果").append(["本活动没有轮次，没有可导出的结果"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
