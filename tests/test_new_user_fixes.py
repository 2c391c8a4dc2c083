"""What a new user stumbled on: slips that no phone can open said so before printing, the
public finding the 公示 and the bulletin boards, the 公示 form proposing who the count
recommended, an archived campaign's final list still reachable."""
from __future__ import annotations

import datetime as dt
import re

from service.publication import operations as publication


def test_the_issue_form_warns_when_ballots_point_to_this_computer_only(client, make_campaign, organiser_key,
                                                                      make_user, login):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    login(make_user("organiser"))
    html = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert "选票上的投票地址：<code>127.0.0.1:8000/vote</code>" in html
    assert 'id="loopback-warning"' in html and "手机扫码将无法投票" in html


def test_no_warning_for_an_address_phones_reach(database, tmp_path):
    import secrets

    from service import create_app
    from service.core.config import Settings
    settings = Settings.from_env({"PINGYI_ENV": "test", "DATABASE_URL": database, "SECRET_KEY": secrets.token_urlsafe(40),
                                  "PINGYI_VAR_DIR": str(tmp_path), "BASE_URL": "https://pingyi.example.edu.cn",
                                  "SETTLE_SECONDS": "0"})
    other = create_app({"SETTINGS": settings, "TESTING": True})
    from service.campaigns.pages import _ballot_address
    with other.test_request_context():
        assert _ballot_address() == {"vote": "pingyi.example.edu.cn/vote", "loopback": False}


def test_the_public_finds_the_publicity_and_the_boards(client, make_campaign, organiser_key, monkeypatch):
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    page = client.get(f"/c/{cid}").get_data(as_text=True)
    assert f'href="/board/{c["rounds"][0]["id"]}"' in page and f"/c/{cid}/publicity" not in page
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 11, 25))
    client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                json={"honourees": [{"subject_id": c["subjects"][0]["id"]}]})
    assert f'href="/c/{cid}/publicity"' in client.get(f"/c/{cid}").get_data(as_text=True)
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 12, 2))
    client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key, json={"honouree_ids": []})
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "archived"}, headers=organiser_key)
    home = client.get("/").get_data(as_text=True)
    archived = home.split("<h2>已归档</h2>", 1)[1]
    assert f"/c/{cid}/publicity" in archived and "表彰名单" in archived


def test_the_publicity_form_proposes_who_the_count_recommended(client, full_campaign, organiser_key, make_user,
                                                                login):
    for token in full_campaign.tokens(3):
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": full_campaign.valid}
                           ).status_code == 201
    client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    login(make_user("organiser"))
    form = client.get(f"/admin/campaigns/{full_campaign.id}").get_data(as_text=True).split('id="publish"', 1)[1]
    form = form.split("</fieldset>", 1)[0]
    chosen = full_campaign.people[0]  # every ballot chose 王丽华: recommended
    assert re.search(rf'value="{chosen}" checked> 王丽华.*推荐</span>', form)
    assert not re.search(rf'value="{full_campaign.people[1]}" checked', form)


def test_a_mistyped_code_stays_in_the_box_to_be_corrected(client):
    typed = "0001-AAAA-BBBB-CCCC-DDDD-EEEE-FFF0"
    r = client.post("/vote", data={"code": typed})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "票码无效" in html and f'value="{typed}"' in html
