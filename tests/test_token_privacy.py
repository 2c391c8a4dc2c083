"""No table and no log holds a plain token or a plain portal reference: after a run through the
real server, every table is dumped and searched, and so is the server's log."""
from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2
import pytest

from tests.helpers import decode_pdf, token_of
from tests.polling import wait_until


def _post(base, path, body, headers):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={**headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.headers, r.read()


def dump_all_tables(dsn) -> str:
    out = []
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT * FROM "{table}"')
            for row in cur.fetchall():
                out.append(" ".join(bytes(v).hex() if isinstance(v, memoryview) else str(v) for v in row))
    conn.close()
    return "\n".join(out)


def forms_of(secret: str, unkeyed_hash_ok: bool = False) -> list[str]:
    """Every way a secret could sit in a dump: as typed, grouped, lower case, as hex, hashed without a key.
    (A token's unkeyed SHA-256 is what the database is meant to hold: 80 random bits cannot be guessed
    from it. A portal reference, guessable, must be hashed with a key.)"""
    grouped = "-".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    forms = [secret, grouped, secret.lower(), secret.encode().hex(), hashlib.md5(secret.encode()).hexdigest()]
    return forms if unkeyed_hash_ok else forms + [hashlib.sha256(secret.encode()).hexdigest()]


def test_no_plain_token_or_reference_in_tables_or_logs(gunicorn_server, client, organiser_key, make_campaign,
                                                      make_key, database, tmp_path, caplog):
    base = gunicorn_server.url
    cid = make_campaign()
    for state in ("announced", "open"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    rid, gid = c["rounds"][0]["id"], c["groups"][0]["id"]

    status, headers, pdf = _post(base, f"/api/v1/campaigns/{cid}/batches",
                                 {"round_id": rid, "group_id": gid, "size": 12, "layout": "slips-3x6"},
                                 organiser_key)
    assert status == 201
    tokens = [token_of(u, base) for u in decode_pdf(pdf, tmp_path)]
    assert len(tokens) == 12
    refs = ["20260001", "zhang.wei@example.edu.cn"]
    handout_key = make_key("handout")
    for ref in refs:
        status, _, body = _post(base, f"/api/v1/campaigns/{cid}/rounds/{rid}/ballots:handout",
                                {"voter_ref": ref, "group_id": gid}, handout_key)
        assert status == 201
        tokens.append(json.loads(body)["url"].rsplit("/", 1)[1])
    for t in tokens[:5] + tokens[-2:]:  # voters open their ballots: the paths reach the access log
        urllib.request.urlopen(f"{base}/b/{t}", timeout=10).read()
        urllib.request.urlopen(f"{base}/B/{t}?from=qr", timeout=10).read()
    _post(base, f"/api/v1/campaigns/{cid}/ballots:void", {"code": tokens[6]}, organiser_key)
    sid = str(c["rounds"][0]["sections"][0]["id"])
    trackers = []
    for t in tokens[:3] + tokens[-1:]:  # and cast them
        status, _, body = _post(base, "/api/v1/ballots:cast",
                                {"token": t, "answers": {sid: {"chosen": [c["subjects"][0]["id"]]}}}, {})
        assert status == 201
        trackers.append(json.loads(body)["tracker"])
    form = urllib.parse.urlencode({"ballot": "1", f"s{sid}:chosen": c["subjects"][1]["id"]}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/B/{tokens[4]}", data=form), timeout=10) as r:
        page = r.read().decode()  # the plain form: the receipt comes in the response itself
    trackers += re.findall(r'id="tracker">([0-9A-Z-]{19})<', page)
    assert len(trackers) == 5
    for tr in trackers:  # voters check their receipts on the board
        urllib.request.urlopen(urllib.request.Request(f"{base}/board/{c['rounds'][0]['id']}",
                                                      data=urllib.parse.urlencode({"tracker": tr}).encode()),
                               timeout=10).read()
    for t in tokens[:3]:  # a second cast of a used ballot, and pages of used ballots: both refused
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post(base, "/api/v1/ballots:cast", {"token": t, "answers": {}}, {})
        refused.value.close()
        assert refused.value.code == 409
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/b/{t}", timeout=10)
        refused.value.close()
        assert refused.value.code == 409

    dump = dump_all_tables(database)
    log = gunicorn_server.log_path.read_text() + caplog.text
    assert "/b/…" in log or "/B/…" in log  # the access log did see the requests, redacted
    for secret in tokens + refs:
        for form in forms_of(secret, unkeyed_hash_ok=secret in tokens):
            assert form not in dump, f"a form of a secret is stored: {form}"
        for form in forms_of(secret):
            assert form not in log, f"a form of a secret is logged: {form}"
    for tr in trackers:  # a receipt code in a log line would give its ballot's time of casting
        assert tr not in log and tr.replace("-", "") not in log
    for t in [tokens[3]] + tokens[5:12]:  # the other printed tokens are kept, as hashes (voided ones too)
        assert hashlib.sha256(t.encode()).hexdigest() in dump
    for t in tokens[:3] + [tokens[4]] + tokens[-1:]:  # a used token leaves no trace at all
        assert hashlib.sha256(t.encode()).hexdigest() not in dump
    assert urllib.parse.quote(refs[1]) not in log


def test_the_schema_keeps_only_hashes(conn):
    with conn.cursor() as cur:
        cur.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
                       WHERE table_schema = 'public'""")
        columns = cur.fetchall()
    names = {(c["table_name"], c["column_name"]): c["data_type"] for c in columns}
    for (table, column), kind in names.items():
        if re.search(r"(^|_)(token|ref|reference|code|seed|voter)(_|$)", column):
            assert kind == "bytea", (table, column, kind)
    assert names[("ballot_tokens", "token_hash")] == "bytea"
    assert names[("handouts", "ref_hash")] == "bytea"
    assert ("handouts", "batch_id") not in names and ("handouts", "created_at") not in names
    assert not any(t == "ballot_tokens" and c in ("created_at", "used_at", "id") for t, c in names)


def test_a_ballot_row_holds_nothing_that_could_name_its_voter(conn):
    """Declared columns first: ballots and sealed ballots carry no token, person, address, agent or time."""
    with conn.cursor() as cur:
        cur.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
                       WHERE table_schema = 'public' AND table_name IN ('ballots', 'sealed_ballots')""")
        cols = {(r["table_name"], r["column_name"]): r["data_type"] for r in cur.fetchall()}
    assert set(cols) == {("ballots", c) for c in ("id", "campaign_id", "round_id", "group_id", "answers", "tally",
                                                  "tracker", "source")} | \
        {("sealed_ballots", c) for c in ("id", "campaign_id", "round_id", "group_id", "sealed")}
    assert not any("time" in t or t in ("inet", "cidr", "date") for t in cols.values())
    with conn.cursor() as cur:  # and nothing points at them from elsewhere except campaign parts
        cur.execute("""SELECT conrelid::regclass::text AS t, confrelid::regclass::text AS f
                       FROM pg_constraint WHERE contype = 'f'
                         AND (confrelid = 'ballots'::regclass OR conrelid = 'ballots'::regclass)""")
        links = {(r["t"], r["f"]) for r in cur.fetchall()}
    assert links == {("ballots", "campaigns"), ("ballots", "rounds"), ("ballots", "voter_groups")}


def test_postgresql_records_no_statement_and_no_commit_time(database):
    """The embedded server is set to log no statement (they carry ballots' values) and to keep no
    commit timestamps; a server set otherwise is named by the check `serve` runs."""
    import os

    from service.core.embedded_pg import QUIET_SETTINGS, privacy_problems
    conn = psycopg2.connect(database)
    with conn.cursor() as cur:
        if os.environ.get("TEST_DATABASE_URL"):  # an external test server: set as docs/operations.md says
            for name, value in QUIET_SETTINGS.items():
                cur.execute(f"SET {name} = '{value}'")
        assert privacy_problems(cur) == []
        cur.execute("SHOW log_statement")
        assert cur.fetchone()[0] == "none"
        cur.execute("SET log_statement = 'all'")  # as a careless external server would have it
        cur.execute("SET log_min_duration_statement = 0")
        assert privacy_problems(cur) == ["log_statement = all (should be none)",
                                         "log_min_duration_statement = 0 (should be -1)"]
    conn.close()


@pytest.mark.slow
def test_a_failing_statement_leaves_no_value_in_the_server_log(tmp_path):
    """A unique violation on a token hash: PostgreSQL's log gets the error, not the key's value
    (its DETAIL line), nor the statement. A fresh embedded server, set up as `serve` sets it."""

    from service.core import embedded_pg
    dsn = embedded_pg.ensure(tmp_path, database="pingyi_log_check", cleanup_mode="delete")
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SHOW data_directory")
        log_path = Path(cur.fetchone()[0]) / "log"  # where pgserver points the server's stderr
    conn.close()
    def reloaded():  # the settings reach new sessions once the server has reloaded them
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SHOW log_error_verbosity")
        if cur.fetchone()[0] == "terse":
            return conn, cur
        conn.close()
        return None
    conn, cur = wait_until(reloaded, "the server to reload log_error_verbosity = terse")
    secret = "ab" * 16 + "5eed"
    with cur:
        cur.execute("CREATE TABLE tokens (token_hash bytea UNIQUE, note text CHECK (note <> 'x'))")
        cur.execute("INSERT INTO tokens VALUES (decode(%s, 'hex'), 'first')", (secret,))
        with pytest.raises(psycopg2.errors.UniqueViolation) as dup:
            cur.execute("INSERT INTO tokens VALUES (decode(%s, 'hex'), 'second')", (secret,))
        with pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute("INSERT INTO tokens VALUES (decode('00', 'hex'), 'x')")
    conn.close()
    assert secret in dup.value.diag.message_detail  # the client did get the detail: the server had it
    log = log_path.read_text(errors="replace")
    assert "duplicate key value violates unique constraint" in log  # the errors are logged…
    assert "violates check constraint" in log
    assert "DETAIL" not in log and secret not in log and "second" not in log  # …without their values
    assert "STATEMENT" not in log and "INSERT" not in log


def test_serve_names_a_verbose_error_log_on_an_external_server(database):
    from service.core.embedded_pg import privacy_problems
    conn = psycopg2.connect(database)
    with conn.cursor() as cur:
        cur.execute("SET log_error_verbosity = 'default'")  # PostgreSQL's own default
        assert "log_error_verbosity = default (should be terse)" in privacy_problems(cur)
    conn.close()
