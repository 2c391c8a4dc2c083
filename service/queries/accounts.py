"""SQL for users, login throttling and API keys. Functions take `cur` first and never commit."""
from __future__ import annotations

_USER_COLS = "id, username, display_name, password_hash, role, disabled, created_at, password_changed_at"


def get_user(cur, user_id):
    cur.execute(f"SELECT {_USER_COLS} FROM users WHERE id = %s", (user_id,))
    return cur.fetchone()


def get_user_by_username(cur, username):
    cur.execute(f"SELECT {_USER_COLS} FROM users WHERE lower(username) = lower(%s)", (username,))
    return cur.fetchone()


def list_users(cur):
    cur.execute(f"SELECT {_USER_COLS} FROM users ORDER BY id")
    return cur.fetchall()


def count_users(cur):
    cur.execute("SELECT count(*) AS n FROM users")
    return cur.fetchone()["n"]


def insert_user(cur, username, password_hash, role, display_name=""):
    cur.execute(
        f"""INSERT INTO users (username, password_hash, role, display_name)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT DO NOTHING
            RETURNING {_USER_COLS}""",
        (username, password_hash, role, display_name),
    )
    return cur.fetchone()


def update_user(cur, user_id, *, role=None, disabled=None, display_name=None, password_hash=None):
    cur.execute(
        f"""UPDATE users
            SET role = coalesce(%s, role),
                disabled = coalesce(%s, disabled),
                display_name = coalesce(%s, display_name),
                password_hash = coalesce(%s, password_hash),
                password_changed_at = CASE WHEN %s IS NULL THEN password_changed_at ELSE now() END
            WHERE id = %s
            RETURNING {_USER_COLS}""",
        (role, disabled, display_name, password_hash, password_hash, user_id),
    )
    return cur.fetchone()


def count_active_admins(cur):
    cur.execute("SELECT count(*) AS n FROM users WHERE role = 'admin' AND NOT disabled")
    return cur.fetchone()["n"]


def login_locked(cur, username_key):
    cur.execute(
        "SELECT 1 FROM login_throttle WHERE username_key = %s AND locked_until > now()",
        (username_key,),
    )
    return cur.fetchone() is not None


def record_login_failure(cur, username_key, max_failures, lockout_seconds):
    cur.execute(
        """INSERT INTO login_throttle AS t (username_key, failures)
           VALUES (%s, 1)
           ON CONFLICT (username_key) DO UPDATE
           SET failures = CASE WHEN t.locked_until <= now() THEN 1 ELSE t.failures + 1 END,
               locked_until = CASE WHEN t.locked_until <= now() THEN NULL ELSE t.locked_until END""",
        (username_key,),
    )
    cur.execute(
        """UPDATE login_throttle
           SET locked_until = now() + make_interval(secs => %s), failures = 0
           WHERE username_key = %s AND failures >= %s""",
        (lockout_seconds, username_key, max_failures),
    )


def clear_login_failures(cur, username_key):
    cur.execute("DELETE FROM login_throttle WHERE username_key = %s", (username_key,))


_KEY_COLS = "id, name, prefix, scopes, created_by, created_at, revoked_at"


def insert_api_key(cur, name, prefix, key_hash, scopes, created_by):
    cur.execute(
        f"""INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by)
            VALUES (%s, %s, %s, %s, %s)
            RETURNING {_KEY_COLS}""",
        (name, prefix, key_hash, list(scopes), created_by),
    )
    return cur.fetchone()


def get_api_key_by_hash(cur, key_hash):
    cur.execute(
        f"SELECT {_KEY_COLS} FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL",
        (key_hash,),
    )
    return cur.fetchone()


def list_api_keys(cur):
    cur.execute(f"SELECT {_KEY_COLS} FROM api_keys ORDER BY id")
    return cur.fetchall()


def revoke_api_key(cur, key_id):
    cur.execute(
        f"""UPDATE api_keys SET revoked_at = now()
            WHERE id = %s AND revoked_at IS NULL
            RETURNING {_KEY_COLS}""",
        (key_id,),
    )
    return cur.fetchone()


def get_api_key(cur, key_id):
    cur.execute(f"SELECT {_KEY_COLS} FROM api_keys WHERE id = %s", (key_id,))
    return cur.fetchone()
