"""A voter on a phone (390×844, zh-CN): scan the slip, fill every kind of section, trip a rule
and fix it, cast, keep the receipt, find it on the bulletin board, and meet "already used" on
the way back. The same ballot with JavaScript off. axe-core finds nothing serious."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.helpers import axe_problems
from tests.helpers import decode_pdf

pytestmark = pytest.mark.browser


def scanned_codes(client, organiser_key, campaign, tmp_path, n=2):
    """Issue a real batch and read its QR codes as a phone camera would (from the rasterised PDF)."""
    r = client.post(f"/api/v1/campaigns/{campaign.id}/batches", headers=organiser_key, json={
        "round_id": campaign.round, "group_id": campaign.groups[0], "size": n, "layout": "slips-2x4"})
    assert r.status_code == 201
    urls = decode_pdf(r.get_data(), tmp_path)
    assert len(urls) == n and all("/B/" in u for u in urls)
    return [u.split("/B/")[1] for u in urls]


def test_a_voter_casts_on_a_phone(live_server, phone, client, organiser_key, full_campaign, shots, tmp_path, mix):
    page = phone
    token, _second = scanned_codes(client, organiser_key, full_campaign, tmp_path)
    page.on("dialog", lambda d: d.accept())
    elsewhere = []  # every request of the voter's browser stays on this service: no CDN, no analytics
    page.on("request", lambda req: None if req.url.startswith((live_server, "data:")) else elsewhere.append(req.url))
    page.goto(f"{live_server}/B/{token}")
    assert page.get_by_role("heading", name="师生测评").is_visible()
    assert page.get_by_text("比教学看师德、比科研看成果").is_visible()
    assert page.get_by_text("临床医学系党支部承诺：服务师生").is_visible()
    assert axe_problems(page) == []
    shots(page, "20-ballot-top")

    rating = page.locator(f"#s{full_campaign.sections['rating']}")
    for row, choice in zip(rating.locator("fieldset.row").all(), ["满意", "基本满意", "不了解"]):
        row.get_by_role("radio", name=choice, exact=True).check()
    choose = page.locator(f"#s{full_campaign.sections['choose']}")
    choose.get_by_text("王丽华").click()
    choose.get_by_text("李建国").click()
    choose.get_by_label("另选他人 1").fill("赵静")
    live = choose.locator(".live")
    assert live.inner_text() == "限选 2 人，已选 3 人"
    shots(page, "21-rule-broken")
    page.get_by_role("button", name="提交选票").click()  # refused in the page: no dialog, no request
    assert page.url.endswith(token) and live.inner_text() == "限选 2 人，已选 3 人"
    choose.get_by_text("李建国").click()
    assert live.inner_text() == ""

    approve = page.locator(f"#s{full_campaign.sections['approve']}")
    approve.locator("fieldset.row").nth(0).get_by_role("radio", name="赞成", exact=True).check()
    approve.locator("fieldset.row").nth(1).get_by_role("radio", name="不赞成", exact=True).check()
    score = page.locator(f"#s{full_campaign.sections['score']}")
    for box, value in zip(score.locator("input").all(), ["92", "85", "70"]):
        box.fill(value)
    page.locator(f"#s{full_campaign.sections['text']} textarea").fill("希望加强实验室开放。")

    page.reload()  # a reload loses nothing
    assert page.locator(f"#s{full_campaign.sections['text']} textarea").input_value() == "希望加强实验室开放。"
    assert choose.get_by_label("另选他人 1").input_value() == "赵静"
    assert choose.get_by_label("另选他人 2").input_value() == ""
    assert score.locator("input").nth(0).input_value() == "92"
    assert rating.locator("fieldset.row").nth(1).get_by_role("radio", name="基本满意", exact=True).is_checked()
    assert choose.get_by_role("checkbox", name="王丽华").is_checked()
    assert not choose.get_by_role("checkbox", name="李建国").is_checked()

    page.get_by_role("button", name="提交选票").click()
    dialog = page.locator("dialog#confirm")
    dialog.wait_for(state="visible", timeout=5000)
    assert "已完成" in dialog.inner_text()
    shots(page, "22-confirm")
    dialog.get_by_role("button", name="确认提交").click()
    page.locator("#tracker").wait_for()
    tracker = page.locator("#tracker").inner_text()
    assert len(tracker) == 19
    # the draft of the answers is gone from the phone once the ballot is cast
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('pingyi-draft-'))") == []
    assert axe_problems(page) == []
    shots(page, "23-receipt")

    page.get_by_role("button", name="去公告栏核对").click()
    page.locator("#check-result").wait_for()  # sealed until its crowd is mixed: the board says so
    assert "暂未查到：已收到的选票混合后可查" in page.locator("#check-result").inner_text()
    assert "凑满一批" in page.content()
    shots(page, "24a-board-waiting")
    mix()
    page.get_by_label("核对回执码").fill(tracker)
    page.get_by_role("button", name="核对", exact=True).click()
    page.locator("#check-result", has_text="已计入").wait_for()
    assert tracker in page.locator("#check-result").inner_text()
    assert axe_problems(page) == []
    shots(page, "24-board")

    page.goto(f"{live_server}/b/{token}")
    assert page.get_by_role("heading", name="此选票已经使用").is_visible()
    shots(page, "25-already-used")
    assert elsewhere == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_same_ballot_with_javascript_off(browser, live_server, client, organiser_key, full_campaign, shots,
                                             tmp_path, conn, mix):
    _first, token = scanned_codes(client, organiser_key, full_campaign, tmp_path)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server}/B/{token}")
    rating = page.locator(f"#s{full_campaign.sections['rating']}")
    rating.locator("fieldset.row").nth(0).get_by_role("radio", name="满意", exact=True).check()
    choose = page.locator(f"#s{full_campaign.sections['choose']}")
    for name in ("王丽华", "李建国", "张敏"):
        choose.get_by_text(name).click()
    page.get_by_role("button", name="提交选票").click()  # no script: the server checks the rules
    page.wait_for_load_state()
    assert page.get_by_text("限选 2 人，已选 3 人").first.is_visible()
    shots(page, "26-no-js-rule-message")
    choose = page.locator(f"#s{full_campaign.sections['choose']}")
    choose.get_by_text("张敏").click()
    approve = page.locator(f"#s{full_campaign.sections['approve']}")
    approve.locator("fieldset.row").nth(0).get_by_role("radio", name="赞成", exact=True).check()
    approve.locator("fieldset.row").nth(1).get_by_role("radio", name="弃权", exact=True).check()
    for box, value in zip(page.locator(f"#s{full_campaign.sections['score']} input").all(), ["88", "76.5", "90"]):
        box.fill(value)
    page.locator(f"#s{full_campaign.sections['text']} textarea").fill("无脚本也能投票")
    page.get_by_role("button", name="提交选票").click()
    page.locator("#tracker").wait_for()
    assert len(page.locator("#tracker").inner_text()) == 19
    shots(page, "27-no-js-receipt")
    context.close()
    mix()
    with conn.cursor() as cur:
        cur.execute("SELECT answers FROM ballots")
        (ballot,) = cur.fetchall()
    sid = str(full_campaign.sections["choose"])
    assert ballot["answers"][sid] == {"chosen": sorted(full_campaign.people[:2])}
    assert ballot["answers"][str(full_campaign.sections["text"])] == "无脚本也能投票"
    people = full_campaign.people
    assert ballot["answers"][str(full_campaign.sections["approve"])] == {str(people[0]): "赞成", str(people[1]): "弃权"}
    assert ballot["answers"][str(full_campaign.sections["score"])] == {str(people[0]): 88, str(people[1]): 76.5,
                                                                       str(people[2]): 90}


def test_the_ballot_in_english_for_an_english_browser(browser, live_server, full_campaign, shots):
    (token,) = full_campaign.tokens(1)
    context = browser.new_context(viewport=PHONE, locale="en-US", extra_http_headers={"Accept-Language": "en-US"})
    page = context.new_page()
    page.goto(f"{live_server}/b/{token}")
    assert page.get_by_role("button", name="Submit ballot").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    shots(page, "28-ballot-english")
    context.close()


def test_write_in_repeats_are_caught_in_the_page_and_confirm_falls_back(live_server, phone, full_campaign):
    (token,) = full_campaign.tokens(1)
    page = phone
    page.goto(f"{live_server}/b/{token}")
    choose = page.locator(f"#s{full_campaign.sections['choose']}")
    choose.get_by_label("另选他人 1").fill("王丽华")  # a candidate's name
    assert "不能与候选人重名" in choose.locator(".live").inner_text()
    choose.get_by_label("另选他人 1").fill("赵静")
    assert choose.locator(".live").inner_text() == ""
    # A browser without <dialog> (older WeChat on iOS): the dialog stays hidden and confirm() asks.
    assert not page.locator("dialog#confirm").is_visible()
    page.evaluate("HTMLDialogElement.prototype.showModal = undefined")
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.get_by_role("button", name="提交选票").click()
    page.locator("#tracker").wait_for()
    assert asked and "确认提交选票" in asked[0]


def test_an_option_a_cap_allows_none_of_is_shown_struck_and_cannot_be_picked(live_server, phone, client,
                                                                            organiser_key, shots):
    from tests.conftest import issue_tokens
    from tests.helpers import capped_rating_campaign
    cid, rid, gid = capped_rating_campaign(client, organiser_key, 0.34)  # 0.34 × 2 rows: no 满意
    (token,) = issue_tokens(client.application, cid, rid, gid, 1)
    phone.goto(f"{live_server}/b/{token}")
    assert phone.get_by_text("「满意」本题不可选").is_visible()
    row = phone.locator("fieldset.row").first
    assert row.get_by_role("radio", name="满意", exact=True).is_disabled()
    row.get_by_text("满意", exact=True).click(force=True)  # a tap on it does nothing
    assert not row.get_by_role("radio", name="满意", exact=True).is_checked()
    row.get_by_role("radio", name="基本满意", exact=True).check()
    assert axe_problems(phone) == []
    shots(phone, "29-cap-allows-none")
    phone.get_by_role("button", name="提交选票").click()
    dialog = phone.locator("dialog#confirm")
    dialog.wait_for(state="visible", timeout=5000)
    dialog.get_by_role("button", name="确认提交").click()
    phone.locator("#tracker").wait_for()
    assert len(phone.locator("#tracker").inner_text()) == 19


def test_a_submission_whose_line_broke_after_commit_shows_the_receipt_this_phone_drew(live_server, phone, full_campaign,
                                                                                   monkeypatch, shots):
    """The COMMIT reached the database and the connection broke before its answer: the phone is
    told its ballot may be in, with the receipt code it worked out before sending, and reopening
    the ballot says it was counted."""
    import psycopg2

    from service.core import db
    (token,) = full_campaign.tokens(1)
    phone.goto(f"{live_server}/b/{token}")

    def committed_then_cut(self):
        psycopg2.extensions.connection.commit(self)
        self.close()
        raise psycopg2.OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(db.Connection, "commit", committed_then_cut)
    phone.get_by_role("button", name="提交选票").click()
    dialog = phone.locator("dialog#confirm")
    dialog.wait_for(state="visible", timeout=5000)
    dialog.get_by_role("button", name="确认提交").click()
    phone.get_by_role("heading", name="选票可能已经提交").wait_for()
    monkeypatch.undo()
    drawn = phone.locator("#sent-tracker")
    drawn.wait_for(state="visible", timeout=5000)  # sent.js fills it once loaded, after the heading shows
    code = drawn.inner_text()
    assert len(code) == 19
    assert axe_problems(phone) == []
    shots(phone, "30-commit-unknown")
    phone.goto(f"{live_server}/b/{token}")  # opened again, in the same tab
    assert phone.get_by_role("heading", name="此选票已经使用").is_visible()
    phone.locator("#sent-tracker").wait_for(state="visible", timeout=5000)
    assert phone.locator("#sent-tracker").inner_text() == code
