"""The baseline of bench/cast.py: a bare Flask + psycopg2 endpoint doing one UPDATE and one INSERT.

Run by the benchmark under the same gunicorn settings as the real app.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid

import psycopg2.pool
from flask import Flask, request

app = Flask(__name__)
_pool = None


def pool():
    global _pool
    if _pool is None:
        _pool = psycopg2.pool.ThreadedConnectionPool(1, 10, os.environ["DATABASE_URL"])
    return _pool


@app.post("/cast")
def cast():
    body = json.loads(request.get_data())
    conn = pool().getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE bare_tokens SET used = true WHERE token_hash = %s AND NOT used",
                        (hashlib.sha256(body["token"].encode()).digest(),))
            if cur.rowcount != 1:
                conn.rollback()
                return {"error": "used"}, 409
            cur.execute("INSERT INTO bare_ballots (id, answers) VALUES (%s, %s)",
                        (str(uuid.uuid4()), json.dumps(body["answers"])))
        conn.commit()
    finally:
        pool().putconn(conn)
    return {"ok": True}, 201
