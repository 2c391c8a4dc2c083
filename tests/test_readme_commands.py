"""The README's run command, from a fresh copy of the checkout: it installs, starts the embedded
PostgreSQL, migrates, creates the demo admin, serves; /readyz answers 200 and the admin can sign in;
a second run reuses the data. (The test command is what CI itself runs.)"""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import psutil
import pytest

from tests.conftest import ROOT
from tests.polling import wait_until

pytestmark = pytest.mark.slow


def fresh_clone(dest):
    """A clone of the committed HEAD: what a newcomer (and CI) starts from."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(dest)], check=True, capture_output=True)
    return dest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    """`make run` in the background, its output collected line by line."""

    def __init__(self, cwd, port):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PINGYI_VAR_DIR", "SECRET_KEY")}
        env.update(PORT=str(port), MAKEFLAGS="")
        self.proc = subprocess.Popen(["make", "run"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self):
        return "".join(self.lines)

    def group(self):
        alive = []
        for proc in psutil.process_iter():
            try:
                if os.getpgid(proc.pid) == self.proc.pid and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except (ProcessLookupError, psutil.Error):
                pass
        return alive

    def stop(self):
        """Ctrl-C, as a person at the terminal would; then wait for every process of the run to end."""
        try:
            os.killpg(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        self.proc.poll()
        try:
            wait_until(lambda: not self.group(), "every process of make run to end after Ctrl-C", every=0.2)
        finally:
            leftover = self.group()
            if leftover:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)
        self.reader.join(5)
        self.proc.stdout.close()


def wait_ready(base, run, seconds=300):
    def ready():
        if run.proc.poll() is not None:
            pytest.fail("make run exited early:\n" + run.output()[-4000:])
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False
    try:
        wait_until(ready, "make run's server to answer /readyz", timeout=seconds, every=0.5)
    except pytest.fail.Exception:
        pytest.fail("the server never became ready:\n" + run.output()[-4000:])


def sign_in(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    page = opener.open(base + "/login", data=body, timeout=10)  # follows the redirect
    return page.geturl(), page.read().decode()


def postgres_running_in(folder):
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and any(str(folder) in part for part in proc.info["cmdline"] or []):
            return True
    return False


def test_make_run_from_a_fresh_copy(tmp_path):
    clone = fresh_clone(tmp_path / "pingyi")
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    first = Run(clone, port)
    try:
        wait_ready(base, first)
        match = re.search(r"password: (\S+)", first.output())
        assert match, first.output()
        url, html = sign_in(base, "admin", match.group(1))
        assert url.endswith("/admin/") and "优秀共产党员评选" in html  # the demo campaign
        assert (clone / "var" / "pgdata" / "PG_VERSION").exists()
    finally:
        first.stop()
    assert not postgres_running_in(clone / "var"), "the embedded PostgreSQL outlived make run"

    second = Run(clone, port)
    try:
        wait_ready(base, second)
        assert "password:" not in second.output()  # the data was reused, no new admin
        url, _ = sign_in(base, "admin", match.group(1))
        assert url.endswith("/admin/")
    finally:
        second.stop()


def test_system_packages_are_named_for_a_machine_without_them(tmp_path):
    """A fresh Debian lacks python3-venv (and the test tools): the set-up script names them —
    and, as root, installs them with apt-get (here `id` says we are not root, so it only names)."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "python3").write_text("#!/bin/sh\n"
                                  "case \"$*\" in *ensurepip*) exit 1;; esac\n"
                                  "echo 3.11\n")
    (bin_ / "id").write_text("#!/bin/sh\necho 1000\n")
    for tool in ("python3", "id"):
        (bin_ / tool).chmod(0o755)
    env = {"PATH": f"{bin_}:/usr/bin:/bin", "PYTHON": str(bin_ / "python3")}
    base = subprocess.run(["bash", str(ROOT / "scripts/system-deps.sh"), "base"], env=env,
                          capture_output=True, text=True)
    assert base.returncode == 1 and "sudo apt-get install python3.11-venv" in base.stderr
    test = subprocess.run(["bash", str(ROOT / "scripts/system-deps.sh"), "test"],
                          env={**env, "PATH": f"{bin_}:/bin"}, capture_output=True, text=True)
    assert test.returncode == 1 and "python3.11-venv" in test.stderr
    ok = subprocess.run(["bash", str(ROOT / "scripts/system-deps.sh"), "test"], capture_output=True, text=True,
                        env={**os.environ, "PYTHON": sys.executable})
    assert ok.returncode == 0, ok.stderr  # this machine has them all (make test installed them)
