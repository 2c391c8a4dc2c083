"""A year's holiday schedule entered as a small file, and the calendar that uses it for the years
chinese-calendar lacks (no database, no Flask: ballots/ is the domain)."""
from __future__ import annotations

import datetime as dt

import pytest

from ballots import holiday_file
from ballots.publicity import PACKAGE_YEARS, Calendar, CalendarUnknown, YearSchedule, window
from tests.helpers import SCHEDULE_2027

D = dt.date.fromisoformat

# TEST DATA, not the official schedule: the State Council's notice for 2027 is not in this
# repository. A plausible 2027 (元旦 Fri–Sun; 春节 from 除夕, Fri 5 Feb, to Sat 13 Feb with
# Sat 20 Feb worked; National Day Fri 1 – Thu 7 Oct with Sun 26 Sep and Sat 9 Oct worked).


def test_the_file_reads_as_the_notice_lists_it():
    s = holiday_file.parse(SCHEDULE_2027)
    assert (s.year, s.source) == (2027, "测试数据：仿照国务院办公厅通知")
    assert len(s.holidays) == 3 + 9 + 3 + 5 + 1 + 1 + 7
    assert {D("2027-02-05"), D("2027-02-13"), D("2027-04-04"), D("2027-06-09")} <= s.holidays
    assert s.workdays == {D("2027-02-20"), D("2027-05-08"), D("2027-09-26"), D("2027-10-09")}
    assert holiday_file.parse(holiday_file.format_schedule(s)) == s  # `show` prints what `load` reads


def test_full_width_punctuation_and_a_bom_free_gbk_file_are_read():
    text = "ｙｅａｒ　＝　２０２７\n放假＝２０２７－０１－０１～２０２７－０１－０３，2027/2/5\n上班：2027-02-20\n"
    s = holiday_file.parse(holiday_file.decode(text.encode("gb18030")))
    assert s.holidays == {D("2027-01-01"), D("2027-01-02"), D("2027-01-03"), D("2027-02-05")}
    assert holiday_file.decode("\ufeffyear = 2027".encode("utf-8")) == "year = 2027"


@pytest.mark.parametrize("text, problems", [
    ("year = 2027\nholidays = 2027-02-30\n", ["第 2 行：没有「2027-02-30」这一天"]),
    ("year = 2027\nholidays = 2027-01-01\nworkdays = 2027-02-17\n",
     ["第 3 行：2027-02-17 是星期三，本来就上班：调休上班日应是周六或周日"]),
    ("year = 2027\nholidays = 2027-02-05..2027-02-13\nworkdays = 2027-02-06\n",
     ["第 3 行：2027-02-06 既列为放假（第 2 行）又列为上班"]),
    ("year = 2027\nholidays = 2026-12-31, 2027-01-01\n",
     ["第 2 行：2026-12-31 不在 2027 年内：一个文件只写一年的安排"]),
    ("year = 2027\nholidays = 2027-02-13..2027-02-05\n", ["第 2 行：2027-02-13..2027-02-05 的结束日期早于开始日期"]),
    ("year = 2027\nholidays = 2027-01-01..2027-03-01\n",
     ["第 2 行：2027-01-01..2027-03-01 长达 60 天，不像一段假期：请核对月份和日期"]),
    ("year = 2027\nholidays = 2027-01-01..2027-01-03\nholidays = 2027-01-03\n",
     ["第 3 行：2027-01-03 重复列出（第 2 行已有）"]),
    ("year = 2027\n节日 = 2027-01-01\nholidays = 2027-01-01\n",
     ["第 2 行：不认识「节日」：应为 year（年份）、holidays（放假）、workdays（上班）或 source（来源）"]),
    ("year = 2027\n2027-01-01\nholidays = 1月1日\n",
     ["第 2 行：看不懂「2027-01-01」：每行写成「放假 = 日期, …」「上班 = 日期, …」或「年份 = 2027」",
      "第 3 行：「1月1日」不是日期：应写成 2027-02-05 或 2027年2月5日，一段日期写成 2027-02-05..2027-02-13"]),
    ("holidays = 2027-01-01\n", ["没有写年份：请加一行「year = 2027」（或「年份 = 2027」）"]),
    ("year = 2027\n", ["没有列出放假日期：请加「holidays = 2027-01-01..2027-01-03」这样的行（或「放假 = …」）"]),
    ("year = 2027\nyear = 2028\nholidays = 2027-01-01\n", ["第 2 行：年份写了两次（第 1 行已写）：一个文件只写一年"]),
    ("year = 3027\nholidays = 3027-01-01\n", ["第 1 行：年份 3027 不在 2000–2099 之间"]),
])
def test_nonsense_is_refused_with_the_line_it_is_on(text, problems):
    with pytest.raises(holiday_file.ScheduleInvalid) as exc:
        holiday_file.parse(text)
    assert exc.value.problems == problems


def test_every_problem_is_listed_in_line_order():
    with pytest.raises(holiday_file.ScheduleInvalid) as exc:
        holiday_file.parse("year = 2027\nworkdays = 2027-02-17\nholidays = 2027-02-30\nworkdays = 2027-13-01\n")
    assert [p.split("：")[0] for p in exc.value.problems] == ["第 2 行", "第 3 行", "第 4 行"]


def test_a_binary_file_is_not_taken_for_text():
    with pytest.raises(holiday_file.ScheduleInvalid, match="不是文本文件"):
        holiday_file.decode(b"PK\x03\x04\x00\x00\x00\xff\xfe")


def test_the_package_knows_up_to_2026_and_no_further():
    assert PACKAGE_YEARS[-1] == 2026
    with pytest.raises(CalendarUnknown) as exc:
        window(D("2026-12-26"), 5)  # Sat: the fifth working day would be in 2027
    assert exc.value.year == 2027 and str(exc.value) == "2027 年的法定节假日安排尚未录入"
    assert window(D("2026-12-25"), 5) == (D("2026-12-25"), D("2026-12-31"))  # the last that fits


def test_an_entered_year_carries_the_window_across_new_year():
    cal = Calendar({2027: holiday_file.parse(SCHEDULE_2027)})
    # Mon 28 – Thu 31 Dec 2026 (the package's year) are four; 1–3 Jan 2027 are off (元旦, entered);
    # Mon 4 Jan is the fifth.
    assert cal.window(D("2026-12-28"), 5) == (D("2026-12-28"), D("2027-01-04"))
    assert cal.window(D("2026-12-30"), 5) == (D("2026-12-30"), D("2027-01-06"))
    # Wed 3, Thu 4 Feb; 5–13 Feb off (春节), Sun 14 Feb an ordinary Sunday; Mon 15 – Wed 17.
    assert cal.window(D("2027-02-03"), 5) == (D("2027-02-03"), D("2027-02-17"))
    # Thu 18, Fri 19, Sat 20 (调休上班), Mon 22, Tue 23.
    assert cal.window(D("2027-02-18"), 5) == (D("2027-02-18"), D("2027-02-23"))
    # A window starting on a holiday starts on the first working day after it.
    assert cal.window(D("2027-10-01"), 3) == (D("2027-10-08"), D("2027-10-11"))  # Fri 8, Sat 9 (调休), Mon 11
    assert cal.source(2026) == "package" and cal.source(2027) == "entered" and cal.source(2028) is None
    assert cal.window(D("2027-12-27"), 5) == (D("2027-12-27"), D("2027-12-31"))  # Mon–Fri
    with pytest.raises(CalendarUnknown) as exc:
        cal.window(D("2027-12-27"), 6)  # one more day and it needs 2028
    assert exc.value.year == 2028


def test_the_package_wins_for_a_year_it_knows():
    bogus = YearSchedule(2026, frozenset({D("2026-12-21"), D("2026-12-22"), D("2026-12-23")}),
                         frozenset({D("2026-12-26")}))
    cal = Calendar({2026: bogus})
    assert cal.source(2026) == "package"
    assert cal.window(D("2026-12-21"), 5) == (D("2026-12-21"), D("2026-12-25"))  # Mon–Fri, as the package says


def test_the_year_has_about_250_working_days():
    # 52 Saturdays and 52 Sundays; 18 holidays on weekdays (1 + 6 + 1 + 3 + 1 + 1 + 5); 4 worked weekend days.
    assert holiday_file.parse(SCHEDULE_2027).working_days() == 365 - 104 - 18 + 4


@pytest.mark.parametrize("bad", ["a\x00b", "a\u202eb", "a\x07b"])
def test_a_holiday_file_with_control_characters_is_refused_by_line(bad):
    with pytest.raises(holiday_file.ScheduleInvalid) as exc:
        holiday_file.parse(f"year = 2031\nsource = {bad}\nholidays = 2031-01-01")
    assert any(p.startswith("第 2 行") for p in exc.value.problems)


def test_a_huge_holiday_file_is_refused_before_reading_it(app, client, make_user, login):
    with pytest.raises(holiday_file.ScheduleInvalid):
        holiday_file.parse("# " + "x" * (holiday_file.MAX_CHARS + 10))
    token = login(make_user("admin"))
    r = client.post("/admin/calendar", data={"csrf_token": token, "text": "year = 2031\nsource = a\x00b\n",
                                             "action": "save"})
    assert r.status_code == 422
