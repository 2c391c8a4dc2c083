"""Results as files: CSV (UTF-8 with a BOM, so Excel opens Chinese text) and XLSX (one sheet per
round, frozen header, Chinese headings). Both are written from the same rows."""
from __future__ import annotations

import csv
import io

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
            writer.writerow([result["round"]] + ["" if v is None else v for v in row])
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def to_xlsx(results: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used = set()
    for result in results:
        title = "".join(c for c in result["round"] if c not in "[]:*?/\\")[:28] or "轮次"
        while title in used:
            title += "_"
        used.add(title)
        ws = wb.create_sheet(title)
        ws.append(HEADINGS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in result_rows(result):
            ws.append(row)
        ws.freeze_panes = "A2"
        for col, width in zip("ABCDEFGHIJKLMNO", (28, 8, 18, 16, 10, 10, 10, 10, 8, 10, 8, 6, 6, 6, 8)):
            ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
