"""The 公示 window counts working days by the official calendar."""
from __future__ import annotations

import datetime as dt

import pytest

from ballots.publicity import CalendarUnknown, window


def test_five_working_days_from_30_september_2026_across_national_day():
    # 30 Sep (Wed) works; 1–7 Oct are the National Day holiday; 8 and 9 Oct work; Saturday
    # 10 Oct is an adjusted working day (调休上班); Sunday 11 Oct is off; Monday 12 Oct is the fifth.
    assert window(dt.date(2026, 9, 30), 5) == (dt.date(2026, 9, 30), dt.date(2026, 10, 12))


def test_a_window_starting_on_a_holiday_starts_on_the_next_working_day():
    assert window(dt.date(2026, 10, 3), 2) == (dt.date(2026, 10, 8), dt.date(2026, 10, 9))


def test_an_ordinary_week_skips_the_weekend():
    assert window(dt.date(2026, 11, 26), 5) == (dt.date(2026, 11, 26), dt.date(2026, 12, 2))


def test_a_year_the_calendar_does_not_know_is_an_error_not_a_guess():
    with pytest.raises(CalendarUnknown):
        window(dt.date(2099, 1, 5), 5)
