"""The documents stay true to the code: every setting and every API route is documented."""
from __future__ import annotations

import re

from service.core.api import REGISTRY
from tests.conftest import ROOT


def test_every_environment_variable_read_is_documented():
    names = set()
    name = r'"([A-Z][A-Z0-9_]+)"'
    patterns = [rf'(?:(?<![\w.])env|os\.environ)\.get\({name}', rf'os\.environ\[{name}\]', rf'os\.getenv\({name}',
                rf'_(?:int|bool)\(env, {name}', rf'envvar={name}', rf'_env\({name}']
    for folder in ("service", "ballots", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for pattern in patterns:
                names |= set(re.findall(pattern, text))
    names -= {"PYTEST_XDIST_WORKER"}  # pytest's own, not ours
    assert {"DATABASE_URL", "SECRET_KEY", "PORT", "SESSION_COOKIE_SECURE", "WEB_THREADS"} <= names
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert sorted(n for n in names if f"`{n}`" not in documented) == []


def test_every_api_route_is_in_the_api_overview():
    from service import load_features
    load_features()
    assert len(REGISTRY) > 40  # every feature's routes, not an empty list that checks nothing
    overview = (ROOT / "docs" / "api.md").read_text()
    missing = [f"{d.method} {d.rule}" for d in REGISTRY if f"| `{d.method}` | `{d.rule}` |" not in overview]
    assert missing == []


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_the_domain_imports_neither_flask_nor_psycopg2():
    """ballots/ is read and reused on its own (the offline verifier): DESIGN.md, STYLE.md."""
    offenders = []
    for path in (ROOT / "ballots").rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(from|import)\s+(flask|psycopg2|werkzeug|service)\b", line):
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


def test_the_permission_tables_say_what_the_code_grants():
    """docs/architecture.md's role and scope tables, row by row, against service.accounts.auth."""
    from service.accounts.auth import ALL_PERMISSIONS, ROLES, SCOPES
    text = (ROOT / "docs" / "architecture.md").read_text()
    for name, grants in list(ROLES.items()) + list(SCOPES.items()):
        rows = [line for line in text.splitlines() if line.startswith(f"| {name} |")]
        assert rows, name
        for row in rows:  # admin is a role and a scope: both rows
            cell = row.split("|")[2].strip()
            if grants == ALL_PERMISSIONS:
                assert cell.startswith("everything"), name
            else:
                assert {p.strip() for p in cell.split(",")} == set(grants), name


def test_the_architecture_map_names_every_module():
    """docs/architecture.md draws service/ by package: each package and each of its modules is on it."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text[text.index("```\nservice/"):text.index("\n```", text.index("```\nservice/") + 4)]
    sections, name = {}, None
    for line in block.splitlines():
        heading = re.match(r"  (\w+)/ ", line)
        if heading:
            name = heading.group(1)
        elif not line.startswith("  "):
            name = None
        if name:
            sections[name] = sections.get(name, "") + line + "\n"
    missing = []
    for package in sorted(p for p in (ROOT / "service").iterdir() if (p / "__init__.py").exists()):
        named = set(re.findall(r"[\w]+(?=\.py)", sections.get(package.name, "")))
        missing += [f"service/{package.name}/{m.name}" for m in sorted(package.glob("*.py"))
                    if m.name != "__init__.py" and m.stem not in named]
    domain = block[block.index("\nballots/"):block.index("\nmigrations/")]
    missing += [f"ballots/{m.name}" for m in sorted((ROOT / "ballots").glob("*.py"))
                if m.name != "__init__.py" and not re.search(rf"\b{m.stem}\b", domain)]
    assert missing == []
    stale = [f"{package}/{name}.py" for package, section in sections.items()
             for name in re.findall(r"([\w]+)\.py", section) if not (ROOT / "service" / package / f"{name}.py").exists()]
    assert stale == []  # and nothing on the map that is gone
