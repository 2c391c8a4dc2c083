"""SQL for users, login throttling and API keys. Functions take `cur` first and never commit."""
from __future__ import annotations

_USER_COLS = ("id, username, display_name, password_hash, role, disabled, created_at, password_changed_at, "
              "session_epoch, must_change_password, one_time_until")


def get_user(cur, user_id):
    cur.execute(f"SELECT {_USER_COLS} FROM users WHERE id = %s", (user_id,))
    return cur.fetchone()


def get_user_by_username(cur, username):
    cur.execute(f"SELECT {_USER_COLS} FROM users WHERE lower(username) = lower(%s)", (username,))
    return cur.fetchone()


def list_users(cur):
    cur.execute(f"SELECT {_USER_COLS} FROM users ORDER BY id")
    return cur.fetchall()


def bump_session_epoch(cur, user_id):
    cur.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = %s", (user_id,))


def lock_users(cur):
    cur.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")


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


def update_user(cur, user_id, *, role=None, disabled=None, display_name=None, password_hash=None,
                must_change_password=None, one_time_hours=None):
    cur.execute(
        f"""UPDATE users
            SET role = coalesce(%s, role),
                disabled = coalesce(%s, disabled),
                display_name = coalesce(%s, display_name),
                password_hash = coalesce(%s, password_hash),
                password_changed_at = CASE WHEN %s IS NULL THEN password_changed_at ELSE now() END,
                must_change_password = coalesce(%s, must_change_password),
                one_time_until = CASE WHEN %s IS NULL THEN one_time_until
                                      ELSE now() + make_interval(hours => %s) END
            WHERE id = %s
            RETURNING {_USER_COLS}""",
        (role, disabled, display_name, password_hash, password_hash, must_change_password, one_time_hours,
         one_time_hours, user_id),
    )
    return cur.fetchone()


def lock_active_admins(cur):
    """Lock the active admins' rows for this transaction and return how many there are, so two
    demotions at once cannot both see "another admin is left"."""
    cur.execute("SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE")
    return len(cur.fetchall())


def lock_login_attempt(cur, username_key, now):
    """Take the account name's throttle row (creating it) and hold it for this transaction, so
    parallel attempts on one name are counted one after another: {failures, delayed}."""
    cur.execute(
        """INSERT INTO login_throttle (username_key, failures) VALUES (%s, 0)
           ON CONFLICT (username_key) DO NOTHING""",
        (username_key,),
    )
    cur.execute(
        """SELECT failures, coalesce(locked_until > to_timestamp(%s), false) AS delayed
           FROM login_throttle
           WHERE username_key = %s
           FOR UPDATE""",
        (now, username_key),
    )
    return cur.fetchone()


def record_login_failure(cur, username_key, failures, delay_seconds, now):
    cur.execute(
        """UPDATE login_throttle
           SET failures = %(failures)s,
               locked_until = CASE WHEN %(delay)s > 0 THEN to_timestamp(%(now)s + %(delay)s) END,
               last_failure_at = to_timestamp(%(now)s)
           WHERE username_key = %(key)s""",
        {"failures": failures, "delay": delay_seconds, "now": now, "key": username_key},
    )
    # Names nobody has got wrong for a day need no row.
    cur.execute(
        """DELETE FROM login_throttle
           WHERE last_failure_at < to_timestamp(%(now)s) - interval '1 day'
             AND (locked_until IS NULL OR locked_until < to_timestamp(%(now)s))""",
        {"now": now})


def clear_login_failures(cur, username_key):
    cur.execute("""DELETE FROM login_throttle
                   WHERE username_key = %s
                      OR (last_failure_at < now() - interval '1 day'
                          AND (locked_until IS NULL OR locked_until < now()))""", (username_key,))


def spend_one_time_password(cur, user_id) -> bool:
    """A one-time password opens one session, within its hours: True the first time only."""
    cur.execute("""UPDATE users SET one_time_until = now()
                   WHERE id = %s AND one_time_until > now()
                   RETURNING id""", (user_id,))
    return cur.fetchone() is not None


# No state here: whether a key is active, expired or revoked is decided in one place, against one
# clock (keyguard.state), for the requests and the pages alike.
_KEY_COLS = "id, name, prefix, scopes, created_by, created_at, revoked_at, expires_at, last_used_on, rate_per_minute"


def insert_api_key(cur, name, prefix, key_hash, scopes, created_by, now, days, rate_per_minute):
    """Created at `now` (the key guard's clock, as its expiry is counted), expiring `days` later."""
    cur.execute(
        f"""INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by, created_at, expires_at, rate_per_minute)
            VALUES (%s, %s, %s, %s, %s, to_timestamp(%s), to_timestamp(%s) + make_interval(days => %s), %s)
            RETURNING {_KEY_COLS}""",
        (name, prefix, key_hash, list(scopes), created_by, now, now, days, rate_per_minute),
    )
    return cur.fetchone()


def get_api_key_by_hash(cur, key_hash):
    """The key, revoked or expired too, so the refusal can say which."""
    cur.execute(f"SELECT {_KEY_COLS} FROM api_keys WHERE key_hash = %s", (key_hash,))
    return cur.fetchone()


def touch_api_key(cur, key_id, today):
    """The last-used date, written only when the day has changed: most reads write nothing."""
    cur.execute(
        """UPDATE api_keys
           SET last_used_on = %s
           WHERE id = %s
             AND last_used_on IS DISTINCT FROM %s""",
        (today, key_id, today),
    )


def count_api_key_request(cur, key_id, minute):
    """Count one request in the key's window for `minute`; return the window's count so far."""
    cur.execute("DELETE FROM api_key_windows WHERE key_id = %s AND minute < %s", (key_id, minute))
    cur.execute(
        """INSERT INTO api_key_windows (key_id, minute, requests)
           VALUES (%s, %s, 1)
           ON CONFLICT (key_id, minute) DO UPDATE
           SET requests = api_key_windows.requests + 1
           RETURNING requests""",
        (key_id, minute),
    )
    return cur.fetchone()["requests"]


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

