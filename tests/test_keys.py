"""SECRET_KEY keys every ballot's MAC (service/core/keys.py): each batch records which key it was
minted with, and a server started with another key says how many unused ballots it would refuse."""
from __future__ import annotations

import secrets

from service.core import server
from service.core.keys import key_id


def test_a_key_id_tells_keys_apart(settings):
    assert key_id(settings.secret_key) == key_id(settings.secret_key)
    assert key_id(settings.secret_key) != key_id(settings.secret_key + "x")
    assert len(key_id(settings.secret_key)) == 16


def test_a_batch_records_the_key_it_was_minted_with(issue, conn, settings, client):
    batch_id, _pdf = issue(5)
    with conn.cursor() as cur:
        cur.execute("SELECT key_id FROM batches WHERE id = %s", (batch_id,))
        assert cur.fetchone()["key_id"] == key_id(settings.secret_key)
    conn.commit()


def test_serve_warns_when_started_with_another_secret_key(issue, run_cli, monkeypatch, client, portal):
    issue(7)
    handed = client.post(portal["url"], json={"voter_ref": "S1", "group_id": portal["group"]}, headers=portal["key"])
    # The hand-out filled a pool of 50: 49 wait in it, 1 is in the portal user's hands, unused.
    assert handed.status_code == 201
    started = []
    monkeypatch.setattr(server, "run", lambda *args: started.append(args))  # not gunicorn: only the start-up
    same = run_cli("serve", "--no-demo", "--port", "8123")
    assert same.exit_code == 0, same.output
    assert "SECRET_KEY is not the key" not in same.stderr and len(started) == 1
    other = run_cli("serve", "--no-demo", "--port", "8123", env={"SECRET_KEY": secrets.token_urlsafe(40)})
    assert other.exit_code == 0 and len(started) == 2, other.output
    assert "WARNING: SECRET_KEY is not the key 57 unused ballots of announced or open campaigns were made with" \
        in other.stderr
