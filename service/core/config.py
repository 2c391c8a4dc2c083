"""Typed settings read once from the environment.

Every variable is documented in docs/configuration.md; keep the two in step.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never later."""


def _int(env, name, default, low=0, high=None):
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}" if high is not None
                          else f"{name} must be at least {low}, got {value}")
    return value


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _bool(env, name, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1/0, true/false, yes/no or on/off, got {raw!r}")


LOG_LEVELS = ("NOTSET", "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL")  # as logging takes them


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str | None
    var_dir: Path
    secret_key: str
    base_url: str
    db_pool_min: int
    db_pool_max: int
    json_max_bytes: int
    upload_max_bytes: int
    scan_max_bytes: int
    login_max_failures: int
    login_lockout_seconds: int
    session_cookie_secure: bool
    log_level: str
    trusted_proxies: int = 0
    mix_k: int = 10
    mix_seconds: int = 10
    base_url_set: bool = True  # False: derived from HOST and PORT (BASE_URL unset)
    login_client_failures: int = 20

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, env=None) -> "Settings":
        env = os.environ if env is None else env
        mode = env.get("PINGYI_ENV", "development")
        if mode not in ("development", "production", "test"):
            raise ConfigError("PINGYI_ENV must be development, production or test")
        var_dir = Path(env.get("PINGYI_VAR_DIR", "var")).resolve()
        secret = env.get("SECRET_KEY", "")
        if not secret:
            if mode == "production":
                raise ConfigError("SECRET_KEY must be set in production")
            secret = _local_secret(var_dir)
        elif len(secret) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters")
        if mode == "production" and not env.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL must be set in production")
        base_url = (env.get("BASE_URL") or "").rstrip("/")
        if not base_url:
            base_url = served_url(env.get("HOST") or "127.0.0.1", _int(env, "PORT", 8000, low=1, high=65535))
        else:
            _check_base_url(base_url)
        log_level = env.get("LOG_LEVEL", "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
        pool_min, pool_max = _int(env, "DB_POOL_MIN", 1, low=0), _int(env, "DB_POOL_MAX", 10, low=1)
        if pool_min > pool_max:
            raise ConfigError(f"DB_POOL_MIN ({pool_min}) must not exceed DB_POOL_MAX ({pool_max})")
        return cls(
            env=mode,
            database_url=env.get("DATABASE_URL") or None,
            var_dir=var_dir,
            secret_key=secret,
            base_url=base_url,
            db_pool_min=pool_min,
            db_pool_max=pool_max,
            json_max_bytes=_int(env, "JSON_MAX_BYTES", 256 * 1024, low=1024),
            upload_max_bytes=_int(env, "UPLOAD_MAX_BYTES", 4 * 1024 * 1024, low=1024),
            scan_max_bytes=_int(env, "SCAN_MAX_BYTES", 64 * 1024 * 1024, low=1024),
            login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5, low=1),
            login_lockout_seconds=_int(env, "LOGIN_LOCKOUT_SECONDS", 300, low=1),
            session_cookie_secure=_bool(env, "SESSION_COOKIE_SECURE", mode == "production"),
            log_level=log_level,
            trusted_proxies=_int(env, "TRUSTED_PROXIES", 0, high=5),
            mix_k=_int(env, "MIX_K", 10, low=1, high=1000),
            mix_seconds=_int(env, "MIX_SECONDS", 10, high=3600),
            base_url_set=bool(env.get("BASE_URL")),
            login_client_failures=_int(env, "LOGIN_CLIENT_FAILURES", 20, low=1),
        )


def _check_base_url(url: str) -> None:
    """An address a phone can be sent to: scheme, host, optional port and path — nothing that a
    ballot URL built on it would carry wrongly (a query would swallow the code, a user name and
    password would be printed on every slip)."""
    from urllib.parse import urlsplit
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"BASE_URL must start with http:// or https://, got {url!r}")
    parts = urlsplit(url)
    try:
        _ = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        raise ConfigError(f"BASE_URL has a port that is not a number from 1 to 65535: {url!r}") from None
    if not parts.hostname:
        raise ConfigError(f"BASE_URL names no host: {url!r}")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment \
            or "?" in url or "#" in url:
        raise ConfigError(f"BASE_URL must hold only scheme, host, port and path (no user name, query or "
                          f"fragment): {url!r}")


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1: addresses no phone in the hall can reach."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def served_url(host: str, port: int) -> str:
    """The address ballots print when BASE_URL is unset: where `serve` listens. A wildcard bind
    (0.0.0.0, ::) is not an address a phone can open, so it becomes this machine's address on
    the network it routes through (found without sending anything)."""
    if host in ("0.0.0.0", "::", ""):
        host = _lan_address()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _lan_address() -> str:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: a UDP connect picks a route and sends nothing
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def _local_secret(var_dir: Path) -> str:
    """A per-installation key kept in var/, so sessions survive restarts in development."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
