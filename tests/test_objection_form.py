"""The public objection form: a refused objection keeps what was typed; one sent twice is one
objection; one client cannot flood the list (a handful in ten minutes, counted in memory by a
keyed hash of its address, never stored)."""
from __future__ import annotations

import pytest

from service.core import ratelimit
from tests.conftest import _csrf


@pytest.fixture
def open_window(make_published):
    return make_published()


def post(client, cid, address="10.1.2.3", **form):
    client.get(f"/c/{cid}/publicity", environ_base={"REMOTE_ADDR": address})
    return client.post(f"/c/{cid}/publicity", data={"csrf_token": _csrf(client), **form},
                       environ_base={"REMOTE_ADDR": address})


def test_a_refused_objection_keeps_what_was_typed(client, open_window):
    cid, pub = open_window
    second = pub["honourees"][1]["id"]
    r = post(client, cid, body="  ", contact="校内分机 8123", honouree_id=str(second))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "请填写意见内容" in html
    assert f'<option value="{second}" selected>' in html and 'value="校内分机 8123"' in html
    long = "情况" * 1050
    r = post(client, cid, body=long, contact="", honouree_id="")
    assert r.status_code == 422 and long in r.get_data(as_text=True)


def test_an_objection_sent_twice_is_one(client, open_window, organiser_key):
    cid, _ = open_window
    for _ in range(2):
        r = post(client, cid, body="请核实该同志的考勤。")
        assert r.status_code == 200
    assert "相同的意见已经收到" in r.get_data(as_text=True)
    assert len(client.get(f"/api/v1/campaigns/{cid}/objections", headers=organiser_key).json) == 1


def test_one_client_cannot_flood_the_objections(client, open_window, organiser_key, fingerprint):
    cid, _ = open_window
    for i in range(ratelimit.OBJECTIONS_PER_WINDOW):
        assert post(client, cid, body=f"意见 {i}").status_code == 200
    before = fingerprint()
    r = post(client, cid, body="再来一条")
    assert r.status_code == 429 and "提交过于频繁" in r.get_data(as_text=True) and "再来一条" in r.get_data(as_text=True)
    assert fingerprint() == before
    assert post(client, cid, address="10.9.9.9", body="另一个人的意见").status_code == 200  # others still can
    assert len(client.get(f"/api/v1/campaigns/{cid}/objections", headers=organiser_key).json) == 6
