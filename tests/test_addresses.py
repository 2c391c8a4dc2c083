"""Ballot addresses follow the server: with BASE_URL unset, every QR code, slip text, hand-out
URL and receipt link names the host and port actually served; serve warns when BASE_URL and
the served address disagree."""
from __future__ import annotations

import secrets
import subprocess

import pytest

from service import create_app
from service.core.cli import address_warnings
from service.core.config import Settings
from tests.helpers import decode_pdf

GOOD = {"PINGYI_ENV": "test", "SECRET_KEY": "s" * 40, "PINGYI_VAR_DIR": "/tmp/pingyi-config-test"}


def test_an_unset_base_url_is_where_serve_listens():
    s = Settings.from_env({**GOOD, "PORT": "8100"})
    assert (s.base_url, s.base_url_set) == ("http://127.0.0.1:8100", False)
    assert Settings.from_env({**GOOD, "HOST": "localhost", "PORT": "9001"}).base_url == "http://localhost:9001"
    wildcard = Settings.from_env({**GOOD, "HOST": "0.0.0.0", "PORT": "8100"}).base_url
    assert wildcard.endswith(":8100") and "0.0.0.0" not in wildcard  # a bind-all address is no address to open
    set_ = Settings.from_env({**GOOD, "PORT": "8100", "BASE_URL": "https://pingyi.example.edu.cn/"})
    assert (set_.base_url, set_.base_url_set) == ("https://pingyi.example.edu.cn", True)


@pytest.mark.parametrize("env,host,port,expected", [
    ({}, "127.0.0.1", 8100, [("NOTE", "only this computer")]),
    ({"BASE_URL": "http://127.0.0.1:8000"}, "0.0.0.0", 8000, [("WARNING", "loopback")]),
    ({"BASE_URL": "http://localhost:8100"}, "192.168.1.20", 8100, [("WARNING", "loopback")]),
    ({"BASE_URL": "http://192.168.1.20:8000"}, "0.0.0.0", 8100, [("WARNING", "listens on 0.0.0.0:8100")]),
    ({"BASE_URL": "https://pingyi.example.edu.cn"}, "127.0.0.1", 8000, [("WARNING", "reverse proxy")]),
    ({"BASE_URL": "http://192.168.1.20:8100"}, "0.0.0.0", 8100, []),
    ({"BASE_URL": "http://127.0.0.1:8100"}, "127.0.0.1", 8100, []),
])
def test_serve_says_when_ballots_would_point_elsewhere(env, host, port, expected):
    settings = Settings.from_env({**GOOD, "HOST": host, "PORT": str(port), **env})
    said = address_warnings(settings, host, port)
    assert [level for level, _ in said] == [level for level, _ in expected], said
    for (_, text), (_, fragment) in zip(said, expected):
        assert fragment in text, text


def test_serve_prints_the_warning_at_start(tmp_path, run_cli):
    r = run_cli("serve", "--no-demo", "--host", "0.0.0.0",
                env={**GOOD, "PINGYI_VAR_DIR": str(tmp_path), "BASE_URL": "http://127.0.0.1:8000",
                     "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"})
    assert "WARNING: ballots point to http://127.0.0.1:8000, a loopback address" in r.stderr, r.stderr


@pytest.fixture
def app_on_8100(database, tmp_path):
    settings = Settings.from_env({"PINGYI_ENV": "test", "DATABASE_URL": database, "PORT": "8100",
                                  "SECRET_KEY": secrets.token_urlsafe(40), "PINGYI_VAR_DIR": str(tmp_path),
                                  "LOG_LEVEL": "WARNING", "MIX_SECONDS": "0"})
    return create_app({"SETTINGS": settings, "TESTING": True})


def test_slips_handouts_and_receipts_name_the_served_port(app_on_8100, make_key, tmp_path):
    client, key = app_on_8100.test_client(), make_key("organise")
    api = lambda path, body: client.post(f"/api/v1/campaigns{path}", json=body, headers=key)  # noqa: E731
    cid = api("", {"title": "地址测试", "description": ""}).json["id"]
    group = api(f"/{cid}/groups", {"name": "教师", "weight": 1}).json["id"]
    api(f"/{cid}/subjects", {"name": "王丽华", "kind": "person"})
    rnd = api(f"/{cid}/rounds", {"title": "测评", "kind": "evaluation"}).json["id"]
    api(f"/{cid}/sections", {"round_id": rnd, "type": "approve", "title": "同意"})
    for state in ("announced", "open"):
        assert api(f"/{cid}/transitions", {"to": state}).status_code == 200
    r = api(f"/{cid}/batches", {"round_id": rnd, "group_id": group, "size": 2, "layout": "slips-2x4"})
    assert r.status_code == 201
    urls = decode_pdf(r.get_data(), tmp_path)
    assert len(urls) == 2 and all(u.startswith("HTTP://127.0.0.1:8100/B/") for u in urls), urls
    (tmp_path / "b.pdf").write_bytes(r.get_data())
    text = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "127.0.0.1:8100/vote" in text and ":8000" not in text

    handout_key = make_key("handout")
    h = client.post(f"/api/v1/campaigns/{cid}/rounds/{rnd}/ballots:handout", headers=handout_key,
                    json={"voter_ref": "20260001", "group_id": group})
    assert h.status_code == 201 and h.json["url"].startswith("http://127.0.0.1:8100/b/"), h.json

    token = urls[0].rsplit("/", 1)[1]
    cast = client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}})
    assert cast.status_code == 201 and cast.json["board_url"] == f"http://127.0.0.1:8100/board/{rnd}"


def test_the_issue_form_warns_when_ballots_point_to_this_computer_only(client, make_campaign, organiser_key,
                                                                      make_user, login):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    login(make_user("organiser"))
    html = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert "选票上的投票地址：<code>127.0.0.1:8000/vote</code>" in html
    assert 'id="loopback-warning"' in html and "手机扫码将无法投票" in html
    for state in ("open", "closed"):  # once voting is over, nothing is printed: no warning, no form
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    html = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert 'id="loopback-warning"' not in html and 'id="issue-batch"' not in html
    assert "投票已结束，不再发放选票" in html


def test_no_warning_for_an_address_phones_reach(database, tmp_path):
    import secrets

    from service import create_app
    from service.core.config import Settings
    settings = Settings.from_env({"PINGYI_ENV": "test", "DATABASE_URL": database, "SECRET_KEY": secrets.token_urlsafe(40),
                                  "PINGYI_VAR_DIR": str(tmp_path), "BASE_URL": "https://pingyi.example.edu.cn",
                                  "MIX_SECONDS": "0"})
    other = create_app({"SETTINGS": settings, "TESTING": True})
    from service.campaigns.pages import _ballot_address
    with other.test_request_context():
        assert _ballot_address() == {"vote": "pingyi.example.edu.cn/vote", "loopback": False}
