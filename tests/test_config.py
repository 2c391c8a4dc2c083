"""Settings fail fast: a missing or malformed variable stops start-up with a message naming it."""
from __future__ import annotations

import pytest

from service.core.config import ConfigError, Settings
from tests.conftest import refused_cleanly

GOOD = {"PINGYI_ENV": "test", "SECRET_KEY": "s" * 40, "PINGYI_VAR_DIR": "/tmp/pingyi-config-test"}


def load(**overrides):
    return Settings.from_env({**GOOD, **overrides})


def test_defaults_and_accepted_spellings():
    s = load()
    assert (s.db_pool_min, s.db_pool_max, s.log_level, s.session_cookie_secure) == (1, 10, "INFO", False)
    assert load(SESSION_COOKIE_SECURE="true").session_cookie_secure is True
    assert load(SESSION_COOKIE_SECURE="Off").session_cookie_secure is False
    assert load(LOG_LEVEL="warning").log_level == "WARNING" and load(LOG_LEVEL="warn").log_level == "WARN"
    assert load(DB_POOL_MIN="0").db_pool_min == 0
    prod = Settings.from_env({**GOOD, "PINGYI_ENV": "production", "DATABASE_URL": "postgresql://db/pingyi"})
    assert prod.session_cookie_secure is True and prod.production


@pytest.mark.parametrize("overrides,named", [
    ({"PINGYI_ENV": "staging"}, "PINGYI_ENV"),
    ({"PINGYI_ENV": "production", "SECRET_KEY": ""}, "SECRET_KEY must be set"),
    ({"PINGYI_ENV": "production"}, "DATABASE_URL must be set"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32"),
    ({"SESSION_COOKIE_SECURE": "si"}, "SESSION_COOKIE_SECURE"),
    ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL"),
    ({"DB_POOL_MAX": "ten"}, "DB_POOL_MAX must be an integer"),
    ({"DB_POOL_MIN": "5", "DB_POOL_MAX": "2"}, "DB_POOL_MIN (5) must not exceed DB_POOL_MAX (2)"),
    ({"DB_POOL_MAX": "0"}, "DB_POOL_MAX must be at least 1"),
    ({"JSON_MAX_BYTES": "-1"}, "JSON_MAX_BYTES"),
    ({"TRUSTED_PROXIES": "9"}, "TRUSTED_PROXIES must be between 0 and 5"),
    ({"BASE_URL": "pingyi.example.edu.cn"}, "BASE_URL must start with http"),
    ({"BASE_URL": "http://vote.school.cn:notaport"}, "BASE_URL has a port"),
    ({"BASE_URL": "https://pingyi.example.edu.cn/?x=1"}, "no user name, query or fragment"),
    ({"BASE_URL": "https://user:pw@pingyi.example.edu.cn"}, "no user name, query or fragment"),
    ({"BASE_URL": "https://pingyi.example.edu.cn/#top"}, "no user name, query or fragment"),
])
def test_malformed_settings_are_refused_by_name(overrides, named):
    with pytest.raises(ConfigError) as exc:
        load(**overrides)
    assert named in str(exc.value)


@pytest.mark.parametrize("env,named", [({"PORT": "abc"}, "--port"), ({"WEB_THREADS": "0"}, "--threads"),
                                       ({"LOG_LEVEL": "loud"}, "LOG_LEVEL")])
def test_the_cli_says_what_is_wrong_without_a_traceback(env, named, tmp_path, run_cli):
    r = run_cli("serve", "--no-demo", env={**GOOD, "PINGYI_VAR_DIR": str(tmp_path),
                                           "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", **env})
    assert refused_cleanly(r) and named in r.stderr, r.output


def test_serve_warns_of_a_base_url_path_that_makes_qr_codes_larger(tmp_path, run_cli):
    r = run_cli("serve", "--no-demo", env={**GOOD, "PINGYI_VAR_DIR": str(tmp_path),
                                           "BASE_URL": "https://oa.example.edu.cn/pingyi",
                                           "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"})
    assert "BASE_URL has a path (/pingyi)" in r.stderr
