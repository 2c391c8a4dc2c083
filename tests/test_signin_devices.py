"""Sign-in that nobody on a shared address can take from the real user: a device that signed in
before keeps its way in while the address (or the name) is throttled; a one-time password opens
one session, within a day."""
from __future__ import annotations

import psycopg2
import psycopg2.extras
import pytest

from service.accounts import throttle
from tests.conftest import PASSWORD
from tests.helpers import sign_in

NAT = "10.20.30.40"  # a school's one public address


@pytest.fixture
def frozen(monkeypatch):
    now = [1_900_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    return now


@pytest.mark.usefixtures("frozen")
def test_the_real_user_on_a_shared_address_keeps_their_device(app, make_user):
    make_user("admin", username="zuzhibu")
    office = app.test_client()
    assert sign_in(office, "zuzhibu", PASSWORD, NAT).status_code == 302  # signed in here before: a device
    student = app.test_client()
    for i in range(25):  # one student sprays names from the same address, past the client's budget
        sign_in(student, f"teacher{i}", "guess", NAT)
    for _ in range(8):   # and hammers the admin's name too
        sign_in(student, "zuzhibu", "guess", NAT)
    assert sign_in(student, "zuzhibu", PASSWORD, NAT).status_code == 429  # no device: refused unchecked
    assert sign_in(app.test_client(), "zuzhibu", PASSWORD, NAT).status_code == 429  # a new browser too
    assert sign_in(office, "zuzhibu", PASSWORD, NAT).status_code == 302  # the office's own browser gets in


@pytest.mark.usefixtures("frozen")
def test_a_device_cookie_counts_for_its_own_account_and_not_for_ever(app, make_user):
    make_user("organiser", username="lisi")
    make_user("organiser", username="wangwu")
    browser = app.test_client()
    assert sign_in(browser, "lisi", PASSWORD, NAT).status_code == 302
    for i in range(25):
        sign_in(app.test_client(), f"x{i}", "guess", NAT)
    assert sign_in(browser, "wangwu", PASSWORD, NAT).status_code == 429  # lisi's device is not wangwu's
    for _ in range(throttle.DEVICE_FAILURES):  # a stolen device cookie buys a few guesses, not unlimited
        assert sign_in(browser, "lisi", "guess", NAT).status_code == 401
    assert sign_in(browser, "lisi", PASSWORD, NAT).status_code == 429
    forged = app.test_client()
    forged.set_cookie(throttle.DEVICE_COOKIE, "eyJ1IjoibGlzaSJ9.forged.sig")
    assert sign_in(forged, "lisi", PASSWORD, NAT).status_code == 429


@pytest.mark.usefixtures("frozen")
def test_a_full_client_table_does_not_open_the_door(app, make_user, monkeypatch):
    make_user("viewer", username="zhaoliu")
    monkeypatch.setattr(throttle, "_MAX_CLIENTS", 3)
    for i in range(3):
        sign_in(app.test_client(), "nobody", "guess", f"192.0.2.{i}")
    assert sign_in(app.test_client(), "zhaoliu", PASSWORD, "198.51.100.7").status_code == 429


@pytest.mark.usefixtures("frozen")
def test_a_one_time_password_opens_one_session_within_a_day(app, make_user, database):
    from service.accounts import operations as accounts
    make_user("auditor", username="shenji")
    with psycopg2.connect(database) as c, c.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        accounts.set_password(cur, "cli", "shenji", "one-time-1234", True, app.config["SETTINGS"].secret_key)
    c.close()
    first = app.test_client()
    assert sign_in(first, "shenji", "one-time-1234").status_code == 302
    second = sign_in(app.test_client(), "shenji", "one-time-1234")
    assert second.status_code == 401 and "一次性密码已经用过或已过期" in second.get_data(as_text=True)
    assert first.get("/account/password").status_code == 200  # the first session still chooses its password
    with psycopg2.connect(database) as c, c.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        accounts.set_password(cur, "cli", "shenji", "one-time-5678", True, app.config["SETTINGS"].secret_key)
        cur.execute("UPDATE users SET one_time_until = now() - interval '1 minute' WHERE username = 'shenji'")
    c.close()
    late = sign_in(app.test_client(), "shenji", "one-time-5678")  # printed more than a day ago
    assert late.status_code == 401 and "已过期" in late.get_data(as_text=True)
