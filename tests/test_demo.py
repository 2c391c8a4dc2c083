"""Demo data on a fresh database: one admin with a printed password, one Chinese campaign that is ready."""
from __future__ import annotations

import psycopg2
import psycopg2.extras

from service.campaigns.demo import ensure_demo


def test_demo_is_created_once(database, client, login):
    lines = []
    with psycopg2.connect(database) as conn:
        assert ensure_demo(conn, lines.append) is True
        assert ensure_demo(conn, lines.append) is False
    conn.close()
    password = next(line.split(": ", 1)[1] for line in lines if "password:" in line)
    login({"username": "admin", "password": password})
    with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, title FROM campaigns")
        (campaign,) = cur.fetchall()
    conn.close()
    page = client.get(f"/admin/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "优秀共产党员" in campaign["title"] and "比教学看师德" in page
    assert "公告前还需完成" not in page  # the demo can be announced as it stands
