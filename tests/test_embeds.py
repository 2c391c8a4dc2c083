"""Embeds (issue 12, docs/integration.md "嵌入 / Embedding"): the widgets' headers (frame-ancestors
from the allowlist, no X-Frame-Options, no cookie), what each shows when, the allowlist's
validation and events, and CORS on the read-only API for the same list."""
from __future__ import annotations

import psycopg2
import pytest

from service.embeds.errors import BadOrigin
from service.embeds.origins import normalise

PORTAL = "https://oa.example.edu.cn"


def _rows(dsn, sql, args=()):
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall()
    c.close()
    return rows


@pytest.fixture
def allow(database):
    def add(*origins):
        with psycopg2.connect(database) as c, c.cursor() as cur:
            cur.executemany("INSERT INTO embed_origins (origin, added_by) VALUES (%s, 'test')", [(o,) for o in origins])
        c.close()
    return add


def _widgets(cid, rid):
    base = f"/embed/campaigns/{cid}"
    return [f"{base}/rounds/{rid}/turnout", f"{base}/rounds/{rid}/results", f"{base}/publicity"]


# --- origins ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, origin", [
    ("https://OA.Example.edu.cn", "https://oa.example.edu.cn"), ("https://oa.example.edu.cn/", "https://oa.example.edu.cn"),
    ("https://x.cn:443", "https://x.cn"), ("http://x.cn:80", "http://x.cn"), ("http://x.cn:443", "http://x.cn:443"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("http://[0:0::1]:3000", "http://[::1]:3000"),
    ("  http://localhost:5000 ", "http://localhost:5000"), ("https://学校.中国", "https://xn--48s290a.xn--fiqs8s")])
def test_an_origin_is_kept_as_the_browser_sends_it(typed, origin):
    assert normalise(typed) == origin


@pytest.mark.parametrize("typed, words", [
    ("", "请填写"), ("oa.example.edu.cn", "http:// 或 https://"), ("ftp://x.cn", "只能是 http 或 https"),
    ("javascript://x.cn", "只能是 http 或 https"), ("https://x.cn/portal", "不要包含路径"), ("https://x.cn?a=1", "不要包含路径"),
    ("https://x.cn#top", "不要包含路径"), ("https://x.cn//", "不要包含路径"), ("https://u:p@x.cn", "用户名"),
    ("*", "通配符"), ("https://*.x.cn", "通配符"), ("https://x.cn 'unsafe-inline'", "空格"),
    ("https://x.cn;script-src *", "分号"), ("https://a.cn,https://b.cn", "逗号"), ("https://x.cn:99999", "端口"),
    ("https://x.cn:", "端口"), ("https://x.cn:８０", "端口"), ("https://-x.cn", "不是有效的域名"),
    ("https://x..cn", "不是有效的域名"), ("http://999.1.1.1", "IPv4"), ("http://[zz]:80", "IPv6"), ("'self'", "引号")])
def test_anything_else_is_refused_with_the_reason(typed, words):
    with pytest.raises(BadOrigin) as caught:
        normalise(typed)
    assert words in caught.value.details["reason"]


def test_an_address_with_a_path_is_refused_with_its_origin_suggested():
    with pytest.raises(BadOrigin) as caught:
        normalise("https://OA.example.edu.cn/portal/index.html?x=1")
    assert caught.value.details["reason"].endswith("应填写 https://oa.example.edu.cn")


def test_the_table_refuses_what_could_break_a_header(database):
    for bad in ("https://x.cn; script-src *", "https://x.cn/path", "*", "https://X.cn"):
        with pytest.raises(psycopg2.errors.CheckViolation):
            _rows(database, "INSERT INTO embed_origins (origin, added_by) VALUES (%s, 'test') RETURNING 1", (bad,))


# --- the admin page --------------------------------------------------------------------------------

def test_the_admin_adds_and_removes_origins_each_an_event(client, make_user, login, database, fingerprint):
    token = login(make_user("admin"))
    r = client.post("/admin/embeds", data={"origin": "HTTPS://OA.example.edu.cn/", "note": "学校门户",
                                           "csrf_token": token, "_form": "add-origin"})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get("/admin/embeds").get_data(as_text=True)
    assert PORTAL in page and "学校门户" in page and f"已允许 {PORTAL}" in page
    before = fingerprint()
    again = client.post("/admin/embeds", data={"origin": PORTAL, "csrf_token": token, "_form": "add-origin"})
    assert again.status_code == 422 and "已在允许嵌入的网站列表中" in again.get_data(as_text=True)
    bad = client.post("/admin/embeds", data={"origin": "https://oa.example.edu.cn/portal", "csrf_token": token,
                                             "_form": "add-origin"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "网站地址不符合要求" in text and "不要包含路径" in text
    assert 'value="https://oa.example.edu.cn/portal"' in text  # what was typed stays in the form
    assert client.post("/admin/embeds", data={"origin": PORTAL}).status_code in (400, 403)  # no CSRF token
    assert client.post("/admin/embeds/remove", data={"origin": "https://other.cn", "csrf_token": token}).status_code == 404
    assert fingerprint() == before  # each refusal changed nothing
    assert client.post("/admin/embeds/remove", data={"origin": PORTAL, "csrf_token": token}).status_code == 302
    assert _rows(database, "SELECT origin FROM embed_origins") == []
    events = _rows(database, "SELECT type, payload::jsonb ->> 'origin', actor FROM audit_log "
                             "WHERE chain = 0 AND type LIKE 'embed.%%' ORDER BY height")
    assert [(t, o) for t, o, _a in events] == [("embed.origin_added", PORTAL), ("embed.origin_removed", PORTAL)]
    assert all(a.startswith("user:") for _t, _o, a in events)
    from service.web.messages import EVENTS
    assert "嵌入" in EVENTS["embed.origin_added"] and "嵌入" in EVENTS["embed.origin_removed"]


def test_only_the_administrator_edits_the_list(client, make_user, login):
    for role in ("organiser", "auditor", "viewer"):
        token = login(make_user(role))
        assert client.get("/admin/embeds").status_code == 403
        assert client.post("/admin/embeds", data={"origin": PORTAL, "csrf_token": token}).status_code == 403
        client.post("/logout", data={"csrf_token": token})
    assert client.get("/admin/embeds").status_code == 302  # a stranger is sent to sign in


# --- the widgets' headers --------------------------------------------------------------------------

def test_the_widgets_name_the_allowlist_as_their_frame_ancestors(client, make_published, allow):
    cid, _pub = make_published()
    rid = _round_of(client, cid)
    for path in _widgets(cid, rid):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self';" in csp and "'none'" not in csp.split("frame-ancestors")[1].split(";")[0]
        assert "X-Frame-Options" not in r.headers and r.headers["X-Content-Type-Options"] == "nosniff"
    allow(PORTAL, "http://127.0.0.1:8081")
    for path in _widgets(cid, rid):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "frame-ancestors 'self' http://127.0.0.1:8081 https://oa.example.edu.cn;" in csp
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
    other = client.get(f"/c/{cid}/publicity")  # every other page still refuses every frame
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
    assert other.headers["X-Frame-Options"] == "DENY"


def _round_of(client, cid):
    return client.get(f"/c/{cid}/turnout.json").json["rounds"][0]["id"]


def test_the_widgets_set_no_cookie_even_for_a_signed_in_organiser(client, make_published, make_user, login):
    cid, _pub = make_published()
    rid = _round_of(client, cid)
    for path in _widgets(cid, rid) + [f"/embed/campaigns/{cid}/rounds/{rid}/turnout.json"]:
        r = client.get(path)
        assert r.status_code == 200 and "Set-Cookie" not in r.headers, path
    login(make_user("organiser"))
    assert client.get(f"/admin/campaigns/{cid}").status_code == 200  # signed in: the cookie is sent along
    for path in _widgets(cid, rid):
        r = client.get(path)
        assert r.status_code == 200 and "Set-Cookie" not in r.headers and "Cookie" not in r.headers.get("Vary", ""), path
        assert "登录" not in r.get_data(as_text=True) and "退出" not in r.get_data(as_text=True)


def test_a_session_touched_by_a_widget_still_sets_no_cookie(app):
    """Whatever a template or a view does with the session, no cookie leaves /embed/."""
    from flask import session
    with app.test_request_context("/embed/campaigns/1/publicity"):
        session["csrf"] = "x"
        resp = app.make_response("")
        app.session_interface.save_session(app, session, resp)
        assert "Set-Cookie" not in resp.headers
    with app.test_request_context("/c/1/publicity"):  # the check that can fail: elsewhere it is set
        session["csrf"] = "x"
        resp = app.make_response("")
        app.session_interface.save_session(app, session, resp)
        assert "pingyi_session=" in resp.headers["Set-Cookie"]


def test_a_draft_or_a_stranger_round_is_not_found_inside_the_frame(client, make_campaign, organiser_key):
    cid = make_campaign()
    rid = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rounds"][0]["id"]
    for path in _widgets(cid, rid) + [f"/embed/campaigns/{cid}/rounds/{rid + 999}/turnout",
                                       f"/embed/campaigns/{cid + 999}/publicity"]:
        r = client.get(path)
        assert r.status_code == 404 and "未找到" in r.get_data(as_text=True), path
        assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"] and "X-Frame-Options" not in r.headers
        assert "Set-Cookie" not in r.headers


# --- what they show --------------------------------------------------------------------------------

def test_the_turnout_counts_without_javascript(client, full_campaign):
    cid, rid = full_campaign.id, full_campaign.round
    tokens = full_campaign.tokens(3)
    assert client.post("/api/v1/ballots:cast", json={"token": tokens[0], "answers": {}}).status_code == 201
    html = client.get(f"/embed/campaigns/{cid}/rounds/{rid}/turnout?theme=dark").get_data(as_text=True)
    assert '<b data-key="cast">1</b>' in html and '<b data-key="issued">3</b>' in html and "33.3%" in html
    assert 'data-theme="dark"' in html and '<meta http-equiv="refresh"' in html and "<noscript>" in html
    assert "师生测评" in html and "参评情况" in html
    assert 'data-theme' not in client.get(f"/embed/campaigns/{cid}/rounds/{rid}/turnout?theme=x").get_data(as_text=True)
    t = client.get(f"/embed/campaigns/{cid}/rounds/{rid}/turnout.json").json
    assert (t["cast"], t["issued"], t["live"]) == (1, 3, True)
    assert {g["id"]: g["cast"] for g in t["groups"]} == {full_campaign.groups[0]: 1, full_campaign.groups[1]: 0}


def test_results_are_shown_only_once_published_with_small_groups_withheld(client, closed_round, organiser_key,
                                                                          monkeypatch):
    import datetime as dt

    from service.publication import operations as publication
    cid, rid = closed_round.id, closed_round.round
    path = f"/embed/campaigns/{cid}/rounds/{rid}/results"
    before = client.get(path).get_data(as_text=True)
    assert "结果将在公示发布后在此显示" in before and "王丽华" not in before and "临床医学系党支部" not in before
    assert "公示发布后" in client.get(f"/embed/campaigns/{cid}/publicity").get_data(as_text=True)
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 11, 25))
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                    json={"honourees": [{"subject_id": closed_round.people[0], "award": "优秀共产党员"}]})
    assert r.status_code == 201, r.json
    after = client.get(path).get_data(as_text=True)
    assert "王丽华" in after and "临床医学系党支部" in after and "推荐优秀党员" in after
    assert "希望加强实验室开放" not in after  # 意见建议 are never in a widget
    pub = client.get(f"/embed/campaigns/{cid}/publicity").get_data(as_text=True)
    assert "王丽华" in pub and "优秀共产党员" in pub


def test_the_results_widget_withholds_what_the_results_page_withholds(client, closed_round, organiser_key,
                                                                      make_user, login, monkeypatch, database):
    import datetime as dt

    from service.publication import operations as publication
    cid, rid = closed_round.id, closed_round.round
    _rows(database, "UPDATE campaigns SET rules = rules || '{\"small_group_k\": 6}' WHERE id = %s RETURNING 1", (cid,))
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 11, 25))
    assert client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                       json={"honourees": [{"subject_id": closed_round.people[0]}]}).status_code == 201
    widget = client.get(f"/embed/campaigns/{cid}/rounds/{rid}/results").get_data(as_text=True)
    login(make_user("viewer"))
    page = client.get(f"/admin/campaigns/{cid}/results").get_data(as_text=True)
    # The students returned 5 < 6 ballots: both pages show them as 不单列, never their own figures.
    assert widget.count(">不单列<") == page.count(">不单列<") > 0
    assert "少于 6 张" in widget



# --- CORS on the read-only API ---------------------------------------------------------------------

def test_cors_answers_a_listed_origin_only_on_read_routes(client, make_campaign, make_key, allow):
    cid = make_campaign()
    key = make_key("results")
    allow(PORTAL)
    r = client.get("/api/v1/campaigns", headers={**key, "Origin": PORTAL})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "Origin" in r.headers["Vary"] and "Access-Control-Allow-Credentials" not in r.headers
    same_site = client.get("/api/v1/campaigns", headers=key)  # no Origin (not a cross-site call): no CORS
    assert same_site.status_code == 200 and "Access-Control-Allow-Origin" not in same_site.headers
    # Without a key: the refusal is readable by the portal too
    unauthorised = client.get(f"/api/v1/campaigns/{cid}", headers={"Origin": PORTAL})
    assert unauthorised.status_code == 401 and unauthorised.headers["Access-Control-Allow-Origin"] == PORTAL
    for origin in ("https://evil.example", "https://oa.example.edu.cn:8443", "http://oa.example.edu.cn",
                   "https://OA.example.edu.cn", "null", PORTAL + "/"):
        r = client.get("/api/v1/campaigns", headers={**key, "Origin": origin})
        assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers, origin
        assert "Origin" not in r.headers.get("Vary", "")
    # Writes are never shared, nor is anything outside /api/v1.
    w = client.post("/api/v1/campaigns", json={"title": "x"}, headers={**make_key("organise"), "Origin": PORTAL})
    assert w.status_code == 201 and "Access-Control-Allow-Origin" not in w.headers
    for path in ("/api/openapi.json", f"/c/{cid}/turnout.json", "/healthz"):
        assert "Access-Control-Allow-Origin" not in client.get(path, headers={"Origin": PORTAL}).headers, path


def test_a_preflight_is_answered_for_get_with_the_authorization_header(client, make_campaign, allow):
    cid = make_campaign()
    allow(PORTAL)
    ask = {"Origin": PORTAL, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    r = client.options(f"/api/v1/campaigns/{cid}/turnout", headers=ask)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == PORTAL
    assert r.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert r.headers["Access-Control-Allow-Headers"] == "Authorization" and int(r.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in r.headers
    # /api/v1/campaigns takes GET and POST: GET is allowed, POST is not.
    assert client.options("/api/v1/campaigns", headers=ask).headers["Access-Control-Allow-Origin"] == PORTAL
    for method in ("POST", "DELETE", "PATCH"):
        r = client.options("/api/v1/campaigns", headers={**ask, "Access-Control-Request-Method": method})
        assert "Access-Control-Allow-Origin" not in r.headers, method
    post_only = client.options("/api/v1/ballots:cast", headers=ask)  # no GET route there
    assert "Access-Control-Allow-Origin" not in post_only.headers
    stranger = client.options(f"/api/v1/campaigns/{cid}/turnout", headers={**ask, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers and "Access-Control-Allow-Methods" not in stranger.headers


def test_removing_an_origin_ends_its_cors_and_its_frames(client, make_user, login, make_key, make_published):
    cid, _pub = make_published()
    token = login(make_user("admin"))
    client.post("/admin/embeds", data={"origin": PORTAL, "csrf_token": token})
    key = make_key("results")
    assert client.get("/api/v1/campaigns", headers={**key, "Origin": PORTAL}).headers["Access-Control-Allow-Origin"]
    widget = f"/embed/campaigns/{cid}/publicity"
    assert PORTAL in client.get(widget).headers["Content-Security-Policy"]
    client.post("/admin/embeds/remove", data={"origin": PORTAL, "csrf_token": token})
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/campaigns", headers={**key, "Origin": PORTAL}).headers
    assert PORTAL not in client.get(widget).headers["Content-Security-Policy"]


# --- the campaign page -----------------------------------------------------------------------------

def test_the_campaign_page_offers_a_snippet_and_a_preview_per_widget(client, make_published, make_user, login, app):
    cid, _pub = make_published()
    rid = _round_of(client, cid)
    login(make_user("organiser"))
    html = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    base = app.config["SETTINGS"].base_url
    for path in _widgets(cid, rid):
        assert f'&lt;iframe src=&#34;{base}{path}&#34;' in html, path  # the snippet, escaped in its textarea
        assert f'<iframe class="embed-preview" src="{path}"' in html, path
    assert "嵌入到其他网站" in html


def test_a_viewer_sees_no_snippets(client, make_published, make_user, login):
    cid, _pub = make_published()
    login(make_user("viewer"))
    assert "嵌入到其他网站" not in client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
