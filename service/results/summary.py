"""The 汇总表: the results as an office files them upward, an XLSX sheet a round, ready to print.
Per subject (or candidate) the count of every option, the valid marks, the rates as numbers in a
percentage format (0.0%) and the scores in one decimal (0.0): the cells hold the API's figures
unrounded, the format only shows them. Three header rows frozen and repeated on every printed
page, a print area, A4 landscape, fitted to one page wide."""
from __future__ import annotations

import io

from service.results.exports import _sheet_title

PERCENT, SCORE, COUNT = "0.0%", "0.0", "0"
HEADER_ROWS = 3


def options_of(result: dict) -> list[str]:
    """Every option the round's rating and approve sections use, in their order."""
    seen: list[str] = []
    for sec in result["sections"]:
        for opt in sec.get("options", []) if sec["type"] in ("rating", "approve") else []:
            if opt not in seen:
                seen.append(opt)
    return seen


def headings(options: list[str]) -> list[str]:
    return ["题目", "排名", "对象", "指标", *options, "有效评价", "满意率/赞成率", "综合得分", "得票", "得票率",
            "达标", "后进", "推荐"]


def _yes(flag) -> str:
    return "是" if flag else ""


def rows_of(result: dict, options: list[str]) -> list[tuple[list, list]]:
    """(values, number formats) per subject and section, ranked within each section."""
    out = []
    blank = [None] * len(options)
    for sec in result["sections"]:
        t = sec["type"]
        items = sorted(sec.get("rows") or sec.get("candidates") or [], key=lambda x: (x["rank"] is None, x["rank"] or 0))
        for x in items:
            head = [sec["title"], x["rank"], x["name"] + ("（另选）" if x.get("write_in") else ""), x.get("criterion", "")]
            if t in ("rating", "approve"):
                counts = [x["counts"].get(o, 0) if o in sec["options"] else None for o in options]
                tail = [x["valid"], x["rate"], x["mean"] if t == "rating" else None, None, None,
                        _yes(x["passed"]), _yes(x["laggard"]) if t == "rating" else "", ""]
            elif t == "score":
                counts, tail = blank, [None, None, x["mean"], None, None, "", "", ""]
            elif t == "choose":
                counts = blank
                tail = [None, None, None, x["votes"], x["share"], "", "",
                        "推荐" if x["recommended"] else ("需决选" if x["runoff"] else "")]
            else:
                continue
            formats = [None, COUNT, None, None] + [COUNT] * len(options) + \
                [COUNT, PERCENT, SCORE, COUNT, PERCENT, None, None, None]
            out.append((head + counts + tail, formats))
    return out


def _used(heads: list[str], rows: list[tuple[list, list]]) -> tuple[list[str], list[tuple[list, list]]]:
    """Only the columns some row of the round fills (a recommendation round has no 满意率), so the
    sheet prints large enough to read on one page's width."""
    keep = [i for i, h in enumerate(heads) if h in ("题目", "排名", "对象")
            or any(values[i] not in (None, "") for values, _ in rows)]
    return [heads[i] for i in keep], [([v[i] for i in keep], [f[i] for i in keep]) for v, f in rows]


def _title_rows(ws, title: str, result: dict, generated: str, width: int) -> None:
    from openpyxl.styles import Alignment, Font
    q = result["quorum"]
    verdict = {True: "有效", False: "未达有效门槛，结果无效", None: "未评估"}[q["met"]]
    issued = sum(g["issued"] or 0 for g in result["groups"])  # a group given no batch: null, none issued
    ws.append([f"{title}　{result['round']}　计票结果汇总表"])
    ws.append([f"发出 {issued} 张，收回 {result['ballots'] or 0} 张；{verdict}；生成于 {generated}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"].alignment = Alignment(horizontal="center")


def _print_setup(ws, width: int) -> None:
    from openpyxl.utils import get_column_letter
    last = get_column_letter(width)
    ws.freeze_panes = f"A{HEADER_ROWS + 1}"
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    ws.print_area = f"A1:{last}{ws.max_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _as_text(ws) -> None:
    """Every text cell stored as text: openpyxl would write a title, an option's label or a name
    that begins with = as a formula, which Excel then runs (the sheet holds no formula of its own)."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def to_xlsx(title: str, results: list[dict], generated: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set = set()
    thin = Side(style="thin", color="999999")
    for result in results:
        ws = wb.create_sheet(_sheet_title(result["round"], used))
        options = options_of(result)
        heads, rows = _used(headings(options), rows_of(result, options))
        _title_rows(ws, title, result, generated, len(heads))
        ws.append(heads)
        for cell in ws[HEADER_ROWS]:
            cell.font, cell.border = Font(bold=True), Border(bottom=thin)
        for values, formats in rows:
            ws.append(values)
            for cell, fmt in zip(ws[ws.max_row], formats):
                if fmt:  # on blank figure cells too: a figure typed in later shows as its column does
                    cell.number_format = fmt
        for i, h in enumerate(heads, start=1):
            ws.column_dimensions[get_column_letter(i)].width = {"题目": 22, "对象": 18, "指标": 12}.get(h, 9)
        _print_setup(ws, len(heads))
        _as_text(ws)
    if not wb.worksheets:
        wb.create_sheet("汇总表").append(["本活动没有轮次，没有可汇总的结果"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
