"""The ballot page says what the rules allow before the voter picks: a cap that allows none of an
option (1/3 of two rows floors to 0) offers that option nowhere, instead of letting the voter
pick it and then refusing the ballot."""
from __future__ import annotations

import re

from tests.conftest import issue_tokens
from tests.helpers import capped_rating_campaign


def test_a_cap_that_allows_none_offers_that_option_nowhere(client, organiser_key):
    cid, rid, gid = capped_rating_campaign(client, organiser_key, 0.34)  # 0.34 × 2 rows: none may be 满意
    (token,) = issue_tokens(client.application, cid, rid, gid, 1)
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert "「满意」本题不可选" in html and "「满意」≤" not in html
    radios = re.findall(r'<input type="radio" name="s\d+:[^"]+" value="([^"]+)"([^>]*)>', html)
    assert len(radios) == 8  # two rows of four options
    assert all(("disabled" in rest) == (value == "满意") for value, rest in radios)
    en = client.get(f"/b/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "「满意」cannot be chosen here" in en


def test_a_cap_that_allows_some_is_stated_and_offered(client, organiser_key):
    cid, rid, gid = capped_rating_campaign(client, organiser_key, 0.5)  # one of the two may be 满意
    (token,) = issue_tokens(client.application, cid, rid, gid, 1)
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert "「满意」≤ 1" in html and "本题不可选" not in html and "disabled" not in html
