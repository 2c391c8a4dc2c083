"""Times are stored in UTC and shown in the campaign's time zone (Asia/Shanghai unless the
campaign says otherwise); pages of no campaign show China time."""
from __future__ import annotations

import datetime as dt

import psycopg2
import pytest
from marshmallow import ValidationError

from service.campaigns.schemas import _known_zone


def at_utc(database, sql, *args):
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute(sql, args)
    c.close()


def test_the_event_record_reads_in_china_time(client, make_campaign, make_user, login, database):
    cid = make_campaign()
    at_utc(database, "SELECT audit_append(%s, 'campaign.updated', 'user:test', '{}', '2026-11-30 16:30:00+00')", cid)
    login(make_user("viewer"))
    events = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True).split('id="events"', 1)[1]
    assert "2026-12-01 00:30" in events and "2026-11-30 16:30" not in events


def test_a_campaign_in_another_zone_shows_its_own_time(client, make_campaign, organiser_key, make_user, login,
                                                       database):
    cid = make_campaign(rules={"time_zone": "Europe/Berlin"})
    at_utc(database, "SELECT audit_append(%s, 'campaign.updated', 'user:test', '{}', '2026-11-30 16:30:00+00')", cid)
    login(make_user("viewer"))
    events = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True).split('id="events"', 1)[1]
    assert "2026-11-30 17:30" in events  # CET, UTC+1
    bad = client.patch(f"/api/v1/campaigns/{cid}", headers=organiser_key, json={"rules": {"time_zone": "Mars/Olympus"}})
    assert bad.status_code == 422 and "time_zone" in bad.json["error"]["details"]["fields"]["rules"]
    long = client.patch(f"/api/v1/campaigns/{cid}", headers=organiser_key, json={"rules": {"time_zone": "x" * 5000}})
    assert long.status_code == 422  # not a file-name error deep in zoneinfo (it was a 500)


def test_pages_of_no_campaign_show_china_time(client, make_user, login, make_key, database):
    make_key("results", name="学校门户")
    at_utc(database, "UPDATE api_keys SET created_at = '2026-11-30 23:59:00+00'")
    login(make_user("admin"))
    page = client.get("/admin/api-keys").get_data(as_text=True)
    assert "2026-12-01 07:59" in page


@pytest.mark.parametrize("name", ["localtime", "posixrules", "posix/Asia/Shanghai", "right/UTC", "Factory",
                                  "../../etc/passwd", "x" * 300])
def test_only_zones_every_installation_has_are_taken(name):
    with pytest.raises(ValidationError):
        _known_zone(name)
    assert _known_zone("Asia/Shanghai") and _known_zone("Europe/Berlin")


def test_a_stored_zone_this_host_cannot_load_shows_china_time(app):
    from service.web import local_time
    with app.test_request_context():
        assert local_time(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.timezone.utc), "Nowhere/Land") == \
            "2026-12-01 00:30"
