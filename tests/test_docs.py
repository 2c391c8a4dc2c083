"""The documents stay true to the code: every setting and every API route is documented."""
from __future__ import annotations

import re

from service.api import REGISTRY
from tests.conftest import ROOT


def test_every_environment_variable_read_is_documented():
    names = set()
    for path in (ROOT / "service").rglob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r'(?:(?<![\w.])env|os\.environ)\.get\("([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'_int\(env, "([A-Z][A-Z0-9_]+)"', text))
        names |= set(re.findall(r'envvar="([A-Z][A-Z0-9_]+)"', text))
    assert {"DATABASE_URL", "SECRET_KEY", "PORT"} <= names
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert sorted(n for n in names if f"`{n}`" not in documented) == []


def test_every_api_route_is_in_the_api_overview():
    overview = (ROOT / "docs" / "api.md").read_text()
    missing = [f"{d.method} {d.rule}" for d in REGISTRY if f"| `{d.method}` | `{d.rule}` |" not in overview]
    assert missing == []


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
