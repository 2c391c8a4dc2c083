"""docs/integration.md's Python examples (issue 12) run against a live server: each fenced python
block, its `# ← 替换 / replace` lines given this test's address, keys, secret and ids, executed
as written. What they print and the values they leave are checked against the API; a block
that raises fails its test, and a block no test runs fails the first one."""
from __future__ import annotations

import html
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import psycopg2
import psycopg2.extras
import pytest

from tests.conftest import ROOT
from tests.polling import wait_until

DOC = ROOT / "docs" / "integration.md"
MARK = "# ← 替换 / replace"
PLACEHOLDERS = ("example.edu.cn", "pgy_…", "whsec_…")
# Each block by the English half of the heading it sits under.
RESULTS, EMBED, WEBHOOK, HANDOUT = ("Reading results and turnout", "Embedding a widget",
                                    "Verifying a webhook's signature", "A portal handing out ballots")


def python_blocks() -> dict[str, tuple[str, int]]:
    """heading → (code, the line of the file its first line is on)."""
    text = DOC.read_text(encoding="utf-8")
    blocks = {}
    for m in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S):
        heading = re.findall(r"^### (.+)$", text[:m.start()], re.M)[-1]
        english = heading.split(" / ", 1)[-1].strip()
        assert english not in blocks, f"two python blocks under {heading!r}"
        blocks[english] = (m.group(1), text.count("\n", 0, m.start(1)) + 1)
    return blocks


def filled(code: str, values: dict) -> str:
    """The block with each marked line's names given the test's values; every marked name must
    have one, every value must be used and no placeholder may be left."""
    used, lines = set(), []
    for line in code.splitlines():
        if MARK in line:
            names = [n.strip() for n in line.split("=", 1)[0].split(",")]
            missing = [n for n in names if n not in values]
            assert not missing, f"the test has no value for {missing}: {line}"
            used |= set(names)
            line = f"{', '.join(names)} = {', '.join(repr(values[n]) for n in names)}"
        lines.append(line)
    assert used == set(values), f"values the block does not mark: {set(values) - used}"
    out = "\n".join(lines) + "\n"
    left = [p for p in PLACEHOLDERS if p in out]
    assert not left, f"a placeholder without the {MARK!r} mark: {left}"
    return out


def prepare(title: str, **values):
    """The block under `title`, compiled to run as a script (tracebacks name docs/integration.md's
    lines); the namespace it will run in and the list of lines it prints."""
    code, line = python_blocks()[title]
    printed: list[str] = []
    namespace = {"__name__": "__main__", "print": lambda *args, **_kw: printed.append(" ".join(map(str, args)))}
    return compile("\n" * (line - 1) + filled(code, values), str(DOC), "exec"), namespace, printed


def run(title: str, **values) -> tuple[dict, list[str]]:
    """Execute the block under `title`; its namespace and the lines it printed."""
    source, namespace, printed = prepare(title, **values)
    exec(source, namespace)  # noqa: S102
    return namespace, printed


def key_of(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_every_python_block_is_run_here():
    assert set(python_blocks()) == {RESULTS, EMBED, WEBHOOK, HANDOUT}


def test_reading_results_and_turnout(live_server, client, closed_round, make_key):
    key = make_key("results", "turnout")
    cid, rid = closed_round.id, closed_round.round
    ns, printed = run(RESULTS, BASE_URL=live_server, API_KEY=key_of(key), CAMPAIGN_ID=cid, ROUND_ID=rid)
    assert ns["turnout"] == client.get(f"/api/v1/campaigns/{cid}/turnout", headers=key).get_json()
    results = client.get(f"/api/v1/campaigns/{cid}/rounds/{rid}/results", headers=key).get_json()
    assert ns["results"] == results and results["ballots"] == 12
    assert printed[0] == "师生测评：发出 12 张，收回 12 张"
    assert printed[1].startswith("师生测评：收回 12 张，")
    ranked = [f"{s['title']} 第 {r['rank']} 名：{r['name']}" for s in results["sections"] for r in s.get("rows", [])[:3]]
    assert len(ranked) >= 3 and printed[2:] == ranked
    with pytest.raises(urllib.error.HTTPError) as refused:  # a key without the results scope
        run(RESULTS, BASE_URL=live_server, API_KEY=key_of(make_key("turnout")), CAMPAIGN_ID=cid, ROUND_ID=rid)
    assert refused.value.code == 403 and json.load(refused.value)["error"]["details"]["required"] == "results:read"


def test_embedding_a_widget_says_whether_the_portal_is_listed(live_server, full_campaign, database):
    from service.embeds import operations as embeds
    portal = "http://127.0.0.1:8123"
    values = {"BASE_URL": live_server, "PORTAL_ORIGIN": portal, "CAMPAIGN_ID": full_campaign.id,
              "ROUND_ID": full_campaign.round}
    _ns, printed = run(EMBED, **values)
    assert printed[0] == f"浏览器会拒绝显示：请管理员在「嵌入网站」中添加 {portal} / not on the allowlist yet"
    with psycopg2.connect(database) as c, c.cursor() as cur:
        embeds.add(cur, "user:admin", portal, "学校门户")
    c.close()
    _ns, printed = run(EMBED, **values)
    assert len(printed) == 1 and printed[0].startswith("<iframe ")
    src = html.unescape(re.search(r'src="([^"]+)"', printed[0]).group(1))
    assert src == f"{live_server}/embed/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/turnout?theme=light"
    with urllib.request.urlopen(src) as widget:
        assert widget.status == 200 and f"frame-ancestors 'self' {portal};" in widget.headers["Content-Security-Policy"]
        assert "师生测评 · 参评情况" in widget.read().decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: str, headers: dict) -> int:
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_the_webhook_receiver_takes_a_genuine_delivery_and_refuses_a_tampered_one(database):
    from service.webhooks import delivery, worker
    from service.webhooks import operations as hooks
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hooks/pingyi"
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        endpoint = hooks.create(cur, "user:admin", {"url": url, "campaign_id": None, "event_types": [],
                                                    "description": "文档示例", "allow_private": True})
    c.close()
    outcome: dict = {}
    # The block ends in serve_forever(): it runs in a thread, its namespace read as it fills.
    source, namespace, printed = prepare(WEBHOOK, WEBHOOK_SECRET=endpoint["secret"], LISTEN=("127.0.0.1", port))

    def serve_block():
        try:
            exec(source, namespace)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            outcome["error"] = exc
    thread = threading.Thread(target=serve_block, daemon=True)
    thread.start()
    wait_until(lambda: "server" in namespace or "error" in outcome, "the receiver to listen")
    assert "error" not in outcome, outcome.get("error")
    try:
        with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
            message = hooks.send_test(cur, "user:admin", endpoint["id"])
        c.close()
        done = worker.run_once(database)  # the service's own worker signs and POSTs it
        assert [(d["id"], d["status"], d["state"]) for d in done] == [(message, 204, "delivered")]
        assert len(printed) == 1 and printed[0].startswith(f"收到 / received {message} webhook.test ")

        body = json.dumps({"type": "webhook.test", "timestamp": "2026-12-03T09:00:00Z",
                           "data": {"endpoint_id": endpoint["id"], "message": "测试"}}, ensure_ascii=False)
        signed = delivery.headers(endpoint["secret"], "msg_doc_example", body)
        assert _post(url, body.replace("测试", "篡改"), signed) == 400  # the body altered after signing
        stale = delivery.headers(endpoint["secret"], "msg_doc_example", body, now=time.time() - 600)
        assert _post(url, body, stale) == 400  # ten minutes old
        assert _post(url, body, {**signed, "webhook-signature": "v1,AAAA"}) == 400
        assert len(printed) == 1
        assert _post(url, body, signed) == 204
        assert _post(url, body, signed) == 204  # the same webhook-id again: answered, handled once
        assert len(printed) == 2 and "msg_doc_example webhook.test" in printed[1]
    finally:
        if "server" in namespace:
            namespace["server"].shutdown()
            namespace["server"].server_close()
        thread.join(5)
    assert "error" not in outcome, outcome.get("error")


def test_a_portal_hands_out_a_ballot_that_can_be_cast_once_per_user(live_server, client, full_campaign, make_key,
                                                                    settings):
    key = make_key("handout")
    ns, printed = run(HANDOUT, BASE_URL=live_server, HANDOUT_KEY=key_of(key), CAMPAIGN_ID=full_campaign.id,
                      ROUND_ID=full_campaign.round, GROUP_ID=full_campaign.groups[1])
    ballot = ns["ballot"]
    assert printed == [f"请打开 / open {ballot['url']} 或输入投票码 / or type {ballot['code']}",
                       "已领取过本轮选票 / already handed out"]
    # The address is built from BASE_URL, the service's own (the in-process server listens elsewhere).
    assert ballot["url"].startswith(settings.base_url + "/b/")
    path = ballot["url"][len(settings.base_url):]
    with urllib.request.urlopen(live_server + path) as page:
        assert page.status == 200 and "师生测评" in page.read().decode()
    token = path.removeprefix("/b/")
    cast = json.dumps({"token": token, "answers": full_campaign.valid})
    assert _post(live_server + "/api/v1/ballots:cast", cast, {}) == 201
    assert _post(live_server + "/api/v1/ballots:cast", cast, {}) == 409  # cast once
    other = ns["hand_out"]("2026010204")  # another user of the portal
    assert other["code"] != ballot["code"]
    with pytest.raises(RuntimeError, match="^422 validation_failed"):  # a group of no campaign of this round
        ns["GROUP_ID"] = 10 ** 9
        ns["hand_out"]("2026010205")
