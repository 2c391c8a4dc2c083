"""The house's habits, checked by `make test`: lint (ruff), dead code (vulture), the architecture's
contracts (import-linter, in pyproject.toml), SQL only in query modules, no sleeping in tests
outside tests/polling.py, functions and modules of a size a reader can hold. Each check is also
run once on a fixture that breaks it, so that a check which can no longer fail is noticed."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
CODE = sorted((ROOT / "service").rglob("*.py")) + sorted((ROOT / "ballots").rglob("*.py"))


def _tool(name: str, *args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- ruff ---------------------------------------------------------------------------------------

def test_ruff_finds_nothing():
    r = _tool("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_fails_on_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f():\n    return undefined_name\n")
    r = _tool("ruff", "check", "--no-cache", "--config", str(ROOT / "ruff.toml"), str(bad))
    assert r.returncode == 1 and "F401" in r.stdout and "F821" in r.stdout, r.stdout + r.stderr


# --- vulture ------------------------------------------------------------------------------------

def test_vulture_finds_no_dead_code():
    r = _tool("vulture")  # paths, exclusions and the allowlist: pyproject.toml
    assert r.returncode == 0, r.stdout + r.stderr


def test_vulture_fails_on_dead_code(tmp_path):
    bad = tmp_path / "dead.py"
    bad.write_text("def used():\n    return 1\n\n\ndef never_called():\n    return used()\n")
    r = _tool("vulture", str(bad))  # the project's settings (pyproject.toml), on this one file
    assert r.returncode == 3 and "never_called" in r.stdout, r.stdout + r.stderr
    assert "'used'" not in r.stdout  # what is called is not reported


# --- import-linter ------------------------------------------------------------------------------

def test_the_import_contracts_are_kept():
    r = _tool("lint-imports", "--no-cache")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout and "ballots/ is the pure domain" in r.stdout


def test_the_import_contracts_break_on_a_violation(tmp_path):
    """A copy of the package layout, empty but for two offences: the domain importing Flask, and
    one feature reading another's SQL. The project's own contracts must refuse both."""
    for package in ("ballots", "service", *(f"service/{p.name}" for p in (ROOT / "service").iterdir()
                                            if (p / "__init__.py").exists())):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    for module in ("queries", "operations"):
        for feature in ("voting", "campaigns", "accounts", "issuance", "results", "publication", "audit", "webhooks",
                        "embeds", "paper"):
            (tmp_path / "service" / feature / f"{module}.py").write_text("")
    (tmp_path / "service" / "publication" / "calendar_queries.py").write_text("")
    (tmp_path / "ballots" / "tally.py").write_text("import flask\n")
    (tmp_path / "service" / "campaigns" / "operations.py").write_text("from service.voting import queries\n")
    (tmp_path / "service" / "results" / "operations.py").write_text("from service.voting import operations\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    r = _tool("lint-imports", "--no-cache", cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 1, r.stdout + r.stderr
    assert "ballots.tally -> flask" in r.stdout
    assert "service.campaigns.operations -> service.voting.queries" in r.stdout
    assert "service.results" not in r.stdout.split("Broken contracts")[-1]  # through operations is allowed


FEATURES = ("accounts", "campaigns", "issuance", "voting", "results", "publication", "audit", "webhooks", "embeds",
            "paper")
# What a feature may import of another besides its operations and errors, and why.
SHARED = {
    "service.accounts.auth": "the permissions and the signed-in principal every feature's routes check",
    "service.campaigns.pages": "the campaign page, where other features' forms are shown again with their messages",
    "service.voting.schemas": "the ballot form's schema: the paper count's API gives a paper ballot's form as voting does",
}
# The plumbing imports features only where it must, each named with why.
PLUMBING_REACHES = {
    ("service", "service.voting.fastpath"): "create_app puts the cast's fast path in front of Flask",
    ("service.core.api", "service.accounts.auth"): "the route guard checks the principal's permissions",
    ("service.core.openapi", "service.accounts.auth"): "the document names each operation's permission and the key scopes",
    ("service.core.server", "service.voting.mixer"): "each worker starts the mixing thread after the fork",
    ("service.core.server", "service.campaigns.schedule"): "each worker starts the schedule thread after the fork",
    ("service.core.cli", "service.accounts.schemas"): "create-user validates as the API does",
    ("service.core.cli", "service.accounts.operations"): "create-user, reset-password",
    ("service.core.cli", "service.accounts.commands"): "the api-keys command group (and create-api-key)",
    ("service.core.cli", "service.issuance.operations"): "serve counts the ballots another SECRET_KEY would refuse",
    ("service.core.cli", "service.campaigns.demo"): "`demo` and serve's first start",
    ("service.core.cli", "service.publication.commands"): "the calendar command group",
    ("service.core.cli", "service.webhooks.commands"): "the webhook worker",
    ("service.core.cli", "service.voting.mixer"): "`mix`",
    ("service.core.cli", "service.audit.commands"): "the audit-key command group",
    ("service.web", "service.accounts.auth"): "the page guard and the signed-in user's name",
}


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "service" else None


def reaches_across(imports: list[tuple[str, str]]) -> list[str]:
    """The imports, of (importer, imported) pairs, that break the rule: a feature reaches another
    only through its operations and errors (and SHARED); the plumbing, only as PLUMBING_REACHES."""
    found = []
    for importer, imported in imports:
        mine, theirs = feature_of(importer), feature_of(imported)
        if theirs not in FEATURES or mine == theirs:
            continue
        if mine in FEATURES and (imported.rsplit(".", 1)[-1] in ("operations", "errors") or imported in SHARED):
            continue
        if (importer, imported) in PLUMBING_REACHES:
            continue
        found.append(f"{importer} -> {imported}")
    return found


def test_features_reach_each_other_only_through_their_operations():
    import grimp
    graph = grimp.build_graph("service")
    imports = [(m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)]
    assert len(imports) > 200  # the whole graph, lazy imports inside functions included
    assert sorted(reaches_across(imports)) == []
    used = {(m, i) for m, i in imports}
    assert sorted(set(PLUMBING_REACHES) - used) == []  # each exception still needed


def test_the_reach_rule_sees_a_feature_reading_anothers_internals():
    assert reaches_across([("service.results.pages", "service.campaigns.forms"),
                           ("service.results.pages", "service.campaigns.operations"),
                           ("service.core.ratelimit", "service.accounts.throttle"),
                           ("service.voting.api", "service.accounts.auth")]) == [
        "service.results.pages -> service.campaigns.forms", "service.core.ratelimit -> service.accounts.throttle"]


# --- SQL only in query modules ------------------------------------------------------------------

SQL_CALLS = {"execute", "executemany", "mogrify", "copy_expert", "copy_from", "callproc", "execute_values",
             "execute_batch"}
# Plumbing that must speak SQL itself: the session set-up of every connection, the migration
# runner (it applies the SQL files), the embedded server's bootstrap, and /readyz's SELECT 1.
SQL_PLUMBING = {"service/core/db.py", "service/core/migrate.py", "service/core/embedded_pg.py",
                "service/core/health.py"}


def sql_calls(source: str) -> list[int]:
    """The lines of a source that send SQL (a cursor's execute and its kin)."""
    return sorted(n.lineno for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
            and (getattr(n.func, "attr", None) or getattr(n.func, "id", None)) in SQL_CALLS)


def is_query_module(path: str) -> bool:
    return path.endswith("queries.py")


def test_sql_lives_only_in_query_modules():
    found = [f"{_rel(p)}:{line}" for p in CODE if not is_query_module(_rel(p)) and _rel(p) not in SQL_PLUMBING
             for line in sql_calls(p.read_text(encoding="utf-8"))]
    assert found == []
    assert sum(len(sql_calls(p.read_text(encoding="utf-8"))) for p in CODE if is_query_module(_rel(p))) > 100


def test_the_sql_search_sees_a_call_outside_a_query_module():
    snippet = "def f(cur):\n    with cur:\n        cur.execute('SELECT 1')\n    psycopg2.extras.execute_values(cur, q, rows)\n"
    assert sql_calls(snippet) == [3, 4]
    assert not is_query_module("service/voting/operations.py") and is_query_module("service/voting/queries.py")


# --- no sleeping in tests -----------------------------------------------------------------------

# Where a fixed wait may be written, and why.
SLEEP_ALLOWED = {
    "tests/polling.py": "the polling helpers: each waits for an observed fact and fails the test at its deadline",
    "tests/test_house.py": "names the waits it searches for",
}


WAITS = {"sleep", "wait_for_timeout"}  # time.sleep and its kin, playwright's fixed wait


def sleeps(source: str) -> list[int]:
    """The lines that wait a fixed time: a sleep call, playwright's wait_for_timeout, or SQL that
    runs pg_sleep."""
    found = set()
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Call) and (getattr(n.func, "attr", None) or getattr(n.func, "id", None)) in WAITS:
            found.add(n.lineno)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and "pg_sleep" in n.value.lower():
            found.add(n.lineno)
    return sorted(found)


def test_no_test_sleeps_outside_the_polling_helpers():
    found = [f"{_rel(p)}:{line}" for p in sorted((ROOT / "tests").rglob("*.py")) if _rel(p) not in SLEEP_ALLOWED
             for line in sleeps(p.read_text(encoding="utf-8"))]
    assert found == []
    assert sleeps((ROOT / "tests" / "polling.py").read_text()) != []  # the search does see one


def test_the_sleep_search_sees_every_spelling():
    assert sleeps("import time\nimport time as t\nfrom time import sleep\n"
                  "time.sleep(1)\nt.sleep(1)\nsleep(1)\nasyncio.sleep(1)\npage.wait_for_timeout(300)\n"
                  "cur.execute('SELECT pg_sleep(1.5)')\nx = 'select PG_SLEEP(2)'\n") == [4, 5, 6, 7, 8, 9, 10]


def test_no_test_module_imports_another():
    """Shared fixtures live in conftest.py and shared helpers in tests/helpers.py."""
    found = []
    for p in sorted((ROOT / "tests").rglob("*.py")):
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[-1].startswith("test_"):
                found.append(f"{_rel(p)}:{n.lineno} {n.module}")
    assert found == []


# --- sizes --------------------------------------------------------------------------------------

FUNCTION_LINES, MODULE_LINES = 60, 350
# Named exceptions, each with why; the test fails when one is no longer needed, so the list shrinks.
LONG_MODULES: dict[str, str] = {}
LONG_FUNCTIONS: dict[str, str] = {}


def long_functions(source: str, limit: int = FUNCTION_LINES) -> list[tuple[str, int]]:
    return [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(ast.parse(source))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > limit]


def test_functions_and_modules_are_of_a_readable_size():
    modules, functions = {}, {}
    for p in CODE:
        text = p.read_text(encoding="utf-8")
        if text.count("\n") > MODULE_LINES:
            modules[_rel(p)] = text.count("\n")
        for name, lines in long_functions(text):
            functions[f"{_rel(p)}:{name}"] = lines
    assert sorted(set(modules) - set(LONG_MODULES)) == [], modules
    assert sorted(set(functions) - set(LONG_FUNCTIONS)) == [], functions
    assert sorted(set(LONG_MODULES) - set(modules)) == [] and sorted(set(LONG_FUNCTIONS) - set(functions)) == []


def test_the_size_check_sees_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    assert long_functions(f"def long():\n{body}\n\n\ndef short():\n    return 1\n") == [("long", FUNCTION_LINES + 1)]


@pytest.mark.parametrize("tool", ["ruff", "vulture", "lint-imports"])
def test_the_tools_are_installed_by_the_projects_own_files(tool):
    """make test installs requirements-dev.txt, which pins them."""
    pins = (ROOT / "requirements-dev.txt").read_text()
    assert (BIN / tool).exists()
    assert {"ruff": "ruff==", "vulture": "vulture==", "lint-imports": "import-linter=="}[tool] in pins
