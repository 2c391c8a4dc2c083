"""The lifecycle holds together: a 公示 starts today or later (or with a recorded reason),
archiving waits for the window and the confirmed list, an archived campaign accepts nothing,
and every transition keeps its own time."""
from __future__ import annotations

import datetime as dt

import psycopg2
import pytest

from ballots import lifecycle
from service.publication import operations as publication
from tests.conftest import ROOT, _csrf

TODAY = dt.date(2026, 11, 25)  # a Wednesday: a 5-working-day 公示 from today ends on 2026-12-01


def at(monkeypatch, day):
    monkeypatch.setattr(publication, "today", lambda: day)


@pytest.fixture
def closed(client, organiser_key, make_campaign):
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state},
                           headers=organiser_key).status_code == 200
    subjects = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["subjects"]
    return cid, subjects


def publish(client, key, cid, subjects, **extra):
    return client.post(f"/api/v1/campaigns/{cid}/publication", headers=key, json={
        "honourees": [{"subject_id": subjects[0]["id"], "award": "优秀共产党员"}], **extra})


def transition(client, key, cid, to):
    return client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": to}, headers=key)


def test_a_publicity_cannot_start_in_the_past_without_a_stated_reason(client, organiser_key, closed,
                                                                    monkeypatch, fingerprint, conn):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    before = fingerprint()
    r = publish(client, organiser_key, cid, subjects, starts_on="2026-11-23")
    assert r.status_code == 409 and r.json["error"]["code"] == "backdated_without_reason"
    assert fingerprint() == before  # refused: nothing published, the campaign still closed
    r = publish(client, organiser_key, cid, subjects, starts_on="2026-11-23", backdate_reason="   ")
    assert r.status_code == 409
    reason = "名单已于 11 月 23 日在校务公开栏张贴"
    r = publish(client, organiser_key, cid, subjects, starts_on="2026-11-23", backdate_reason=reason)
    assert r.status_code == 201 and r.json["backdate_reason"] == reason
    with conn.cursor() as cur:
        cur.execute("SELECT payload::jsonb AS details FROM audit_log WHERE type = 'publication.published' AND chain = %s", (cid,))
        assert cur.fetchone()["details"]["backdate_reason"] == reason


def test_today_needs_no_reason_and_a_reason_for_today_is_not_kept(client, organiser_key, closed, monkeypatch):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    r = publish(client, organiser_key, cid, subjects, backdate_reason="无关")
    assert r.status_code == 201 and r.json["starts_on"] == "2026-11-25" and r.json["backdate_reason"] == ""
    assert r.json["status"] == "open"


def test_archiving_waits_for_the_window_and_the_confirmed_list(client, organiser_key, closed, monkeypatch):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    pub = publish(client, organiser_key, cid, subjects, starts_on="2026-11-26").json
    assert pub["status"] == "not_started"
    r = transition(client, organiser_key, cid, "archived")  # before the window has even started
    assert r.status_code == 409 and r.json["error"]["code"] == "publicity_not_ended"
    at(monkeypatch, dt.date(2026, 11, 27))
    client.get(f"/c/{cid}/publicity")
    honouree = pub["honourees"][0]["id"]
    client.post(f"/c/{cid}/publicity", data={"body": "请核实该同志的获奖材料。", "honouree_id": str(honouree),
                                             "csrf_token": _csrf(client)})
    r = transition(client, organiser_key, cid, "archived")  # in the window, an objection pending
    assert r.status_code == 409 and r.json["error"]["code"] == "publicity_not_ended"
    at(monkeypatch, dt.date(2026, 12, 3))
    r = transition(client, organiser_key, cid, "archived")  # the window is over, the list not confirmed
    assert r.status_code == 409 and r.json["error"]["code"] == "not_confirmed"
    confirm = client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key,
                          json={"honouree_ids": [honouree], "despite_open_objections": True})
    assert confirm.status_code == 200
    assert transition(client, organiser_key, cid, "archived").status_code == 200


def test_a_campaign_that_publishes_nothing_is_archived_from_closed(client, organiser_key, closed):
    cid, _ = closed
    r = transition(client, organiser_key, cid, "archived")
    assert r.status_code == 200 and r.json["state"] == "archived" and r.json["archived_at"]
    assert client.get(f"/c/{cid}/publicity").status_code == 404  # there never was a 公示
    assert transition(client, organiser_key, cid, "published").status_code == 409


def test_an_archived_campaign_says_so_and_accepts_nothing(client, organiser_key, closed, monkeypatch, fingerprint):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    pub = publish(client, organiser_key, cid, subjects).json
    at(monkeypatch, dt.date(2026, 12, 2))
    client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key,
                json={"honouree_ids": [pub["honourees"][0]["id"]]})
    assert transition(client, organiser_key, cid, "archived").status_code == 200
    # Back inside the dates of the window: the state, not the calendar, decides.
    at(monkeypatch, dt.date(2026, 11, 27))
    page = client.get(f"/c/{cid}/publicity").get_data(as_text=True)
    assert "已归档" in page and "公示中" not in page and 'name="body"' not in page
    before = fingerprint()
    r = client.post(f"/c/{cid}/publicity", data={"body": "还想反映", "csrf_token": _csrf(client)})
    assert r.status_code == 422 and "已归档" in r.get_data(as_text=True)
    assert fingerprint() == before
    announcement = client.get(f"/c/{cid}").get_data(as_text=True)
    assert "已归档" in announcement and "不再受理" in announcement
    r = client.post(f"/api/v1/campaigns/{cid}/objections/1:answer", headers=organiser_key,
                    json={"status": "rejected", "reply": "x"})
    assert r.status_code == 409 and r.json["error"]["code"] == "wrong_state"


def test_each_transition_keeps_its_own_time(client, organiser_key, closed, database, monkeypatch):
    cid, subjects = closed
    with psycopg2.connect(database) as c, c.cursor() as cur:  # announced on a known day, in UTC
        cur.execute("UPDATE campaigns SET announced_at = '2026-11-20 16:30:00+00' WHERE id = %s", (cid,))
    c.close()
    at(monkeypatch, TODAY)
    publish(client, organiser_key, cid, subjects)
    detail = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    assert detail["announced_at"].startswith("2026-11-20T16:30:00")
    assert detail["opened_at"] and detail["closed_at"] and detail["published_at"] and detail["archived_at"] is None
    assert detail["opened_at"] <= detail["closed_at"] <= detail["published_at"]
    page = client.get(f"/c/{cid}").get_data(as_text=True)
    assert "公告于 2026-11-21 00:30" in page  # in China time, and not overwritten by the later transitions


def _table(text: str, head: str) -> list[list[str]]:
    """The rows of the markdown table whose header starts with head, as lists of cells."""
    lines = text[text.index(head):].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


DOC = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")


def test_the_transitions_table_is_the_codes():
    """docs/lifecycle.md's transitions, row by row, are lifecycle.SOURCES, and each row names what
    entering its state sets off (lifecycle.EFFECTS)."""
    rows = _table(DOC, "| to | from |")
    documented = {(row[1], row[0].split()[0]) for row in rows}
    assert documented == {(source, target) for target, sources in lifecycle.SOURCES.items() for source in sources}
    for target, effects in lifecycle.EFFECTS.items():
        (row,) = [r for r in rows if r[0].split()[0] == target]
        assert all(f"`{effect}`" in row[2] for effect in effects), row


def test_the_actions_table_is_the_codes():
    """docs/lifecycle.md's "what each state allows", cell by cell, is lifecycle.ACTIONS."""
    rows = _table(DOC, "| action | what |")
    header = [c.strip() for c in DOC[DOC.index("| action | what |"):].splitlines()[0].strip("|").split("|")]
    assert tuple(header[2:]) == lifecycle.STATES
    documented = {row[0].strip("`"): {s for s, cell in zip(lifecycle.STATES, row[2:]) if cell.startswith("✓")}
                  for row in rows}
    assert documented == {action: set(states) for action, states in lifecycle.ACTIONS.items()}


def test_the_rules_in_one_table():
    """Every (state, target) pair: check_transition allows the documented ones and no other."""
    allowed = {(row[1], row[0].split()[0]) for row in _table(DOC, "| to | from |")}
    assert len(allowed) == 6
    for state in lifecycle.STATES:
        for target in lifecycle.STATES:
            if (state, target) in allowed:
                lifecycle.check_transition(state, target, problems=[], today=TODAY)
            else:
                with pytest.raises(lifecycle.TransitionRefused):
                    lifecycle.check_transition(state, target, problems=[], today=TODAY)
    window = lifecycle.Publicity(dt.date(2026, 11, 26), dt.date(2026, 12, 2), confirmed=False)
    status = [lifecycle.publicity_status("published", window, TODAY + dt.timedelta(days=d)) for d in (0, 1, 7, 8)]
    assert status == ["not_started", "open", "open", "ended"]
    assert lifecycle.publicity_status("archived", window, TODAY) == "archived"
    done = lifecycle.Publicity(window.starts_on, window.ends_on, confirmed=True)
    lifecycle.check_transition("published", "archived", publicity=done, today=TODAY)
    assert {a: sorted(s) for a, s in lifecycle.ACTIONS.items()}["object"] == ["published"]


@pytest.mark.parametrize("reason", ["\u200b", "　", " \u200d ", "."])
def test_a_reason_of_nothing_visible_is_no_reason(client, organiser_key, closed, monkeypatch, reason):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    r = publish(client, organiser_key, cid, subjects, starts_on="2026-11-23", backdate_reason=reason)
    assert r.status_code == 409 and r.json["error"]["code"] == "backdated_without_reason"


def test_a_publicity_already_over_is_refused_and_a_backdated_one_says_why(client, organiser_key, closed,
                                                                         monkeypatch, fingerprint):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    before = fingerprint()
    r = publish(client, organiser_key, cid, subjects, starts_on="2026-11-02", backdate_reason="先行张贴于公开栏")
    assert r.status_code == 409 and r.json["error"]["code"] == "window_already_over"
    assert fingerprint() == before
    r = publish(client, organiser_key, cid, subjects, starts_on="2026-11-23", backdate_reason="先行张贴于公开栏")
    assert r.status_code == 201 and r.json["status"] == "open"
    page = client.get(f"/c/{cid}/publicity").get_data(as_text=True)
    assert "原因：先行张贴于公开栏" in page and "公示期自 2026-11-23 起算" in page


def test_an_answer_of_blanks_is_no_answer(client, organiser_key, closed, monkeypatch):
    cid, subjects = closed
    at(monkeypatch, TODAY)
    publish(client, organiser_key, cid, subjects)
    client.get(f"/c/{cid}/publicity")
    client.post(f"/c/{cid}/publicity", data={"body": "请核实。", "csrf_token": _csrf(client)})
    oid = client.get(f"/api/v1/campaigns/{cid}/objections", headers=organiser_key).json[0]["id"]
    r = client.post(f"/api/v1/campaigns/{cid}/objections/{oid}:answer", headers=organiser_key,
                    json={"status": "rejected", "reply": " \u3000 "})
    assert r.status_code == 422 and "reply" in r.json["error"]["details"]["fields"]
