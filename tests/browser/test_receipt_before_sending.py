"""The voter's page works its receipt code out before sending (service/web/static/tracker.js):
a voter whose response is lost still learns it, from the phone, and it is the code the server
gave and the bulletin board finds. The page's canonical JSON, SHA-256 and code are the server's
(ballots/forms.py), tried on values chosen to differ between JavaScript and Python."""
from __future__ import annotations

import hashlib
import json
import random
import re

import pytest

from ballots import forms

pytestmark = pytest.mark.browser

# Characters where JavaScript and Python part ways: what trim() and str.strip() remove (\x85,
# \ufeff), UTF-16 against code point order (astral against U+E000–U+FFFF), JSON escapes.
TRICKY = ["a", "Z", "0", " ", "\u3000", "\x85", "\ufeff", "\u2028", "\u00a0", "\t", "\n", '"', "\\", "/", "\x7f",
          "\ue000", "\uffff", "\U00020000", "😀", "中", "é", "\u200b", "<", "&"]


def _text(rng) -> str:
    return "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 8)))


def _number(rng):
    return rng.choice([rng.randint(-2**53, 2**53), rng.randint(-100, 100), int(1e20), int(1e22),
                       rng.uniform(-1000, 1000), rng.uniform(0, 1) * 10 ** rng.randint(-12, 14), 0.0001, 1e-05,
                       1.5e-07, 123.456, -0.5, 76.5, 2 ** -30])


def _value(rng, depth=0):
    kind = rng.randrange(5 if depth < 3 else 3)
    if kind == 0:
        return _text(rng)
    if kind == 1:
        return _number(rng)
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_the_page_hashes_as_the_server_does(live_server, phone, full_campaign):
    (token,) = full_campaign.tokens(1)
    phone.goto(f"{live_server}/b/{token}")
    rng = random.Random(20261202)
    values = [_value(rng) for _ in range(400)]
    texts = [_text(rng) for _ in range(400)]
    got = phone.evaluate("""([values, texts]) => {
        const T = window.PingyiTracker;
        return {canonical: values.map(T.canonical),
                sha: values.map(v => T.sha256(T.utf8(T.canonical(v))).map(b => ('0' + b.toString(16)).slice(-2)).join('')),
                short: values.map(v => T.shortTracker(T.sha256(T.utf8(T.canonical(v))))),
                strip: texts.map(T.pyStrip),
                sorted: texts.slice().sort(T.byCodePoint)};
    }""", [values, texts])
    for value, text, sha, short in zip(values, got["canonical"], got["sha"], got["short"]):
        assert text.encode("utf-8") == forms.canonical(value), value
        assert sha == hashlib.sha256(forms.canonical(value)).hexdigest()
        assert short == forms.short_tracker(hashlib.sha256(forms.canonical(value)).digest())
    assert got["strip"] == [t.strip() for t in texts]
    assert got["sorted"] == sorted(texts)
    ids = phone.evaluate("Array.from({length: 50}, () => window.PingyiTracker.newBallotId())")
    assert len(set(ids)) == 50 and all(re.fullmatch(forms.BALLOT_ID_PATTERN, i) for i in ids)


def _fill(page, campaign):
    """A ballot with every kind of section and values the two languages read differently."""
    page.locator(f"#s{campaign.sections['rating']} fieldset.row").nth(0).get_by_role(
        "radio", name="满意", exact=True).check()
    choose = page.locator(f"#s{campaign.sections['choose']}")
    choose.get_by_text("李建国").click()
    choose.get_by_label("另选他人 1").fill("\u3000\U00020000欧阳\x85")  # stripped by Python's rules, not trim()'s
    score = page.locator(f"#s{campaign.sections['score']}")
    for box, value in zip(score.locator("input").all(), ["8e1", "76.50", "0.0001"]):
        box.fill(value)
    page.locator(f"#s{campaign.sections['text']} textarea").fill(" 第一行\r\n第二行 \"引号\" \\ 😀\ufeff ")


def test_a_lost_response_still_leaves_the_voter_their_receipt(live_server, phone, full_campaign, mix, client, shots):
    """The ballot reaches the server and is cast, but its response never reaches the phone. Opening
    the slip again says it is used, and shows the receipt code the page worked out before sending:
    the server's own, which the board finds once the ballot is mixed."""
    (token,) = full_campaign.tokens(1)
    page = phone
    page.goto(f"{live_server}/b/{token}")
    _fill(page, full_campaign)
    sent = {}

    def lose_the_response(route):
        sent["body"] = route.request.post_data
        response = route.fetch()  # the server casts the ballot ...
        sent["status"], sent["html"] = response.status, response.text()
        route.abort("connectionreset")  # ... and the phone never hears of it
    page.route(f"{live_server}/b/{token}", lambda route: lose_the_response(route)
               if route.request.method == "POST" else route.continue_())
    page.get_by_role("button", name="提交选票").click()
    page.locator("dialog#confirm").wait_for(state="visible")
    with page.expect_event("requestfailed"):
        page.get_by_role("button", name="确认提交").click()
    page.unroute(f"{live_server}/b/{token}")
    assert sent["status"] == 201, sent["html"][-2000:]
    server_code = re.search(r'<code id="tracker">([0-9A-Z-]{19})</code>', sent["html"]).group(1)
    assert "ballot_id=" in sent["body"] and "ballot_id=&" not in sent["body"]

    page.goto(f"{live_server}/b/{token}")
    assert page.get_by_role("heading", name="此选票已经使用").is_visible()
    page.locator("#sent-receipt").wait_for(state="visible")
    assert page.locator("#sent-tracker").inner_text() == server_code
    shots(page, "25b-used-with-the-receipt-this-phone-sent")
    mix()
    board = client.post(f"/board/{full_campaign.round}", data={"tracker": server_code})
    assert "已计入" in board.get_data(as_text=True)


def test_an_other_tab_shows_no_receipt_for_a_used_ballot(live_server, browser, full_campaign, client):
    """The code is remembered only by the tab that sent the ballot: someone else opening a used
    slip learns nothing."""
    (token,) = full_campaign.tokens(1)
    assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}).status_code == 201
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/b/{token}")
    assert page.get_by_role("heading", name="此选票已经使用").is_visible()
    assert page.locator("#sent-receipt").is_hidden()
    assert json.loads(page.evaluate("JSON.stringify(Object.keys(sessionStorage))")) == []
    context.close()
