"""No log line holds a ballot code, in any spelling the code parser accepts, nor a client address
or user agent — from gunicorn (access and error logs), werkzeug's development server, or the app."""
from __future__ import annotations

import ipaddress
import logging
import re
import socket
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ballots.tokens import grouped
from tests.polling import wait_until

_TYPING = str.maketrans({"I": "1", "L": "1", "O": "0"})


def _unmangle(line: str) -> str:
    """gunicorn writes a path's UTF-8 bytes as Latin-1 characters: read them back."""
    try:
        return line.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return line


def folded(log: str) -> str:
    """The log as the code parser would read it: percent-decoded, full-width folded, without
    spaces, pluses and dashes, upper case, I and L as 1, O as 0."""
    text = "\n".join(_unmangle(line) for line in urllib.parse.unquote(log, errors="replace").splitlines())
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s+\-\u2010-\u2015]", "", text).upper().translate(_TYPING)


def assert_no_code(log: str, token: str) -> None:
    """No 8 characters in a row of the code's secret part and MAC, however they were spelt."""
    text = folded(log)
    for i in range(4, len(token) - 7):
        assert token[i:i + 8] not in text, f"part of a ballot code is logged: {token[i:i + 8]}"


def addresses(text: str) -> list[str]:
    """Every IPv4 or IPv6 address in the text (times such as 12:34:56 are not addresses)."""
    found = re.findall(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])", text)
    for candidate in re.findall(r"[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*", text):
        for form in (candidate, candidate.rstrip(":")):  # "ip=2001:db8::17: …"
            try:
                ipaddress.IPv6Address(form)
            except ValueError:
                continue
            found.append(form)
            break
    return found


def spellings(token: str) -> tuple[list[str], list[str]]:
    """Every way a voter's phone or keyboard can spell the code in a ballot URL (percent-encoded):
    those the code parser takes, and near misses (which carry the code just the same)."""
    groups = grouped(token).split("-")
    wide = "".join(chr(ord(c) + 0xFEE0) for c in token)  # a Chinese input method's full-width forms
    typed = token.replace("1", "I").replace("0", "O")
    q = urllib.parse.quote
    taken = [token.lower(), grouped(token), grouped(token).lower(), q(" ".join(groups)), q(wide),
             q(" ".join(groups[:3]) + "\u3000" + "".join(groups[3:])), typed, typed.lower(), token + "?from=qr",
             "".join(f"%{b:02X}" for b in token.encode()), "-".join(token)]
    near = ["+".join(groups), token + "/", grouped(token) + "/?x=1", token + "/extra", token[:-1]]
    return taken, near


def _get(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.close()
        return e.code


def _wait_for(path, offset: int, pattern: str, n: int) -> str:
    """The log written since offset, once it holds n lines matching pattern (gunicorn writes an
    access line just after the response is sent, so the last one may lag behind the client)."""
    def enough():
        text = path.read_text(errors="replace")[offset:]
        return text if len(re.findall(pattern, text, re.M)) >= n else None
    return wait_until(enough, f"{n} log lines matching {pattern!r}")


def _token_with_typing_letters(full_campaign) -> str:
    """A code with a 0 or 1 in its secret part, so the I/L/O spellings change that part too."""
    return next(t for t in full_campaign.tokens(20) if set(t[4:]) & {"0", "1"})


def test_no_spelling_of_a_code_reaches_the_access_log(gunicorn_server, full_campaign):
    token = _token_with_typing_letters(full_campaign)
    log_path = gunicorn_server.log_path
    offset = len(log_path.read_text(errors="replace"))
    taken, near = spellings(token)
    sent = [prefix + s for s in taken + near for prefix in ("/b/", "/B/")]
    sent += ["/b%2F" + token, "/%62/" + grouped(token)]
    for path in sent[:2 * len(taken)] + sent[-2:]:  # the parser does take these: each opens the ballot
        assert _get(gunicorn_server.url + path) == 200, path
    for path in sent[2 * len(taken):-2]:
        _get(gunicorn_server.url + path)
    new = _wait_for(log_path, offset, r'^"GET ', len(sent))
    assert len(re.findall(r'^"GET /[bB]/…', new, re.M)) >= 2 * len(taken + near)
    assert_no_code(log_path.read_text(errors="replace"), token)


def test_a_malformed_request_logs_no_address_and_no_code(gunicorn_server, full_campaign):
    token = _token_with_typing_letters(full_campaign)
    log_path = gunicorn_server.log_path
    offset = len(log_path.read_text(errors="replace"))
    host, port = urllib.parse.urlsplit(gunicorn_server.url).hostname, urllib.parse.urlsplit(gunicorn_server.url).port
    spaced = " ".join(grouped(token).split("-")).encode()
    hostile = [b"GET /b/" + spaced + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # spaces: not a request line
               b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(40)) + b"\r\n\r\n",  # TLS to http
               b"GET /B/" + token.encode() + b" HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
               b"G\x00T /b/" + token.encode() + b" HTTP/1.1\r\n\r\n"]
    for raw in hostile:
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(raw)
            while s.recv(4096):  # gunicorn logs the error, then answers and closes
                pass
    forwarded = {"X-Forwarded-For": "203.0.113.7, 198.51.100.23", "X-Real-IP": "192.0.2.44",
                 "Forwarded": "for=[2001:db8::17]", "User-Agent": "HostileAgent/1.0 (MicroMessenger)",
                 "Referer": f"{gunicorn_server.url}/b/{token}"}
    assert _get(f"{gunicorn_server.url}/b/{token}", forwarded) == 200
    assert _get(f"{gunicorn_server.url}/healthz", forwarded) == 200
    new = _wait_for(log_path, offset, r"Invalid request", len(hostile))
    assert len(re.findall(r"Invalid request", new)) >= len(hostile)  # gunicorn did report them
    log = log_path.read_text(errors="replace")
    assert "ip=" not in log
    # The only address allowed is the server's own listening address, printed at start.
    assert addresses(log.replace(f"http://{host}:{port}", "")) == []
    assert "HostileAgent" not in log and "MicroMessenger" not in log
    assert_no_code(log, token)


@pytest.fixture
def gunicorn_logger(tmp_path):
    """Our gunicorn logger class writing to files, with the given access log format."""
    from gunicorn.config import Config

    from service.core.redact import GunicornLogger
    made = []

    def make(access_log_format):
        cfg = Config()
        cfg.set("accesslog", str(tmp_path / "access.log"))
        cfg.set("errorlog", str(tmp_path / "error.log"))
        cfg.set("access_log_format", access_log_format)
        made.append(GunicornLogger(cfg))
        return made[-1]
    yield make
    for logger in made:
        for log in (logger.error_log, logger.access_log):
            for handler in list(log.handlers):
                handler.close()
                log.removeHandler(handler)


def test_no_access_log_atom_holds_an_address_an_agent_or_a_code(gunicorn_logger, tmp_path):
    """An operator may change the access log format: every atom that could hold an address, a
    user agent, a credential or a ballot path is blank or redacted."""
    from datetime import timedelta
    token = "0002EQZA4X7VK3M9P2QRT6WYZ8HJ"
    fmt = " ".join(f"%({a})s" for a in ("h", "r", "U", "q", "f", "a", "u", "{x-forwarded-for}i",
                                         "{x-real-ip}i", "{forwarded}i", "{user-agent}i", "{referer}i",
                                         "{authorization}i", "{cookie}i", "{remote_addr}e", "{raw_uri}e",
                                         "{path_info}e", "{http_x_forwarded_for}e", "{location}o",
                                         "{HTTP_USER_AGENT}e"))
    logger = gunicorn_logger(fmt)
    headers = [("X-FORWARDED-FOR", "203.0.113.7"), ("X-REAL-IP", "192.0.2.44"), ("FORWARDED", "for=[2001:db8::17]"),
               ("USER-AGENT", "HostileAgent/1.0"), ("REFERER", f"https://x/b/{token}"),
               ("AUTHORIZATION", "Bearer pgy_secretkey"), ("COOKIE", "pingyi_session=secretcookie")]
    raw = "/B/" + urllib.parse.quote(" ".join(grouped(token).split("-")))
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw + "?from=qr", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/B/" + " ".join(grouped(token).split("-")), "QUERY_STRING": "from=qr",
               "REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "HostileAgent/1.0",
               "HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_REFERER": f"https://x/b/{token}"}
    req = type("Req", (), {"headers": headers})()
    resp = type("Resp", (), {"status": "303 SEE OTHER", "sent": 10,
                             "headers": [("Location", f"/b/{token.lower()}")]})()
    logger.access(resp, req, environ, timedelta(milliseconds=3))
    line = (tmp_path / "access.log").read_text()
    assert "/B/…" in line and "/b/…" in line
    assert addresses(line) == []
    for secret in ("HostileAgent", "pgy_secretkey", "secretcookie"):
        assert secret not in line
    assert_no_code(line, token)


def test_gunicorn_error_log_keeps_no_address_and_no_code(gunicorn_logger, tmp_path):
    """Error handling request GET /b/…, with a traceback whose message quotes the path."""
    token = "0002EQZA4X7VK3M9P2QRT6WYZ8HJ"
    logger = gunicorn_logger('"%(m)s %(U)s" %(s)s')
    path = "/b/" + " ".join(grouped(token).split("-"))
    try:
        raise OSError(f"peer 198.51.100.23:51515 reset while sending {path}")
    except OSError:
        logger.exception("Error handling request %s %s", "GET", path)
    logger.warning(f"Invalid request from ip=2001:db8::17: Invalid HTTP request line: 'GET {path} HTTP/1.1'")
    logger.info("Listening at: http://127.0.0.1:8000 (1)")  # the server's own address stays
    text = (tmp_path / "error.log").read_text()
    assert "Error handling request GET /b/…" in text and "OSError: peer" in text
    assert "ip=" not in text and "Invalid request" in text
    assert addresses(text.replace("http://127.0.0.1:8000", "")) == []
    assert "http://127.0.0.1:8000" in text
    assert_no_code(text, token)


def test_werkzeug_dev_server_logs_no_address_and_no_code(live_server, full_campaign, caplog):
    dev_server = live_server  # werkzeug's development server (flask run) on the test app (tests/conftest.py)
    token = _token_with_typing_letters(full_campaign)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        taken, near = spellings(token)
        for path in [p + s for s in taken + near for p in ("/b/", "/B/")]:
            _get(dev_server + path, {"User-Agent": "HostileAgent/1.0"})
        with socket.create_connection(("127.0.0.1", int(dev_server.rsplit(":", 1)[1])), timeout=10) as s:
            s.sendall(b"GET /b/" + " ".join(grouped(token).split("-")).encode() + b" HTTP/1.1\r\n\r\n")
            while s.recv(4096):
                pass
    records = [r for r in caplog.records if r.name == "werkzeug"]
    assert len(records) >= 2 * len(taken + near)
    text = "\n".join(r.getMessage() for r in records)
    assert "/b/…" in text and "/B/…" in text
    assert addresses(text) == [] and "HostileAgent" not in text
    assert_no_code(text, token)


def test_an_exception_on_a_voter_path_logs_no_code(app, full_campaign, monkeypatch, caplog):
    from service.voting import operations as casting
    (token,) = full_campaign.tokens(1)

    def fail(cur, t, round_id=None):  # (the address is built here so that the frame's source line does not hold it)
        raise RuntimeError(f"failed for {t} from {'.'.join(['198', '51', '100', '23'])}")
    monkeypatch.setattr(casting, "open_slip", fail)  # what the ballot page opens (a slip of one round or more)
    with caplog.at_level(logging.ERROR):
        r = app.test_client().get(f"/b/{grouped(token)}")
    assert r.status_code == 500
    assert "internal error request_id=" in caplog.text and "RuntimeError" in caplog.text
    assert addresses(caplog.text) == []
    assert_no_code(caplog.text, token)
