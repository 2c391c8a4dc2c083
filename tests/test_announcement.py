"""The public announcement lists what belongs to each section: a 意见建议 (text) section has no
subjects, so none is listed under it."""
from __future__ import annotations

import re


def test_a_text_section_lists_no_subjects(client, organiser_key, make_campaign):
    cid = make_campaign()
    rnd = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rounds"][0]["id"]
    r = client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key,
                    json={"round_id": rnd, "type": "text", "title": "意见建议", "config": {"max_length": 300}})
    assert r.status_code == 201
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    html = client.get(f"/c/{cid}").get_data(as_text=True)
    text_part = html.split("<h3>意见建议 <span", 1)[1].split("<h3", 1)[0].split("</section>", 1)[0]
    assert "王丽华" not in text_part and 'class="subjects"' not in text_part
    choose_part = html.split("<h3>推荐优秀党员 <span", 1)[1].split("<h3>意见建议 <span", 1)[0]
    assert len(re.findall("王丽华|李建国|张敏|刘洋", choose_part)) == 4  # the choose section keeps its candidates
