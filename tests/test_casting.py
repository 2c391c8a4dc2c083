"""Casting: one slip is one vote whatever happens; every bad state and body is refused with its
own status and message, and nothing is stored."""
from __future__ import annotations

import dataclasses
import json
import re

import psycopg2
import pytest

from tests.conftest import burst


def cast(client, token, answers):
    # json.dumps escapes everything outside ASCII, so even a lone surrogate travels as a voter's
    # client might send it ("\ud800").
    return client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": answers}),
                       content_type="application/json")


def count(conn, table):
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) AS n FROM {table}")
        return cur.fetchone()["n"]


def test_a_valid_ballot_is_stored_with_its_receipt(client, full_campaign, conn, mix):
    (token,) = full_campaign.tokens(1)
    r = cast(client, token, full_campaign.valid)
    assert r.status_code == 201, r.json
    tracker = r.json["tracker"]
    assert len(tracker) == 19 and tracker.count("-") == 3
    assert r.json["board_url"].endswith(f"/board/{full_campaign.round}")  # no receipt code in a URL
    # Sealed until the mixer opens it: nothing of the ballot is readable, and the board says so.
    assert count(conn, "sealed_ballots") == 1 and count(conn, "ballots") == 0 and count(conn, "ballot_tokens") == 0
    conn.commit()
    waiting = client.post(f"/board/{full_campaign.round}", data={"tracker": tracker}).get_data(as_text=True)
    assert "暂未查到：已收到的选票混合后可查" in waiting
    assert mix()["mixed"] == 1
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM ballots")
        (ballot,) = cur.fetchall()
    assert ballot["answers"][str(full_campaign.sections["choose"])] == {"chosen": [full_campaign.people[0]],
                                                                       "write_ins": ["赵静"]}
    assert ballot["group_id"] == full_campaign.groups[0] and ballot["source"] == "online"
    assert count(conn, "sealed_ballots") == 0 and count(conn, "ballot_tokens") == 0
    from ballots.forms import short_tracker
    from ballots.forms import tracker as make_tracker
    assert short_tracker(bytes(ballot["tracker"])) == tracker
    assert bytes(ballot["tracker"]) == make_tracker(str(ballot["id"]), ballot["round_id"], ballot["group_id"],
                                                    ballot["answers"])  # anyone can recompute it
    board = client.post(f"/board/{full_campaign.round}", data={"tracker": tracker.lower()})
    assert "已计入" in board.get_data(as_text=True)
    missing = client.post(f"/board/{full_campaign.round}", data={"tracker": "0000-0000-0000-0000"})
    assert "未找到该回执码" in missing.get_data(as_text=True)


def test_the_form_over_the_api(client, full_campaign):
    (token,) = full_campaign.tokens(1, group=1)
    r = client.post("/api/v1/ballots:open", json={"token": token})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.json["group"] == "学生" and r.json["criteria"] == "比理想看责任、比学习看成绩"
    types = [s["type"] for s in r.json["sections"]]
    assert types == ["rating", "choose", "approve", "score", "text"]
    assert r.json["sections"][0]["options"] == ["满意", "基本满意", "不满意", "不了解"]
    assert r.json["sections"][0]["rows"][0]["commitment"] == "临床医学系党支部承诺：服务师生"


def test_a_second_cast_changes_nothing(client, full_campaign, fingerprint):
    (token,) = full_campaign.tokens(1)
    assert cast(client, token, full_campaign.valid).status_code == 201
    before = fingerprint()
    r = cast(client, token, full_campaign.valid)
    assert r.status_code == 409 and r.json["error"]["code"] == "ballot_used"
    page = client.get(f"/b/{token}")
    assert page.status_code == 409 and "已经使用" in page.get_data(as_text=True) and "回执码" in page.get_data(as_text=True)
    assert f'href="/board/{full_campaign.round}"' in page.get_data(as_text=True)  # where to check the receipt
    assert fingerprint() == before


@pytest.mark.parametrize("state,code,status", [("announced", "voting_not_open", 409), ("closed", "voting_closed", 409),
                                                ("archived", "voting_closed", 409)])
def test_ballots_outside_voting_are_refused(client, organiser_key, make_campaign, fingerprint, state, code,
                                           status, full_campaign):
    (token,) = full_campaign.tokens(1)
    url = f"/api/v1/campaigns/{full_campaign.id}/transitions"
    if state == "announced":  # a campaign not yet open: a new one
        cid = make_campaign()
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
        c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
        body = {"round_id": c["rounds"][0]["id"], "group_id": c["groups"][0]["id"], "size": 1, "layout": "png"}
        client.post(f"/api/v1/campaigns/{cid}/batches", headers=organiser_key, json=body)
        from service.core.keys import keys
        with client.application.app_context():
            token = keys().minter.mint(c["rounds"][0]["id"])
        import hashlib

        import psycopg2
        with psycopg2.connect(client.application.config["DATABASE_DSN"]) as pc, pc.cursor() as cur:
            cur.execute("""INSERT INTO ballot_tokens SELECT %s, campaign_id, round_id, group_id, id FROM batches
                           WHERE campaign_id = %s""", (hashlib.sha256(token.encode()).digest(), cid))
        pc.close()
    else:
        steps = {"closed": ("closed",), "published": ("closed", "published"), "archived": ("closed", "archived")}
        for s in steps[state]:  # archived straight from closed: a campaign that publishes no list
            if s == "published":
                r = client.post(f"/api/v1/campaigns/{full_campaign.id}/publication", json={"honourees": [{"name": "王丽华"}]},
                                headers=organiser_key)
            else:
                r = client.post(url, json={"to": s}, headers=organiser_key)
            assert r.status_code in (200, 201), r.json
    before = fingerprint()
    r = cast(client, token, full_campaign.valid)
    assert r.status_code == status and r.json["error"]["code"] == code
    page = client.get(f"/b/{token}")
    assert page.status_code == status
    assert ("投票尚未开始" if code == "voting_not_open" else "投票已经结束") in page.get_data(as_text=True)
    assert fingerprint() == before


def test_forged_and_voided_ballots_are_refused(client, full_campaign, organiser_key, fingerprint):
    a, b = full_campaign.tokens(2)
    client.post(f"/api/v1/campaigns/{full_campaign.id}/ballots:void", json={"code": b}, headers=organiser_key)
    before = fingerprint()
    forged = a[:-1] + ("0" if a[-1] != "0" else "1")
    r = cast(client, forged, full_campaign.valid)
    assert r.status_code == 404 and r.json["error"]["code"] == "invalid_ballot"
    r = cast(client, b, full_campaign.valid)
    assert r.status_code == 409 and r.json["error"]["code"] == "ballot_voided"
    assert client.get(f"/b/{b}").status_code == 409 and "作废" in client.get(f"/b/{b}").get_data(as_text=True)
    assert client.get(f"/b/{forged}").status_code == 404
    assert fingerprint() == before


def test_rule_breaking_ballots_are_refused_section_by_section(client, full_campaign, fingerprint):
    (token,) = full_campaign.tokens(1)
    s = {k: str(v) for k, v in full_campaign.sections.items()}
    o, p = full_campaign.orgs, full_campaign.people
    bad = [
        ({s["choose"]: {"chosen": p[:2], "write_ins": ["赵静"]}}, s["choose"], "too_many"),
        ({s["choose"]: {"chosen": [o[0]]}}, s["choose"], "unknown_candidate"),
        ({s["choose"]: {"chosen": [p[0]], "write_ins": ["王丽华"]}}, s["choose"], "write_in_repeats"),
        ({s["rating"]: {str(o[0]): "满意", str(o[1]): "满意", str(o[2]): "满意"}}, s["rating"], "cap_exceeded"),
        ({s["rating"]: {str(o[0]): "很好"}}, s["rating"], "unknown_option"),
        ({s["rating"]: {str(p[0]): "满意"}}, s["rating"], "unknown_row"),
        ({s["approve"]: {str(p[0]): "同意"}}, s["approve"], "unknown_option"),
        ({s["score"]: {str(p[0]): 101}}, s["score"], "out_of_range"),
        ({s["score"]: {str(p[0]): 95, str(p[1]): 90}}, s["score"], "score_cap"),
        ({s["score"]: {str(p[0]): 80, str(p[1]): 80, str(p[2]): 80}}, s["score"], "identical_scores"),
        ({s["score"]: {str(p[0]): "80"}}, s["score"], "out_of_range"),
        ({s["text"]: "长" * 201}, s["text"], "too_long"),
        ({s["text"]: 5}, s["text"], "wrong_type"),
        ({"999999": "x"}, "_ballot", "unknown_section"),
    ]
    before = fingerprint()
    for answers, section, code in bad:
        r = cast(client, token, answers)
        assert r.status_code == 422, (answers, r.json)
        problems = r.json["error"]["details"]["sections"]
        assert code in [p["code"] for p in problems[section]], (answers, problems)
        assert all(p["message"] for p in problems[section])
    assert fingerprint() == before
    assert cast(client, token, full_campaign.valid).status_code == 201  # the token survived every refusal


def test_malformed_cast_bodies(client, full_campaign, fingerprint):
    (token,) = full_campaign.tokens(1)
    before = fingerprint()
    for kwargs, status in ((dict(data="{", content_type="application/json"), 400),
                           (dict(json={"token": token}), 422),
                           (dict(json={"token": token, "answers": [], "x": 1}), 422),
                           (dict(json={"token": token, "answers": "all"}), 422),
                           (dict(json={"token": 5, "answers": {}}), 422),
                           (dict(data=json.dumps({"token": token, "answers": {"a": "长" * 300_000}}),
                                 content_type="application/json"), 413)):
        r = client.post("/api/v1/ballots:cast", **kwargs)
        assert r.status_code == status, (kwargs.keys(), r.json)
        assert set(r.json["error"]) == {"code", "message", "details"}
    assert fingerprint() == before


def test_an_empty_ballot_is_a_valid_abstention(client, full_campaign, conn, mix):
    (token,) = full_campaign.tokens(1)
    r = cast(client, token, {})
    assert r.status_code == 201
    mix()
    with conn.cursor() as cur:
        cur.execute("SELECT answers FROM ballots")
        assert cur.fetchone()["answers"] == {}


def test_failed_lookups_are_rate_limited_per_client(client, full_campaign):
    from service.core import ratelimit
    (token,) = full_campaign.tokens(1)
    for _ in range(ratelimit.LIMIT_PER_MINUTE):
        assert client.get("/b/0001000000000000000000000000").status_code == 404
    assert client.get("/b/0001000000000000000000000000").status_code == 429
    assert client.post("/vote", data={"code": "0001000000000000000000000000"}).status_code == 429
    assert client.post("/api/v1/ballots:open", json={"token": "0001000000000000000000000000"}).status_code == 429
    # A code with a valid MAC is never a guess: voters sharing the hall's address still get in.
    assert client.get(f"/b/{token}").status_code == 200
    assert client.post("/vote", data={"code": token}).status_code == 303
    assert client.post("/api/v1/ballots:open", json={"token": token}).status_code == 200
    r = client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}},
                    environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert r.status_code == 201  # another client is not affected


def test_ballots_reach_the_table_only_in_shuffled_crowds(client, full_campaign, organiser_key, conn, mix):
    """Below 2k a group's ballots stay sealed; at 2k the mixer writes all but k at once, in an order
    that is not the order of casting, under one transaction id; the close writes the rest."""
    tokens = full_campaign.tokens(34)
    trackers = [cast(client, t, {}).json["tracker"] for t in tokens[:30]]
    conn.commit()
    assert mix(k=16) == {"mixed": 0, "batches": 0, "keys_destroyed": []}  # 30 < 2k: nothing opened
    assert count(conn, "ballots") == 0
    conn.commit()
    assert mix(k=10)["mixed"] == 20  # and 10, chosen at random, stay sealed
    from ballots.forms import short_tracker
    with conn.cursor() as cur:
        cur.execute("SELECT tracker, xmin::text AS x FROM ballots ORDER BY ctid")
        rows = cur.fetchall()
    conn.commit()
    mixed = [short_tracker(bytes(r["tracker"])) for r in rows]
    assert len(mixed) == 20 and set(mixed) < set(trackers)
    assert mixed != [t for t in trackers if t in set(mixed)]  # not in cast order: 1 in 20! to fail by chance
    assert len({r["x"] for r in rows}) == 1  # one batch, one transaction
    late = [cast(client, t, {}).json["tracker"] for t in tokens[30:]]
    url = f"/api/v1/campaigns/{full_campaign.id}/transitions"
    assert client.post(url, json={"to": "closed"}, headers=organiser_key).status_code == 200
    assert count(conn, "sealed_ballots") == 0 and count(conn, "ballots") == 34
    with conn.cursor() as cur:  # the 10 kept back and the 4 late ones: the close's batch of 14
        cur.execute("SELECT xmin::text AS x, count(*) AS n FROM ballots GROUP BY 1 ORDER BY 2")
        assert [r["n"] for r in cur.fetchall()] == [14, 20]
    conn.commit()
    board = client.get(f"/board/{full_campaign.round}").get_data(as_text=True)
    assert all(t in board for t in trackers + late)  # after the close, the full list is public


def test_fifty_simultaneous_casts_of_one_ballot(gunicorn_server, full_campaign, conn):
    (token,) = full_campaign.tokens(1)
    statuses = burst(gunicorn_server.url + "/api/v1/ballots:cast", {"token": token, "answers": full_campaign.valid},
                     n=50)
    assert statuses == [201] + [409] * 49
    assert count(conn, "sealed_ballots") == 1 and count(conn, "ballots") == 0


def test_a_round_whose_sections_differ_by_group(client, full_campaign, organiser_key, make_campaign, conn, mix):
    """Sections for certain groups only: the token's group picks the form (the two-step path)."""
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    teachers, students = (g["id"] for g in c["groups"])
    rid = c["rounds"][0]["id"]
    only_students = client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": rid, "type": "text", "title": "学生意见", "group_ids": [students]}).json["id"]
    for state in ("announced", "open"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    from ballots.tokens import token_hash
    from service.core.keys import keys
    with client.application.app_context():
        t_teacher, t_student = keys().minter.mint(rid), keys().minter.mint(rid)
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO batches (campaign_id, round_id, group_id, kind, size, created_by)
                       VALUES (%s, %s, %s, 'print', 2, 't') RETURNING id""", (cid, rid, teachers))
        b = cur.fetchone()["id"]
        for t, g in ((t_teacher, teachers), (t_student, students)):
            cur.execute("INSERT INTO ballot_tokens VALUES (%s, %s, %s, %s, %s)", (token_hash(t), cid, rid, g, b))
    conn.commit()
    r = cast(client, t_teacher, {str(only_students): "我是老师"})
    assert r.status_code == 422 and r.json["error"]["details"]["sections"]["_ballot"][0]["code"] == "unknown_section"
    r = cast(client, t_student, {str(only_students): "多开自习室"})
    assert r.status_code == 201
    r = cast(client, t_teacher, {})
    assert r.status_code == 201
    mix()
    with conn.cursor() as cur:
        cur.execute("SELECT group_id, answers, tracker, id, round_id FROM ballots ORDER BY group_id")
        rows = cur.fetchall()
    from ballots.forms import tracker
    assert [r["group_id"] for r in rows] == sorted([teachers, students])
    for row in rows:  # both paths hash the same way
        assert bytes(row["tracker"]) == tracker(str(row["id"]), row["round_id"], row["group_id"], row["answers"])


def test_after_the_close_only_ciphertext_is_left_and_its_key_is_gone(client, full_campaign, organiser_key,
                                                                      database, settings):
    """What was sealed is never written in the clear but by the mixer; the old sealed rows' dead
    versions stay in the table file until vacuumed, and without the key they are noise."""
    tokens = full_campaign.tokens(12)
    comment = "实验室开放时间太短了，希望延长"
    for t in tokens:
        assert cast(client, t, {str(full_campaign.sections["text"]): comment}).status_code == 201
    key_file = settings.var_dir / "round-keys" / f"round-{full_campaign.round}.key"
    assert key_file.exists()
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    assert not key_file.exists()
    conn = psycopg2.connect(database)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CHECKPOINT")
        cur.execute("SELECT pg_read_binary_file(pg_relation_filepath('sealed_ballots'))")
        sealed_file = bytes(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM ballots WHERE answers->>%s = %s",
                    (str(full_campaign.sections["text"]), comment))
        assert cur.fetchone()[0] == 12
    conn.close()
    assert len(sealed_file) > 0 and comment.encode() not in sealed_file


def test_text_that_cannot_be_stored_is_refused_not_a_500(client, full_campaign, fingerprint):
    (token,) = full_campaign.tokens(1)
    s = {k: str(v) for k, v in full_campaign.sections.items()}
    before = fingerprint()
    for answers in ({s["choose"]: {"write_ins": ["赵\u0000静"]}}, {s["choose"]: {"write_ins": ["\ud800"]}},
                    {s["text"]: "意见\u0000"}, {s["text"]: "\udfff"}):
        r = cast(client, token, answers)
        assert r.status_code == 422, (answers, r.status_code)
        assert "control_characters" in str(r.json["error"]["details"])
    assert fingerprint() == before


def test_line_breaks_count_once(client, full_campaign, conn, mix):
    (token,) = full_campaign.tokens(1)
    text = "\r\n".join(["意见" * 24] * 4)  # 192 characters and 3 line breaks: 195 of 200
    r = cast(client, token, {str(full_campaign.sections["text"]): text})
    assert r.status_code == 201, r.json
    mix()
    with conn.cursor() as cur:
        cur.execute("SELECT answers FROM ballots")
        assert "\r" not in cur.fetchone()["answers"][str(full_campaign.sections["text"])]


def test_a_voter_without_cookies_can_cast_with_the_plain_form(app, full_campaign):
    (token,) = full_campaign.tokens(1)
    voter = app.test_client(use_cookies=False)
    s = full_campaign.sections
    form = {"ballot": "1", f"s{s['score']}:{full_campaign.people[0]}": "8e1", f"s{s['text']}:text": "无痕浏览"}
    r = voter.post(f"/B/{token}", data=form)
    assert r.status_code == 201 and "投票成功" in r.get_data(as_text=True)
    assert "Set-Cookie" not in r.headers


def test_the_plain_form_is_size_capped(app, full_campaign, fingerprint):
    (token,) = full_campaign.tokens(1)
    before = fingerprint()
    r = app.test_client().post(f"/b/{token}", data={f"s{full_campaign.sections['text']}:text": "x" * 3_000_000})
    assert r.status_code == 413
    assert fingerprint() == before


def test_a_receipt_matches_its_ballot_whatever_the_voter_writes(client, full_campaign, conn, mix):
    """The receipt is the hash of the sealed bytes and the mixer stores the hash of what it opened:
    a comment that looks like JSON, a key or a number must not make them differ."""
    from ballots.forms import short_tracker
    from ballots.forms import tracker as make_tracker
    text = str(full_campaign.sections["text"])
    # …nor must the mixer's COPY (tabs, line breaks and backslashes are its separators and escapes)
    tricky = ['x -987654321 y', ',"group_id":-987654321,', '-987654321', 'tab\there\\N back\\slash\nline \\x00']
    for comment in tricky:
        (token,) = full_campaign.tokens(1)
        r = cast(client, token, {text: comment})
        assert r.status_code == 201, r.json
        conn.commit()
        mix()
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM ballots WHERE answers->>%s = %s", (text, comment))
            (ballot,) = cur.fetchall()
        assert short_tracker(bytes(ballot["tracker"])) == r.json["tracker"]
        assert bytes(ballot["tracker"]) == make_tracker(str(ballot["id"]), ballot["round_id"], ballot["group_id"],
                                                        ballot["answers"])


def _hidden_fields(page: str) -> dict:
    """What the ballot page's own form sends when the voter answers nothing."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


@pytest.mark.parametrize("path", ["/b/", "/B/"])
@pytest.mark.parametrize("body, status", [
    ({"data": '{"answers": {}}', "content_type": "application/json"}, 415),
    ({"data": "ballot=1", "content_type": "text/plain"}, 415),
    ({"data": b"", "content_type": None}, 415),  # no body and no type at all
    ({"data": b"", "content_type": "application/x-www-form-urlencoded"}, 400),
    ({"data": "s1%3Atext=hello", "content_type": "application/x-www-form-urlencoded"}, 400),
    ({"data": {"comment": "x"}, "content_type": "multipart/form-data"}, 400),
    ({"data": "--x--", "content_type": "multipart/form-data"}, 400),  # no boundary: unparseable
])
def test_a_post_that_is_not_the_ballot_form_spends_nothing(app, full_campaign, fingerprint, path, body, status):
    (token,) = full_campaign.tokens(1)
    voter = app.test_client()
    before = fingerprint()
    r = voter.post(path + token, **body)
    assert r.status_code == status
    page = r.get_data(as_text=True)
    assert "选票未投出" in page and "票码仍然有效" in page
    assert fingerprint() == before
    assert voter.get(path + token).status_code == 200  # the code is still good
    assert cast(voter, token, full_campaign.valid).status_code == 201


def test_a_refused_body_is_explained_in_english_when_asked(app, full_campaign):
    (token,) = full_campaign.tokens(1)
    r = app.test_client().post(f"/b/{token}", json={}, headers={"Accept-Language": "en"})
    assert r.status_code == 415 and "Nothing was cast" in r.get_data(as_text=True)


def test_a_blank_ballot_from_the_page_is_cast(app, full_campaign, conn):
    (token,) = full_campaign.tokens(1)
    voter = app.test_client()
    hidden = _hidden_fields(voter.get(f"/B/{token}").get_data(as_text=True))
    assert hidden  # the page's form carries its marker
    r = voter.post(f"/B/{token}", data=hidden)  # every row left blank: all abstentions
    assert r.status_code == 201 and "投票成功" in r.get_data(as_text=True)
    assert count(conn, "sealed_ballots") == 1 and count(conn, "ballot_tokens") == 0


def test_behind_a_trusted_proxy_clients_are_told_apart(settings):
    """With TRUSTED_PROXIES=1 the failed-code limit counts the forwarded client, not the proxy."""
    from service import create_app
    from service.core import ratelimit
    app = create_app({"SETTINGS": dataclasses.replace(settings, trusted_proxies=1)})
    c = app.test_client()
    ratelimit.reset()
    for _ in range(ratelimit.LIMIT_PER_MINUTE + 1):
        c.get("/b/0001000000000000000000000000", headers={"X-Forwarded-For": "203.0.113.7"})
    assert c.get("/b/0001000000000000000000000000", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert c.get("/b/0001000000000000000000000000", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 404


def test_a_mistyped_code_stays_in_the_box_to_be_corrected(client):
    typed = "0001-AAAA-BBBB-CCCC-DDDD-EEEE-FFF0"
    r = client.post("/vote", data={"code": typed})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "票码无效" in html and f'value="{typed}"' in html
