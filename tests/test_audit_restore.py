"""A closed round's record survives a backup (issue 11's acceptance): pg_dump, pg_restore into a
new database, and a bundle made from the restored database verifies, step by step; the service's
signing key is not in the dump (it lives in the var dir), while its public verifier key is."""
from __future__ import annotations

import base64
import dataclasses
import io
import subprocess
import zipfile

import psycopg2
import pytest

from ballots import verify
from service import create_app
from service.core import db
from tests.conftest import _worker, recreate_database
from tests.helpers import PG_BIN, bundle_of

CAST = "/api/v1/ballots:cast"


def _run(*args) -> bytes:
    out = subprocess.run([str(PG_BIN / args[0]), *args[1:]], capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out.stdout


@pytest.fixture
def restored(admin_dsn):
    """A new, empty database to restore into; dropped afterwards (its connection pool closed first)."""
    name = f"pingyi_restored_{_worker()}"
    dsn = recreate_database(admin_dsn, name)
    yield dsn
    pool = db._pools.pop(dsn, None)
    if pool is not None:
        pool.closeall()
    recreate_database(admin_dsn, name, drop_only=True)
    with psycopg2.connect(admin_dsn) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
        assert cur.fetchone()[0] == 0
    c.close()


def test_a_bundle_verifies_after_dump_and_restore_and_the_key_is_not_in_the_dump(
        client, closed_round, auditor_key, database, restored, settings, tmp_path):
    before = bundle_of(client, auditor_key, closed_round)
    dump = tmp_path / "pingyi.dump"
    _run("pg_dump", "--format=custom", "--no-owner", "--dbname", database, "--file", str(dump))
    _run("pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump))

    other = create_app({"SETTINGS": dataclasses.replace(settings, database_url=restored), "TESTING": True})
    assert other.config["DATABASE_DSN"] == restored != database
    after = bundle_of(other.test_client(), auditor_key, closed_round)  # the API key was restored with the rest
    steps = verify.verify(io.BytesIO(after))
    assert [s.number for s in steps] == list(range(1, 10))
    assert all(s.status == verify.PASS for s in steps), {s.number: (s.status, s.details) for s in steps}
    with zipfile.ZipFile(io.BytesIO(before)) as a, zipfile.ZipFile(io.BytesIO(after)) as b:
        for name in ("ballots.jsonl", "tally.json", "definition.json", "checkpoints/001-close.note",
                     "keys/audit-keys.txt"):
            assert a.read(name) == b.read(name), name
        chain_before, chain_after = a.read("audit-chain.jsonl"), b.read("audit-chain.jsonl")
    assert chain_after.startswith(chain_before) and chain_after.count(b"\n") == chain_before.count(b"\n") + 1

    seed = (settings.var_dir / "audit-key" / "ed25519.seed").read_bytes()
    assert len(seed) == 32
    secret_forms = [seed, seed.hex().encode(), seed.hex().upper().encode(), base64.b64encode(seed),
                    base64.urlsafe_b64encode(seed), base64.b64encode(seed).rstrip(b"=")]
    (public,) = client.get("/audit/key").get_data(as_text=True).split()
    uncompressed = _run("pg_dump", "--format=custom", "--compress=0", "--no-owner", "--dbname", database)
    plain = _run("pg_restore", "--file", "-", str(dump))  # the compressed dump, as SQL
    for what, data in (("custom dump, uncompressed", uncompressed), ("plain SQL", plain)):
        assert public.encode() in data, what  # the search finds what is there
        for form in secret_forms:
            assert form not in data, (what, form[:8])
    assert b"audit_signing_keys" in plain and b"CREATE TABLE public.audit_log" in plain
