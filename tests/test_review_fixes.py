"""Cases a hostile reading found: time zones a host may lack, sheet names spreadsheet programs
refuse, control characters and floods in a holiday file."""
from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError

from ballots import holiday_file
from service.campaigns.schemas import _known_zone
from service.results.exports import _sheet_title


@pytest.mark.parametrize("name", ["localtime", "posixrules", "posix/Asia/Shanghai", "right/UTC", "Factory",
                                  "../../etc/passwd", "x" * 300])
def test_only_zones_every_installation_has_are_taken(name):
    with pytest.raises(ValidationError):
        _known_zone(name)
    assert _known_zone("Asia/Shanghai") and _known_zone("Europe/Berlin")


def test_a_stored_zone_this_host_cannot_load_shows_china_time(app):
    from service.web import local_time
    with app.test_request_context():
        assert local_time(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.timezone.utc), "Nowhere/Land") == \
            "2026-12-01 00:30"


def test_sheet_names_every_spreadsheet_program_takes():
    used = set()
    assert _sheet_title("'abc'", used) == "abc"
    assert _sheet_title("History", used) != "History"
    long = "师生测评" * 10
    names = [_sheet_title(long, used) for _ in range(12)]
    assert len(set(names)) == 12 and all(len(n) <= 31 for n in names)
    assert _sheet_title("ABC", used).lower() != "abc"  # unique regardless of case


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
