"""Helpers the browser tests share."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def sign_in(page, base, user):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(user["username"])
    page.get_by_label("密码").fill(user["password"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/admin/")


def axe_problems(page):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it (npm ci)")
    # Evaluated through the devtools protocol: the page's own CSP (script-src 'self') stays on.
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]
