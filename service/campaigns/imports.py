"""Subject lists from CSV or XLSX files: parsed, validated row by row, reported per row.

Headings may be Chinese or English; a file with any bad row imports nothing.
"""
from __future__ import annotations

import csv
import io

from marshmallow import ValidationError

from service.campaigns.errors import ImportFailed
from service.campaigns.schemas import SubjectIn

HEADINGS = {
    "name": ("名称", "姓名", "name"),
    "kind": ("类型", "kind"),
    "category": ("类别", "category"),
    "unit": ("单位", "部门", "unit"),
    "commitment": ("公开承诺", "承诺", "commitment"),
}
KINDS = {"组织": "organisation", "党组织": "organisation", "支部": "organisation", "organisation": "organisation",
         "个人": "person", "党员": "person", "person": "person"}
MAX_ROWS = 5000


def _header_map(header):
    mapping = {}
    for index, cell in enumerate(header):
        text = str(cell or "").strip().lower()
        for field, names in HEADINGS.items():
            if text in names:
                mapping[index] = field
    if "name" not in mapping.values():
        raise ImportFailed("the first row must hold the headings, with at least 名称 (name)",
                      {"headings": [str(c) for c in header]})
    return mapping


def _rows_from_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # what Excel on Chinese Windows saves
        except UnicodeDecodeError:
            raise ImportFailed("the CSV file is neither UTF-8 nor GB18030 text") from None
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportFailed(f"the CSV file cannot be read: {exc}") from None


# An XLSX is a zip: 4 MB of it can unpack to gigabytes of shared strings. A subject list of 5,000
# rows unpacks to a few MB; refuse anything that would unpack to more than this, before opening it.
MAX_XLSX_UNPACKED = 64 * 1024 * 1024


def _rows_from_xlsx(data: bytes):
    import zipfile

    from openpyxl import load_workbook
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ImportFailed("the file is not a readable XLSX workbook") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFailed(f"the workbook unpacks to {unpacked // 2**20} MB, more than a subject list needs "
                      f"(at most {MAX_XLSX_UNPACKED // 2**20} MB)")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a bad file
        raise ImportFailed("the file is not a readable XLSX workbook") from None
    try:
        # one row more than allowed (after the headings), so that too long a sheet is noticed
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        wb.close()


def parse_subjects(filename: str, data: bytes):
    """Return [(row number, subject dict)]; raise Invalid with every bad row's messages."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _rows_from_xlsx(data)
    elif name.endswith(".csv"):
        table = _rows_from_csv(data)
    else:
        raise ImportFailed("upload a .csv or .xlsx file", {"filename": filename})
    if not table:
        raise ImportFailed("the file is empty")
    mapping = _header_map(table[0])
    if len(table) - 1 > MAX_ROWS:
        raise ImportFailed(f"at most {MAX_ROWS} rows per file")
    good, errors, seen = [], {}, {}
    for number, raw in enumerate(table[1:], start=2):
        record = {f: str(raw[i]).strip() for i, f in mapping.items() if i < len(raw) and raw[i] is not None}
        if not any(record.values()):
            continue
        record["kind"] = KINDS.get(record.get("kind", "").lower(), record.get("kind") or "person")
        try:
            subject = SubjectIn().load(record)
        except ValidationError as exc:
            errors[str(number)] = exc.messages
            continue
        key = (subject["name"], subject["unit"])
        if key in seen:
            errors[str(number)] = {"name": [f"same name and unit as row {seen[key]}"]}
            continue
        seen[key] = number
        subject["position"] = number
        good.append((number, subject))
    if errors:
        raise ImportFailed("some rows are invalid; nothing was imported", {"rows": errors})
    if not good:
        raise ImportFailed("the file has no subject rows")
    return good
