"""Fixtures: a real PostgreSQL (embedded pgserver unless TEST_DATABASE_URL is set), the real
migrations, a clean database per test, and factories that return callables."""
from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

import psycopg2
import psycopg2.extras
import pytest

from service import create_app
from service.core import embedded_pg, migrate
from service.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
PASSWORD = "correct horse battery"


SCHEMA_MODULES = ("service.core.fields", "service.accounts.schemas", "service.campaigns.schemas",
                  "service.issuance.schemas", "service.voting.schemas", "service.results.schemas",
                  "service.publication.schemas", "service.paper.schemas")


def schemas():
    """Every schema and field class of the service's features, as one namespace (tests that
    walk them all)."""
    import importlib
    from types import SimpleNamespace
    found = {}
    for name in SCHEMA_MODULES:
        module = importlib.import_module(name)
        found.update({k: v for k, v in vars(module).items() if not k.startswith("_") and isinstance(v, type)})
        found.update({k: v for k, v in vars(module).items() if k in ("Text", "Share", "Ids")})
    return SimpleNamespace(**found)


def _worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def admin_dsn(tmp_path_factory):
    """A DSN for a maintenance database on a real PostgreSQL server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    var = tmp_path_factory.mktemp("pg")
    dsn = embedded_pg.ensure(var, database="postgres", cleanup_mode="delete")
    return dsn


def recreate_database(admin_dsn, name, drop_only=False):
    """Drop the database if it exists and (unless drop_only) create it empty; return its DSN."""
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    conn.close()
    return _with_database(admin_dsn, name)


@pytest.fixture(scope="session")
def database(admin_dsn):
    """A fresh database for this test process, with the real migrations applied."""
    dsn = recreate_database(admin_dsn, f"pingyi_test_{_worker()}")
    with psycopg2.connect(dsn) as mconn:
        migrate.migrate(mconn)
    mconn.close()
    return dsn


def _with_database(dsn, name):
    from psycopg2.extensions import make_dsn, parse_dsn
    params = parse_dsn(dsn)
    params["dbname"] = name
    return make_dsn(**params)


@pytest.fixture(scope="session")
def settings(database, tmp_path_factory):
    env = {
        "PINGYI_ENV": "test",
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PINGYI_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "LOGIN_MAX_FAILURES": "5",
        "LOG_LEVEL": "WARNING",
        "MIX_SECONDS": "0",  # tests mix when they mean to (the mix fixture, tests/test_mixer.py)
    }
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def app(settings):
    app = create_app({"SETTINGS": settings, "TESTING": True})
    return app


@pytest.fixture
def conn(database):
    c = psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor)
    yield c
    c.close()


_TABLES_SQL = """
SELECT string_agg(format('%I', tablename), ', ')
FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
"""


@pytest.fixture(autouse=True)
def _clean_tables(request):
    if "database" not in request.fixturenames and "app" not in request.fixturenames \
            and "client" not in request.fixturenames:
        yield
        return
    dsn = request.getfixturevalue("database")
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        cur.execute(_TABLES_SQL)
        tables = cur.fetchone()[0]
        # No RESTART IDENTITY: ids stay unique for the whole run, as in production, so a
        # long-lived server (gunicorn_server) never meets an id it has cached with other data.
        # The audit log refuses TRUNCATE (its trigger); a test's fresh start is the one exception:
        # triggers do not fire for a superuser's session in the replica role.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(f"TRUNCATE {tables} CASCADE")
    c.close()
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(database):
    from service.accounts.auth import hash_password

    def make(role="admin", username=None, password=PASSWORD, disabled=False):
        username = username or f"{role}{secrets.token_hex(3)}"
        with psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor) as c:
            with c.cursor() as cur:
                cur.execute(
                    """INSERT INTO users (username, password_hash, role, disabled)
                       VALUES (%s, %s, %s, %s) RETURNING *""",
                    (username, hash_password(password), role, disabled))
                row = dict(cur.fetchone())
        c.close()
        row["password"] = password
        return row
    return make


@pytest.fixture
def make_key(database):
    from service.accounts.auth import new_api_key

    def make(*scopes, name="test system", rate_per_minute=100000):
        """A key with a rate limit no test reaches unless it means to (tests/test_api_keys.py sets
        its own): a property test's hundreds of requests a minute are not what it tests."""
        key, prefix, key_hash = new_api_key()
        with psycopg2.connect(database) as c, c.cursor() as cur:
            cur.execute("INSERT INTO api_keys (name, prefix, key_hash, scopes, rate_per_minute) VALUES (%s, %s, %s, %s, %s)",
                        (name, prefix, key_hash, list(scopes), rate_per_minute))
        c.close()
        return {"Authorization": f"Bearer {key}"}
    return make


@pytest.fixture
def login(client):
    """Sign a test client in through the real form; return its CSRF token."""
    def do(user, c=None):
        c = c or client
        c.get("/login")
        token = _csrf(c)
        resp = c.post("/login", data={"username": user["username"], "password": user["password"],
                                      "csrf_token": token})
        assert resp.status_code == 302, resp.data
        return _csrf(c)
    return do


def _csrf(c):
    with c.session_transaction() as s:
        if "csrf" not in s:
            s["csrf"] = secrets.token_urlsafe(32)
        return s["csrf"]


@pytest.fixture
def organiser_key(make_key):
    return make_key("organise")


@pytest.fixture
def make_campaign(client, organiser_key):
    """Create a campaign through the API; `ready=True` adds what announcing needs."""
    def make(ready=True, **overrides):
        body = {"title": "2026 年度优秀党员评选", "description": "测试"}
        body.update(overrides)
        r = client.post("/api/v1/campaigns", json=body, headers=organiser_key)
        assert r.status_code == 201, r.json
        cid = r.json["id"]
        if ready:
            api = lambda path, payload: client.post(f"/api/v1/campaigns/{cid}/{path}", json=payload,  # noqa: E731
                                                    headers=organiser_key).json
            api("groups", {"name": "教师", "weight": 0.6, "criteria": "比教学看师德、比科研看成果"})
            api("groups", {"name": "学生", "weight": 0.4, "criteria": "比理想看责任、比学习看成绩"})
            for i, name in enumerate(["王丽华", "李建国", "张敏", "刘洋"]):
                api("subjects", {"name": name, "kind": "person", "category": "教职工优秀党员",
                                 "unit": "临床医学系", "commitment": f"承诺{i}"})
            rnd = api("rounds", {"title": "师生推荐", "kind": "recommendation"})
            api("sections", {"round_id": rnd["id"], "type": "choose", "title": "推荐优秀党员",
                             "config": {"max_choices": 2, "quota": 2}})
        return cid
    return make


@pytest.fixture
def make_published(client, organiser_key, make_campaign, monkeypatch):
    """A campaign closed and published on `today` (the 公示 clock is set to it, China time) with
    its first `n` subjects proposed: returns (campaign id, the publication as the API gives it)."""
    import datetime as dt

    from service.publication import operations as publication

    def make(today=dt.date(2026, 11, 25), n=2, award="优秀共产党员"):
        cid = make_campaign()
        for state in ("announced", "open", "closed"):
            client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
        subjects = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["subjects"]
        monkeypatch.setattr(publication, "today", lambda: today)
        r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={
            "honourees": [{"subject_id": s["id"], "award": award} for s in subjects[:n]]})
        assert r.status_code == 201, r.json
        return cid, r.json
    return make


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a loopback port in a thread (werkzeug's server): for the browser tests and the
    integration guide's examples, which talk HTTP to it."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture(scope="session")
def gunicorn_server(database, settings, tmp_path_factory):
    """The real server: `python -m service serve` (gunicorn, several workers) on the test database.
    Its output (access and error logs) is kept in test-output/gunicorn.log (gunicorn-gwN.log
    under pytest-xdist) for the log checks."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    OUTPUT.mkdir(exist_ok=True)
    # One file a pytest-xdist worker: each worker starts its own server, and a log shared by two
    # would hold the other server's address (test_logs allows only the server's own).
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    log_path = OUTPUT / (f"gunicorn-{worker}.log" if worker else "gunicorn.log")
    log = open(log_path, "w")
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": settings.secret_key,
           "PINGYI_VAR_DIR": str(settings.var_dir), "BASE_URL": f"http://127.0.0.1:{port}",  # the round keys
           "PINGYI_ENV": "test", "LOG_LEVEL": "INFO", "MIX_SECONDS": "0"}
    # 3 workers of 8 threads: 24 requests in flight at once, so a burst of 20 really is simultaneous.
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--no-demo", "--port", str(port),
                             "--workers", "3", "--worker-class", "gthread", "--threads", "8"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(proc, base, log_path)
    yield type("Server", (), {"url": base, "log_path": log_path})
    proc.terminate()
    proc.wait(30)
    log.close()


def wait_until_ready(proc, base: str, log_path, seconds: int = 60) -> None:
    """Until `serve` answers /readyz; a server that exits or is not ready in time fails the test."""
    import urllib.request

    from tests.polling import wait_until

    def ready():
        if proc.poll() is not None:
            pytest.fail("the server exited: " + log_path.read_text()[-2000:])
        try:
            return urllib.request.urlopen(base + "/readyz", timeout=2).status == 200
        except OSError:
            return False
    try:
        wait_until(ready, "the server to answer /readyz", timeout=seconds, every=0.3)
    except pytest.fail.Exception:
        proc.kill()
        pytest.fail("the server did not start: " + log_path.read_text()[-2000:])


def table_fingerprint(dsn) -> dict:
    """Row count and content hash of every table: compare before and after to prove nothing changed."""
    out = {}
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        for (table,) in cur.fetchall():
            if table == "api_key_windows":
                continue  # every keyed request is counted against its key's rate limit: usage, not a change
            rows = ('(SELECT id, name, prefix, key_hash, scopes, created_by, created_at, revoked_at, expires_at, '
                    'rate_per_minute FROM api_keys)' if table == "api_keys" else f'"{table}"')  # last_used_on: usage
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '
                        f'FROM {rows} t')
            out[table] = cur.fetchone()
    c.close()
    return out


@pytest.fixture
def fingerprint(database):
    return lambda: table_fingerprint(database)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from service.accounts import throttle
    from service.core import ratelimit
    ratelimit.reset()
    throttle.reset()
    yield


def issue_tokens(app, campaign_id: int, round_id: int, group_id: int, n: int) -> list[str]:
    """Issue n ballots as issue_batch does, keeping the codes (the PDF path is tested elsewhere;
    decoding it in every test would only be slow)."""
    from ballots.tokens import token_hash
    from service.core.keys import keys
    with app.app_context():
        minted = keys().minter.mint_many(round_id, n)
    with psycopg2.connect(app.config["DATABASE_DSN"]) as c, c.cursor() as cur:
        cur.execute("""INSERT INTO batches (campaign_id, round_id, group_id, kind, layout, size, created_by)
                       VALUES (%s, %s, %s, 'print', 'slips-3x6', %s, 'test') RETURNING id""",
                    (campaign_id, round_id, group_id, n))
        batch = cur.fetchone()[0]
        cur.executemany("""INSERT INTO ballot_tokens (token_hash, campaign_id, round_id, group_id, batch_id)
                           VALUES (%s, %s, %s, %s, %s)""",
                        [(token_hash(t), campaign_id, round_id, group_id, batch) for t in minted])
    c.close()
    return minted


@pytest.fixture
def full_campaign(client, organiser_key):
    """An open campaign whose evaluation round has every section type, with rules to break:
    returns ids and a `tokens(n, group=0)` factory that issues real ballots (hashes stored)."""
    api = lambda path, body, method="post": getattr(client, method)(  # noqa: E731
        f"/api/v1/campaigns{path}", json=body, headers=organiser_key)
    cid = api("", {"title": "2026 年度师生满意度测评", "description": "全体教职工和学生代表参加"}).json["id"]
    g1 = api(f"/{cid}/groups", {"name": "教师", "weight": 0.6, "criteria": "比教学看师德、比科研看成果"}).json["id"]
    g2 = api(f"/{cid}/groups", {"name": "学生", "weight": 0.4, "criteria": "比理想看责任、比学习看成绩"}).json["id"]
    orgs = [api(f"/{cid}/subjects", {"name": n, "kind": "organisation", "category": "基层党组织",
                                     "commitment": f"{n}承诺：服务师生"}).json["id"]
            for n in ("临床医学系党支部", "护理系党支部", "机关第一党支部")]
    people = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "党员", "unit": u}).json["id"]
              for n, u in (("王丽华", "临床医学系"), ("李建国", "护理系"), ("张敏", "药学系"), ("刘洋", "机关"))]
    rid = api(f"/{cid}/rounds", {"title": "师生测评", "kind": "evaluation"}).json["id"]
    sec = {}
    sec["rating"] = api(f"/{cid}/sections", {"round_id": rid, "type": "rating", "title": "基层党组织满意度",
                                             "config": {"category": "基层党组织", "caps": [
                                                 {"option": "满意", "max_share": 0.67}]}}).json["id"]
    sec["choose"] = api(f"/{cid}/sections", {"round_id": rid, "type": "choose", "title": "推荐优秀党员",
                                             "config": {"category": "党员", "max_choices": 2,
                                                        "write_ins": True}}).json["id"]
    sec["approve"] = api(f"/{cid}/sections", {"round_id": rid, "type": "approve", "title": "同意确定为考察对象",
                                              "subject_ids": people[:2]}).json["id"]
    sec["score"] = api(f"/{cid}/sections", {"round_id": rid, "type": "score", "title": "量化打分",
                                            "subject_ids": people[:3],
                                            "config": {"caps": [{"at_least": 90, "max_count": 1}],
                                                       "identical_invalid": True}}).json["id"]
    sec["text"] = api(f"/{cid}/sections", {"round_id": rid, "type": "text", "title": "意见建议",
                                           "config": {"max_length": 200}}).json["id"]
    for state in ("announced", "open"):
        r = api(f"/{cid}/transitions", {"to": state})
        assert r.status_code == 200, r.json

    def tokens(n, group=0):
        return issue_tokens(client.application, cid, rid, (g1, g2)[group], n)

    valid = {
        str(sec["rating"]): {str(orgs[0]): "满意", str(orgs[1]): "基本满意", str(orgs[2]): "不了解"},
        str(sec["choose"]): {"chosen": [people[0]], "write_ins": ["赵静"]},
        str(sec["approve"]): {str(people[0]): "赞成", str(people[1]): "弃权"},
        str(sec["score"]): {str(people[0]): 92, str(people[1]): 85, str(people[2]): 70},
        str(sec["text"]): "希望加强实验室开放。",
    }
    return type("Campaign", (), {"id": cid, "round": rid, "groups": (g1, g2), "orgs": orgs, "people": people,
                                 "sections": sec, "tokens": staticmethod(tokens), "valid": valid})


@pytest.fixture
def auditor_key(make_key):
    """An API key with the audit scope (audit:read: bundles, verification, checkpoints)."""
    return make_key("audit")


@pytest.fixture
def closed_round(client, full_campaign, organiser_key):
    """The full campaign with 12 ballots cast (7 teachers', 5 students'; every other one blank) and
    its round closed: mixed, its checkpoint signed."""
    for i, token in enumerate(full_campaign.tokens(7) + full_campaign.tokens(5, group=1)):
        answers = full_campaign.valid if i % 2 else {}
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": answers}).status_code == 201
    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()
    return full_campaign


def burst(url: str, body: dict, headers: dict | None = None, n: int = 20) -> list[int]:
    """n identical POSTs released at the same instant from n threads; their statuses."""
    import json
    import threading
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode()
    statuses, barrier = [], threading.Barrier(n)

    def go():
        req = urllib.request.Request(url, data=data, method="POST",
                                     headers={**(headers or {}), "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                statuses.append(r.status)
        except urllib.error.HTTPError as e:
            statuses.append(e.code)

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


@pytest.fixture
def announced(client, organiser_key, make_campaign):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    return {"id": cid, "round": c["rounds"][0]["id"], "groups": [g["id"] for g in c["groups"]]}


@pytest.fixture
def issue(client, organiser_key, announced):
    def do(size=10, layout="slips-2x4", group=0, label="教师大会"):
        r = client.post(f"/api/v1/campaigns/{announced['id']}/batches", headers=organiser_key, json={
            "round_id": announced["round"], "group_id": announced["groups"][group], "size": size,
            "layout": layout, "label": label})
        assert r.status_code == 201, r.get_data(as_text=True)[:500]
        return int(r.headers["X-Batch-Id"]), r.get_data()
    return do


@pytest.fixture
def portal(client, organiser_key, make_campaign, make_key):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    url = f"/api/v1/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/ballots:handout"
    return {"cid": cid, "url": url, "group": c["groups"][1]["id"], "key": make_key("handout")}


@pytest.fixture(autouse=True)
def _no_ballot_left_sealed(request):
    """A close mixes every sealed ballot of its campaign (service/voting/mixer.py): after any test,
    no campaign that is past voting still holds one."""
    yield
    if "database" not in request.fixturenames:
        return
    with psycopg2.connect(request.getfixturevalue("database")) as c, c.cursor() as cur:
        cur.execute("""SELECT count(*) FROM sealed_ballots s JOIN campaigns c ON c.id = s.campaign_id
                       WHERE c.state NOT IN ('open')""")
        left = cur.fetchone()[0]
    c.close()
    if left:
        pytest.fail(f"{left} sealed ballot(s) of closed campaigns were never mixed")


@pytest.fixture
def run_cli(database, settings):
    """The command line in-process, with Click's runner, against the test database; `env` adds
    or overrides variables (None unsets one). HOST and PORT are restored after: `serve` sets them.
    tests/test_holiday_calendar.py keeps the one smoke test that runs `python -m service`."""
    from click.testing import CliRunner

    from service.core import cli
    base = {"DATABASE_URL": database, "PINGYI_VAR_DIR": str(settings.var_dir), "SECRET_KEY": settings.secret_key,
            "PINGYI_ENV": "test", "HOST": None, "PORT": None, "PINGYI_NEW_PASSWORD": None}

    def run(*args, env=None, input=None):
        return CliRunner().invoke(cli.main, list(args), env={**base, **(env or {})}, input=input)
    return run


def refused_cleanly(result) -> bool:
    """A command that failed as a user should see it: a message and a non-zero exit, no traceback."""
    return result.exit_code != 0 and isinstance(result.exception, SystemExit)


@pytest.fixture
def mix(database, settings):
    """Run the mixer now (service/voting/mixer.py): with k, as its background pass would (a group
    with 2k waiting is mixed but for k); without, every waiting ballot, as the close would. Returns
    what the pass did."""
    from service.voting import mixer

    def run(k=None):
        return mixer.run_once(database, settings.var_dir, k or 1, flush=k is None)
    return run


@pytest.fixture
def two_rounds(client, organiser_key):
    """(tests/test_joint_slips.py and its browser test) An announced campaign with a 测评 round
    and a 推荐 round, two groups; scores carry a voter's
    number so that a test knows whose ballot a row is."""
    def api(path, body, method="post"):
        r = getattr(client, method)(f"/api/v1/campaigns{path}", json=body, headers=organiser_key)
        assert r.status_code in (200, 201), r.get_json()
        return r.get_json()
    cid = api("", {"title": "2026 年度民主评议"})["id"]
    groups = [api(f"/{cid}/groups", {"name": n, "weight": w})["id"] for n, w in (("教师", 0.5), ("学生", 0.5))]
    people = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "党员"})["id"]
              for n in ("王丽华", "李建国")]
    rounds, sections = [], []
    for title, kind in (("民主测评", "evaluation"), ("优秀党员推荐", "recommendation")):
        rid = api(f"/{cid}/rounds", {"title": title, "kind": kind})["id"]
        sections.append(api(f"/{cid}/sections", {"round_id": rid, "type": "score", "title": f"{title}打分",
                                                 "subject_ids": people})["id"])
        rounds.append(rid)
    students_only = api(f"/{cid}/rounds", {"title": "学生专项", "kind": "evaluation"})["id"]
    api(f"/{cid}/sections", {"round_id": students_only, "type": "score", "title": "学生打分", "subject_ids": people,
                             "group_ids": [groups[1]]})
    api(f"/{cid}/transitions", {"to": "announced"})

    def issue(size, group=0, also=True, layout="slips-3x6", first=0):
        body = {"round_id": rounds[first], "group_id": groups[group], "size": size, "layout": layout,
                "also_round_ids": [r for r in rounds if r != rounds[first]] if also else []}  # the first two rounds
        return client.post(f"/api/v1/campaigns/{cid}/batches", json=body, headers=organiser_key)

    def answers(round_index, voter):
        return {str(sections[round_index]): {str(people[0]): voter, str(people[1]): 100 - voter}}

    return type("TwoRounds", (), {"id": cid, "rounds": rounds, "groups": groups, "sections": sections,
                                  "students_only": students_only,
                                  "people": people, "issue": staticmethod(issue),
                                  "answers": staticmethod(answers), "api": staticmethod(api)})
