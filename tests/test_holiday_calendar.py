"""节假日安排 entered by an administrator (page and CLI) for the years chinese-calendar lacks, and
the 公示 windows counted with them."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import psycopg2
import psycopg2.extras
import pytest
from click.testing import CliRunner

from service.core import cli
from service.publication import operations as publication
from tests.conftest import ROOT
from tests.helpers import BOGUS_2026, SCHEDULE_2027

REFUSAL_2027 = ("2027 年的法定节假日安排尚未录入：请管理员在「节假日安排」页面（/admin/calendar）或用命令 "
                "`python -m service calendar load 文件` 录入国务院办公厅公布的 2027 年放假和调休日期")
# Bogus on purpose: the package knows 2026, so none of this may change a window.


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """Today is 1 December 2026 (chinese-calendar 1.11.0 knows no later year), so the windows
    below start in the future whatever day the suite runs."""
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 12, 1))


@pytest.fixture
def closed(client, organiser_key, make_campaign):
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    return cid


@pytest.fixture
def admin(client, make_user, login):
    user = make_user("admin")
    return user, login(user)


def publish(client, organiser_key, cid, starts_on):
    return client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                       json={"honourees": [{"name": "赵静", "award": "优秀党务工作者"}], "starts_on": starts_on})


def enter(client, token, text, action="save"):
    return client.post("/admin/calendar", data={"csrf_token": token, "text": text, "action": action})


def rows(database, sql):
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        cur.execute(sql)
        out = cur.fetchall()
    c.close()
    return out


def test_a_window_into_2027_is_refused_until_2027_is_entered(client, organiser_key, closed, admin, fingerprint,
                                                             database):
    before = fingerprint()
    r = publish(client, organiser_key, closed, "2026-12-28")
    assert r.status_code == 422 and r.json["error"]["code"] == "calendar_unknown"
    assert r.json["error"]["message"] == REFUSAL_2027
    assert r.json["error"]["details"] == {"year": 2027, "page": "/admin/calendar",
                                          "command": "python -m service calendar load 文件"}
    assert fingerprint() == before

    saved = enter(client, admin[1], SCHEDULE_2027)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/calendar#year-2027")
    r = publish(client, organiser_key, closed, "2026-12-28")
    assert r.status_code == 201, r.json
    # Mon 28 – Thu 31 Dec 2026, then 1–3 Jan 2027 off (元旦, as entered), Mon 4 Jan the fifth.
    assert (r.json["starts_on"], r.json["ends_on"], r.json["working_days"]) == ("2026-12-28", "2027-01-04", 5)


def _first_subject(client, cid, key):
    return client.get(f"/api/v1/campaigns/{cid}", headers=key).json["subjects"][0]["id"]


def test_the_campaign_page_shows_the_refusal(client, closed, make_user, login, organiser_key):
    token = login(make_user("organiser"))
    r = client.post(f"/admin/campaigns/{closed}/publish", data={
        "csrf_token": token, "subject_ids": [str(_first_subject(client, closed, organiser_key))], "award": "优秀共产党员",
        "starts_on": "2026-12-28"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'<p class="flash error">{REFUSAL_2027}</p>' in page
    assert page.count("尚未录入") == 1  # said once, not again under a field name


def test_the_package_overrides_an_entered_year_it_knows(client, organiser_key, closed, admin, database):
    r = enter(client, admin[1], BOGUS_2026)
    assert r.status_code == 302
    after = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "chinese-calendar 1.11.0 已包含 2026 年的安排，计算公示期时以软件包为准" in after
    section = after.split('id="year-2026"')[1].split("</li>")[0]
    assert "未使用" in section and "与软件包不同" in section
    r = publish(client, organiser_key, closed, "2026-12-21")
    # The package's Mon 21 – Fri 25; the bogus entry would have made it Thu 24 – Tue 29.
    assert (r.json["starts_on"], r.json["ends_on"]) == ("2026-12-21", "2026-12-25")
    assert [row["year"] for row in rows(database, "SELECT year FROM holiday_years")] == [2026]
    form = client.get("/admin/calendar?year=2026").get_data(as_text=True).split("<textarea")[1]
    assert "holidays = 2026-12-21..2026-12-23" in form  # 修改这一年 edits the entry, not the package's data


def test_checking_shows_the_schedule_and_stores_nothing(client, admin, fingerprint):
    before = fingerprint()
    r = enter(client, admin[1], SCHEDULE_2027, action="check")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "检查无误：2027 年" in page
    assert "2027-02-05 至 2027-02-13（星期五至星期六，9 天）" in page
    assert "2027-02-20（星期六）" in page and "全年共 <strong>247</strong> 个工作日" in page
    assert "year = 2027" in page.split("<textarea")[1]  # the form keeps the text for 保存
    assert fingerprint() == before


def test_a_bad_file_is_refused_beside_the_form_and_changes_nothing(client, admin, fingerprint):
    enter(client, admin[1], SCHEDULE_2027)
    before = fingerprint()
    bad = "year = 2027\nholidays = 2027-02-30\nworkdays = 2027-02-17 # 周三？\n"
    r = enter(client, admin[1], bad)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    errors = page.split('class="form-errors"')[1].split("</div>")[0]
    assert "第 2 行：没有「2027-02-30」这一天" in errors
    assert "第 3 行：2027-02-17 是星期三，本来就上班：调休上班日应是周六或周日" in errors
    assert bad + "</textarea>" in page  # what was typed is kept
    assert fingerprint() == before


def test_entering_a_year_again_replaces_it_and_each_entry_is_an_event(client, admin, database):
    user, token = admin
    enter(client, token, SCHEDULE_2027)
    r = enter(client, token, "year = 2027\nholidays = 2027-01-01..2027-01-03\n")
    assert r.status_code == 302
    assert "已替换 2027 年的节假日安排（放假 3 天，调休上班 0 天）" in client.get("/admin/calendar").get_data(as_text=True)
    stored = rows(database, "SELECT year, holidays, workdays, entered_by FROM holiday_years")
    assert len(stored) == 1 and len(stored[0]["holidays"]) == 3 and stored[0]["workdays"] == []
    assert stored[0]["entered_by"] == f"user:{user['username']}"
    events = rows(database, "SELECT actor, payload::jsonb AS details FROM audit_log "
                            "WHERE type = 'calendar.year_entered' ORDER BY chain, height")
    assert [(e["details"]["replaced"], len(e["details"]["holidays"])) for e in events] == [(False, 29), (True, 3)]
    assert events[0]["details"]["workdays"] == ["2027-02-20", "2027-05-08", "2027-09-26", "2027-10-09"]
    assert {e["actor"] for e in events} == {f"user:{user['username']}"}


def test_a_file_can_be_uploaded_in_gbk(client, admin, database):
    data = {"csrf_token": admin[1], "text": "", "action": "save",
            "file": (io.BytesIO(SCHEDULE_2027.encode("gb18030")), "2027年节假日.txt")}
    r = client.post("/admin/calendar", data=data, content_type="multipart/form-data")
    assert r.status_code == 302
    assert rows(database, "SELECT source FROM holiday_years")[0]["source"] == "测试数据：仿照国务院办公厅通知"


def test_the_page_is_for_administrators_only(client, make_user, login):
    assert client.get("/admin/calendar").status_code == 302  # strangers sign in first
    token = login(make_user("organiser"))
    assert "节假日安排" not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/calendar").status_code == 403
    assert enter(client, token, SCHEDULE_2027).status_code == 403
    login(make_user("admin"))
    assert 'href="/admin/calendar"' in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "2004–2026 年" in page and "holidays = 2026-10-01..2026-10-07" in page  # the package's year, to read


def _run(*args, env):
    return CliRunner().invoke(cli.main, ["calendar", *args], env=env, catch_exceptions=False)


@pytest.fixture
def cli_env(database, tmp_path):
    return {"DATABASE_URL": database, "PINGYI_ENV": "test", "PINGYI_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": "x" * 40}


def test_the_cli_loads_and_shows_a_year(client, organiser_key, closed, cli_env, tmp_path, database, fingerprint):
    bad = tmp_path / "bad.txt"
    bad.write_text("year = 2027\nholidays = 2027-01-01\nworkdays = 2027-01-04\n", encoding="utf-8")
    before = fingerprint()
    r = _run("load", str(bad), env=cli_env)
    assert r.exit_code == 1 and "第 3 行：2027-01-04 是星期一，本来就上班" in r.output
    assert fingerprint() == before

    good = tmp_path / "2027.txt"
    good.write_text(SCHEDULE_2027, encoding="utf-8")
    r = _run("load", "--check", str(good), env=cli_env)
    assert r.exit_code == 0 and "holidays = 2027-02-05..2027-02-13  # 星期五至星期六，9 天" in r.output
    assert fingerprint() == before
    r = _run("load", str(good), env=cli_env)
    assert r.exit_code == 0 and "已录入 2027 年的节假日安排" in r.output
    assert rows(database, "SELECT entered_by FROM holiday_years")[0]["entered_by"].startswith("cli")
    assert publish(client, organiser_key, closed, "2026-12-30").json["ends_on"] == "2027-01-06"

    r = _run("show", env=cli_env)
    assert r.exit_code == 0 and "2004–2026: chinese-calendar 1.11.0" in r.output and "2027: 录入，使用中" in r.output
    shown = _run("show", "2027", env=cli_env).output
    from ballots import holiday_file
    assert holiday_file.parse(shown) == holiday_file.parse(SCHEDULE_2027)
    r = _run("show", "2028", env=cli_env)
    assert r.exit_code == 1 and "2028 年的节假日安排尚未录入" in r.output


def test_the_command_the_refusal_names_works(cli_env, tmp_path, database):
    path = tmp_path / "节假日2027.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "service", "calendar", "load", str(path)], cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", **cli_env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [r["year"] for r in rows(database, "SELECT year FROM holiday_years")] == [2027]
