"""What a person reads on the admin pages is Chinese: the three half-English messages users met,
shown beside the form just sent with what was typed kept, and the 操作记录 in words."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook

from tests.helpers import errors_of


@pytest.fixture
def page_user(client, make_user, login):
    return login(make_user("organiser", username="zuzhibu"))


def test_a_one_ballot_format_refuses_a_larger_batch_in_chinese(client, make_campaign, organiser_key, page_user):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    r = client.post(f"/admin/campaigns/{cid}/batches", data={
        "csrf_token": page_user, "_form": "issue-batch", "round_id": c["rounds"][0]["id"],
        "group_id": c["groups"][1]["id"], "size": "5", "layout": "png", "label": "学生座谈会"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    box = errors_of(html, "issue-batch")
    assert "张数：PNG 和 SVG 只能生成一张选票：张数须为 1" in box and "png and svg" not in html
    form = html.split('id="issue-batch"', 1)[1].split("</form>", 1)[0]
    assert 'value="学生座谈会"' in form and 'value="5"' in form
    assert re.search(r'<option value="png" selected>', form)
    assert re.search(rf'<option value="{c["groups"][1]["id"]}" selected>', form)


def test_a_score_range_upside_down_is_refused_in_chinese(client, make_campaign, organiser_key, page_user):
    cid = make_campaign()
    rnd = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rounds"][0]["id"]
    r = client.post(f"/admin/campaigns/{cid}/sections", data={
        "csrf_token": page_user, "_form": "add-section", "round_id": str(rnd), "type": "score",
        "title": "量化打分", "score_min": "90", "score_max": "60"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    box = errors_of(html, "add-section")
    assert "最高分：最低分必须小于最高分" in box and "min must be below max" not in html and "设置：" not in box
    form = html.split('id="add-section"', 1)[1].split("</form>", 1)[0]
    assert 'value="量化打分"' in form and 'value="90"' in form and 'value="60"' in form
    assert '<option value="score" selected>' in form
    assert errors_of(html, "add-group") == ""  # only beside the form that was sent


def test_an_import_with_bad_rows_is_refused_in_chinese(client, make_campaign, page_user, fingerprint):
    cid = make_campaign()
    wb = Workbook()
    ws = wb.active
    ws.append(["名称", "类型", "类别", "单位"])
    ws.append(["", "个人", "党员", "护理系"])
    ws.append(["张三", "外星人", "党员", "药学系"])
    buf = io.BytesIO()
    wb.save(buf)
    before = fingerprint()
    r = client.post(f"/admin/campaigns/{cid}/subjects/import", content_type="multipart/form-data", data={
        "csrf_token": page_user, "_form": "import-subjects", "file": (io.BytesIO(buf.getvalue()), "名单.xlsx")})
    assert r.status_code == 422 and fingerprint() == before
    box = errors_of(r.get_data(as_text=True), "import-subjects")
    assert "部分行有误，未导入任何对象" in box and "第 2 行：名称：" in box and "第 3 行：类型：" in box
    assert "类型：取值须为以下之一：组织、个人" in box and not re.search(r"[A-Za-z]{3,}", box), box


def test_the_event_record_reads_in_words(client, make_campaign, organiser_key, page_user):
    cid = make_campaign()
    html = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    events = html.split('id="events"', 1)[1]
    assert "API 密钥「test system」：添加参评群体" in events and "添加题目" in events
    assert "创建测评活动「2026 年度优秀党员评选」" in events
    for raw in ("section.added", "group.added", "campaign.created", "key:", "user:"):
        assert raw not in events, raw
