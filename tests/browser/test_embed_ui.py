"""A portal on another loopback port frames the turnout widget (issue 12): from an origin on the
allowlist it renders and counts up as ballots are cast; from one that is not (localhost is another
origin than 127.0.0.1) the browser refuses the frame by the widget's CSP frame-ancestors."""
from __future__ import annotations

import datetime
import http.server
import json
import threading

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.conftest import OUTPUT

pytestmark = pytest.mark.browser

PORTAL_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>学校门户</title>
<style>
  body {{ margin: 0; font-family: system-ui, "Noto Sans CJK SC", sans-serif; background: #eef1f5; color: #222; }}
  header {{ background: #1f4e8c; color: #fff; padding: 14px 20px; font-size: 18px; font-weight: 600; }}
  main {{ max-width: 980px; margin: 0 auto; padding: 16px; display: grid; gap: 16px; grid-template-columns: 1fr; }}
  @media (min-width: 800px) {{ main {{ grid-template-columns: 1fr 1fr; }} }}
  .panel {{ background: #fff; border-radius: 8px; padding: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
  .panel h2 {{ margin: 0 0 8px; font-size: 15px; color: #1f4e8c; }}
  iframe {{ border: 0; width: 100%; }}
</style></head>
<body><header>某某医学院 · 信息门户</header>
<main>
  <section class="panel"><h2>通知公告</h2><p>关于开展 2026 年度师生满意度测评的通知……</p>
    <p>各部门请组织师生按时参加。</p></section>
  <section class="panel"><h2>测评进度</h2>
    <iframe id="widget" src="{src}" title="实时参评情况" height="420"></iframe></section>
</main></body></html>"""


@pytest.fixture
def portal_server():
    """A tiny http.server on 127.0.0.1 and a free port, serving the portal's page; `page` sets its HTML."""
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = pages.get("html", "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield type("Portal", (), {"port": server.server_port, "pages": pages})
    server.shutdown()
    thread.join(5)
    server.server_close()


def _allow(client, make_user, login, origin):
    token = login(make_user("admin"))
    r = client.post("/admin/embeds", data={"origin": origin, "note": "学校门户", "csrf_token": token})
    assert r.status_code == 302


def _cast(client, tokens):
    for t in tokens:
        r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": t, "answers": {}}),
                        content_type="application/json")
        assert r.status_code == 201


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_an_allowed_portal_frames_the_turnout_and_it_counts_up(browser, live_server, client, full_campaign, make_user,
                                                               login, portal_server, shots, device):
    tokens = full_campaign.tokens(8) + full_campaign.tokens(4, group=1)
    _cast(client, tokens[:3])
    _allow(client, make_user, login, f"http://127.0.0.1:{portal_server.port}")
    widget = f"{live_server}/embed/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/turnout"
    portal_server.pages["html"] = PORTAL_PAGE.format(src=widget)
    viewport = dict(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True) if device == "phone" \
        else dict(viewport={"width": 1280, "height": 800})
    context = browser.new_context(locale="zh-CN", color_scheme="light", **viewport)
    page = context.new_page()
    # The widget's poll runs on a clock the test moves (as the projector's test does): no waiting.
    start = datetime.datetime(2026, 12, 1, 9, 0)
    page.clock.install(time=start)
    page.clock.pause_at(start + datetime.timedelta(seconds=30))  # ahead of the real time a loaded machine takes
    page.goto(f"http://127.0.0.1:{portal_server.port}/")
    frame = page.frame_locator("#widget")
    cast = frame.locator("[data-key='cast']")
    expect(cast).to_have_text("3")
    expect(frame.locator("[data-key='issued']")).to_have_text("12")
    expect(frame.locator("h1")).to_contain_text("师生测评")
    assert page.context.cookies() == []  # neither the portal nor the widget set one
    shots(page, f"60-embed-turnout-{device}-before")
    _cast(client, tokens[3:7] + tokens[8:10])
    assert cast.inner_text() == "3"  # the page's clock is paused: no poll yet
    page.clock.run_for(5000)
    expect(cast).to_have_text("9")
    expect(frame.locator(f"[data-key='g{full_campaign.groups[1]}-cast']")).to_have_text("2")
    expect(frame.locator("[data-key='percent']")).to_have_text("75.0%")
    shots(page, f"61-embed-turnout-{device}-after")
    context.close()


def test_a_portal_not_on_the_list_is_refused_the_frame(browser, live_server, client, full_campaign, make_user, login,
                                                        portal_server, shots):
    # 127.0.0.1:<port> is allowed; the same server as localhost:<port> is another origin, not listed.
    _allow(client, make_user, login, f"http://127.0.0.1:{portal_server.port}")
    widget = f"{live_server}/embed/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/turnout"
    portal_server.pages["html"] = PORTAL_PAGE.format(src=widget)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    refusals = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    with page.expect_response(lambda r: "/embed/" in r.url) as answered:
        page.goto(f"http://localhost:{portal_server.port}/")
    assert answered.value.status == 200  # the server answered; the browser would not show it
    expect(page.locator("#widget")).to_be_attached()
    frame = next(f for f in page.frames if f != page.main_frame)
    from tests.polling import wait_until
    wait_until(lambda: refusals, "the browser's report of the refused frame")
    assert "violates" in refusals[0] and "blocked" in refusals[0] and f"http://127.0.0.1:{portal_server.port}" in refusals[0]
    assert not frame.url.startswith(live_server)  # an error page in its place, not the widget
    assert page.frame_locator("#widget").locator("[data-key='cast']").count() == 0
    shots(page, "62-embed-refused")
    context.close()


def test_the_widgets_light_and_dark_on_a_phone(browser, live_server, client, closed_round, organiser_key, shots,
                                               monkeypatch):
    import datetime as dt

    from service.publication import operations as publication
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 11, 25))
    cid, rid = closed_round.id, closed_round.round
    assert client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={"honourees": [
        {"subject_id": closed_round.people[0], "award": "优秀共产党员"}]}).status_code == 201
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, locale="zh-CN",
                                      color_scheme=scheme)
        page = context.new_page()
        for name, path in (("turnout", f"rounds/{rid}/turnout"), ("results", f"rounds/{rid}/results"),
                           ("publicity", "publicity")):
            page.goto(f"{live_server}/embed/campaigns/{cid}/{path}")
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
                ("rgb(255, 255, 255)" if scheme == "light" else "rgb(27, 25, 24)")
            shots(page, f"63-embed-{name}-{scheme}")
        # ?theme= overrides the reader's setting
        other = "dark" if scheme == "light" else "light"
        page.goto(f"{live_server}/embed/campaigns/{cid}/publicity?theme={other}")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            ("rgb(255, 255, 255)" if other == "light" else "rgb(27, 25, 24)")
        context.close()


def test_the_campaign_page_previews_each_widget(browser, live_server, full_campaign, make_user):
    from tests.browser.helpers import sign_in
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{full_campaign.id}#embeds")
    card = page.locator("#embeds")
    card.locator("summary").first.click()
    snippet = card.locator("textarea.snippet").first.input_value()
    assert snippet.startswith('<iframe src="http') and "/turnout" in snippet and 'title="师生测评 · 实时参评情况"' in snippet
    preview = card.frame_locator("iframe.embed-preview").first
    expect(preview.locator("[data-key='issued']")).to_have_text("0")  # framed by the service itself ('self')
    card.locator("summary").nth(1).click()
    expect(card.frame_locator("iframe.embed-preview").nth(1).locator("p.pending")).to_contain_text("公示发布后")
    path = OUTPUT / "screenshots" / "64-embed-campaign-card.png"
    card.screenshot(path=str(path))  # the card, not the whole campaign page
    assert path.stat().st_size > 5000
    context.close()


def test_the_administrator_edits_the_list_on_a_phone(live_server, phone, make_user, shots):
    from tests.browser.helpers import sign_in
    page = phone
    page.on("dialog", lambda d: d.accept())
    sign_in(page, live_server, make_user("admin"))
    page.get_by_role("link", name="嵌入网站").click()
    page.wait_for_url(live_server + "/admin/embeds")
    form = page.locator("#add-origin")
    form.get_by_label("网站地址").fill("https://oa.example.edu.cn/portal/index.html")
    form.get_by_role("button", name="添加").click()
    expect(form.locator(".form-errors")).to_contain_text("不要包含路径、查询参数或 #：应填写 https://oa.example.edu.cn")
    shots(page, "65-embed-admin-refused")
    form = page.locator("#add-origin")
    form.get_by_label("网站地址").fill("https://OA.example.edu.cn/")
    form.get_by_label("说明").fill("学校门户")
    form.get_by_role("button", name="添加").click()
    expect(page.locator("#origins")).to_contain_text("https://oa.example.edu.cn")
    shots(page, "66-embed-admin-list")
    page.locator("#origins").get_by_role("button", name="移除").click()
    expect(page.locator("#origins")).to_contain_text("还没有允许任何其他网站")
