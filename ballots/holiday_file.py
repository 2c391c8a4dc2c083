"""The small text file a year's holiday schedule is entered from (docs/calendar.md), typed from
the State Council's notice and shared by the admin page and the CLI:

    # 国务院办公厅关于 2027 年部分节假日安排的通知
    year = 2027
    source = 国办发明电〔2026〕X号
    # 放假（连同其中的周末）
    holidays = 2027-01-01..2027-01-03
    holidays = 2027-02-05..2027-02-13
    # 调休上班（周六、周日）
    workdays = 2027-02-20

Keys may be written in Chinese (年份、来源、放假、上班) and may repeat (the dates add up); a
range is `开始..结束` (or 至, ~); a date is 2027-02-05, 2027/2/5 or 2027年2月5日; full-width
punctuation is read as its ASCII twin; `#` starts a comment.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .publicity import YearSchedule

YEARS = range(2000, 2100)
LONGEST_RANGE = 31  # days: no official holiday has come near it, so a longer range is a typo
MAX_PROBLEMS = 30
WEEKDAYS = "一二三四五六日"
KEYS = {"year": "year", "年份": "year", "source": "source", "来源": "source",
        "holidays": "holidays", "放假": "holidays",
        "workdays": "workdays", "上班": "workdays", "调休上班": "workdays"}
_ENTRY = re.compile(r"([^=:]+?)\s*[=:]\s*(.*)")
_RAW_VALUE = re.compile(r"[^=:＝：]+?\s*[=:＝：]\s*(.*)")  # a source as typed, full-width colons and all
_DATE = re.compile(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?")
_RANGE = re.compile(r"\s*(?:\.\.|…|至|到|~)\s*")
_SEPARATORS = re.compile(r"[,、;\s]+")
_EXAMPLE = "应写成 2027-02-05 或 2027年2月5日，一段日期写成 2027-02-05..2027-02-13"


class ScheduleInvalid(ValueError):
    """The file is refused; `problems` says what is wrong, each with its line number."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def decode(data: bytes) -> str:
    """A file's text: UTF-8 (with or without a BOM), else GB18030 (Notepad's "ANSI" on a
    Chinese Windows)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ScheduleInvalid(["这不是文本文件：请上传 UTF-8 或 GBK 编码的纯文本（.txt）"])


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
MAX_CHARS = 64 * 1024  # a year's notice is a few hundred characters


def parse(text: str) -> YearSchedule:
    """The schedule the file describes, or ScheduleInvalid listing every problem found."""
    if len(text) > MAX_CHARS:
        raise ScheduleInvalid([f"文件过大：一年的安排不会超过 {MAX_CHARS // 1024} KB"])
    reader = _Reader()
    for number, raw in enumerate(text.splitlines(), 1):
        if _CONTROL.search(raw):  # NUL, other control and direction characters: nothing a notice has
            reader.refuse(number, "含有控制字符或不可见的方向字符，请删除")
            continue
        reader.read(number, raw)
    return reader.finish()


class _Reader:
    def __init__(self):
        self.problems: list[tuple[int, str]] = []
        self.year = self.year_line = self.source_line = None
        self.source = ""
        self.dates: dict[str, list[tuple[dt.date, int]]] = {"holidays": [], "workdays": []}
        self.keys_seen: set[str] = set()

    def refuse(self, number, text):
        self.problems.append((number, f"第 {number} 行：{text}" if number else text))

    def read(self, number, raw):
        raw = re.split(r"[#＃]", raw, maxsplit=1)[0].strip()
        line = unicodedata.normalize("NFKC", raw)
        if not line:
            return
        entry = _ENTRY.fullmatch(line)
        if entry is None:
            return self.refuse(number, f"看不懂「{line}」：每行写成「放假 = 日期, …」「上班 = 日期, …」或「年份 = 2027」")
        key, value = entry.group(1).strip().lower(), entry.group(2).strip()
        kind = KEYS.get(key)
        if kind is None:
            return self.refuse(number, f"不认识「{key}」：应为 year（年份）、holidays（放假）、"
                                       "workdays（上班）或 source（来源）")
        self.keys_seen.add(kind)
        if kind == "year":
            return self.read_year(number, value)
        if kind == "source":
            typed = _RAW_VALUE.fullmatch(raw)
            return self.read_source(number, typed.group(1).strip() if typed else value)
        self.read_dates(number, kind, value)

    def read_year(self, number, value):
        found = re.fullmatch(r"(\d{4})\s*年?", value)
        if self.year_line is not None:
            self.refuse(number, f"年份写了两次（第 {self.year_line} 行已写）：一个文件只写一年")
        elif found is None:
            self.refuse(number, f"年份「{value}」应为四位数字，如 year = 2027")
        elif int(found.group(1)) not in YEARS:
            self.refuse(number, f"年份 {found.group(1)} 不在 {YEARS[0]}–{YEARS[-1]} 之间")
        else:
            self.year, self.year_line = int(found.group(1)), number

    def read_source(self, number, value):
        if self.source_line is not None:
            return self.refuse(number, f"来源写了两次（第 {self.source_line} 行已写）")
        if len(value) > 200:
            return self.refuse(number, "来源太长（至多 200 字）：写通知的标题或文号即可")
        self.source, self.source_line = value, number

    def read_dates(self, number, kind, value):
        items = [item for item in _SEPARATORS.split(_RANGE.sub("..", value)) if item]
        if not items:
            return self.refuse(number, f"没有写日期：{_EXAMPLE}")
        for item in items:
            self.dates[kind] += [(day, number) for day in self.read_span(number, item)]

    def read_span(self, number, item) -> list[dt.date]:
        parts = item.split("..")
        if len(parts) > 2 or "" in parts:
            self.refuse(number, f"「{item}」看不懂：{_EXAMPLE}")
            return []
        ends = [self.read_date(number, part) for part in parts]
        if None in ends:
            return []
        first, last = ends[0], ends[-1]
        length = (last - first).days + 1
        if length < 1:
            self.refuse(number, f"{first}..{last} 的结束日期早于开始日期")
            return []
        if length > LONGEST_RANGE:
            self.refuse(number, f"{first}..{last} 长达 {length} 天，不像一段假期：请核对月份和日期")
            return []
        return [first + dt.timedelta(days=i) for i in range(length)]

    def read_date(self, number, text) -> dt.date | None:
        found = _DATE.fullmatch(text)
        if found is None:
            self.refuse(number, f"「{text}」不是日期：{_EXAMPLE}")
            return None
        try:
            return dt.date(*map(int, found.groups()))
        except ValueError:
            self.refuse(number, f"没有「{text}」这一天")
            return None

    def finish(self) -> YearSchedule:
        self.check()
        if self.problems:
            ordered = [text for _, text in sorted(self.problems, key=lambda p: p[0])]
            if len(ordered) > MAX_PROBLEMS:
                ordered = ordered[:MAX_PROBLEMS] + [f"……另有 {len(ordered) - MAX_PROBLEMS} 处问题"]
            raise ScheduleInvalid(ordered)
        return YearSchedule(self.year, frozenset(d for d, _ in self.dates["holidays"]),
                            frozenset(d for d, _ in self.dates["workdays"]), self.source)

    def check(self):
        if "year" not in self.keys_seen:
            self.refuse(0, "没有写年份：请加一行「year = 2027」（或「年份 = 2027」）")
        if "holidays" not in self.keys_seen:
            self.refuse(0, "没有列出放假日期：请加「holidays = 2027-01-01..2027-01-03」这样的行（或「放假 = …」）")
        holidays, workdays = self.check_listed("holidays"), self.check_listed("workdays")
        for day in sorted(holidays.keys() & workdays.keys()):
            self.refuse(workdays[day], f"{day} 既列为放假（第 {holidays[day]} 行）又列为上班")
        for day, number in workdays.items():
            if day.weekday() < 5:
                self.refuse(number, f"{day} 是星期{WEEKDAYS[day.weekday()]}，本来就上班："
                                    "调休上班日应是周六或周日")

    def check_listed(self, kind) -> dict[dt.date, int]:
        """Each day of `kind` in the year and listed once; returns day → the line listing it."""
        seen: dict[dt.date, int] = {}
        for day, number in self.dates[kind]:
            if self.year is not None and day.year != self.year:
                self.refuse(number, f"{day} 不在 {self.year} 年内：一个文件只写一年的安排")
            elif day in seen:
                again = f"（第 {seen[day]} 行已有）" if seen[day] != number else ""
                self.refuse(number, f"{day} 重复列出{again}")
            else:
                seen[day] = number
        return seen


def runs(days) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days gathered into (first, last) ranges, in order."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if out and day - out[-1][1] == dt.timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def describe(first: dt.date, last: dt.date) -> str:
    """星期五至星期日，3 天 — what a range covers, for checking it against the notice."""
    if first == last:
        return f"星期{WEEKDAYS[first.weekday()]}"
    return f"星期{WEEKDAYS[first.weekday()]}至星期{WEEKDAYS[last.weekday()]}，{(last - first).days + 1} 天"


def format_schedule(schedule: YearSchedule) -> str:
    """The schedule as a file that `parse` reads back to the same schedule."""
    out = [f"year = {schedule.year}"] + ([f"source = {schedule.source}"] if schedule.source else [])
    out.append("# 放假（连同其中的周末）")
    for first, last in runs(schedule.holidays):
        out.append(f"holidays = {first if first == last else f'{first}..{last}'}  # {describe(first, last)}")
    out.append("# 调休上班")
    out += [f"workdays = {day}  # {describe(day, day)}" for day in sorted(schedule.workdays)]
    return "\n".join(out) + "\n"
