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


def test_the_api_overviews_endpoint_table_is_what_the_script_writes():
    """docs/api.md's route table, row for row, as scripts/api_table.py writes it (its error table:
    tests/test_error_registry.py)."""
    from scripts.api_table import ENDPOINTS_HEAD, endpoint_rows, table
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    start, end = table(text, ENDPOINTS_HEAD)
    assert text[start:end] == endpoint_rows(), "rewrite it: .venv/bin/python scripts/api_table.py"


# A route as docs/integration.md writes it: perhaps a method before it, perhaps the service's
# address (a host or `{BASE_URL}`), then a path under one of the service's roots.
_MENTION = re.compile(r"(?:\b(GET|POST|PUT|PATCH|DELETE|HEAD) )?(?:https?://[\w.:-]+|\{BASE_URL\}|(?<![\w./]))"
                      r"(/(?:api|embed|admin|vote|b|c)(?:/[^\s`\"'),?]*)?)")
_PARAM_SEGMENT = re.compile(r"^(?:\{[^}]*\}|<[^>]*>|\d+)$")


def _same_route(written: str, rule: str) -> bool:
    """Whether a written path is the rule: a parameter of the rule matches a number, `{…}` or `<…>`."""
    a, b = written.split("/"), rule.split("/")
    return len(a) == len(b) and all(x == y or (_PARAM_SEGMENT.match(x) and _PARAM_SEGMENT.match(y))
                                    for x, y in zip(a, b))


def test_every_route_and_error_code_in_the_integration_guide_exists(app, client):
    """docs/integration.md names routes of the OpenAPI document (under /api/v1) or of the app, with
    the methods they take, and error codes of the registry with their statuses."""
    from service.core import errors
    text = (ROOT / "docs" / "integration.md").read_text(encoding="utf-8")
    spec = client.get("/api/openapi.json").get_json()
    api = [(p, m.upper()) for p, ops in spec["paths"].items() for m in ops]
    rules = [(r.rule, r.methods) for r in app.url_map.iter_rules()]
    mentioned, unknown = set(), []
    for method, path in _MENTION.findall(text):
        if path.endswith("/") or path == "/api/v1":  # a prefix ("under `/embed/`"), not a route
            continue
        mentioned.add(path)
        if path.startswith("/api/v1/"):
            found = [m for p, m in api if _same_route(path.removeprefix("/api/v1"), p)]
        else:
            found = [m for r, methods in rules if _same_route(path, r) for m in methods]
        if not found or (method and method not in found):
            unknown.append(f"{method} {path}".strip())
    assert unknown == []
    assert {"/api/v1/campaigns/{campaign_id}/rounds/{round_id}/ballots:handout", "/api/docs", "/admin/embeds",
            "/api/v1/campaigns/{CAMPAIGN_ID}/rounds/{ROUND_ID}/results"} <= mentioned  # the pattern finds them
    codes = re.findall(r"\b([1-5]\d\d) `([a-z][a-z0-9_]*)`", text)
    codes += re.findall(r'code == ([1-5]\d\d) and error\["code"\] == "([a-z0-9_]+)"', text)
    wrong = [(status, code) for status, code in codes
             if code not in errors.REGISTRY or str(getattr(errors.REGISTRY[code], "shown_status",
                                                           errors.REGISTRY[code].status)) != status]
    assert wrong == []
    assert {"already_handed_out", "not_closed", "wrong_state", "pool_exhausted"} <= {c for _s, c in codes}


MANUALS = ROOT / "docs" / "zh"


def _browser_shot_names() -> list[re.Pattern]:
    """The screenshots the browser tests take: shots(page, "name") or an f-string's pattern."""
    patterns = []
    for test in (ROOT / "tests" / "browser").glob("*.py"):
        text = test.read_text(encoding="utf-8")
        names = re.findall(r"""shots\(\w+,\s*f?["']([^"']+)["']""", text)
        names += re.findall(r"""["']screenshots["']\s*/\s*f?["']([^"'.]+)""", text)  # written by pdftoppm or an element
        for name in names:
            parts = re.split(r"\{[^}]*\}", name)
            patterns.append(re.compile(".+".join(map(re.escape, parts)) + r"\.png"))
    return patterns


def test_the_readme_links_the_chinese_manuals_in_its_first_lines():
    first = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:6])
    for manual in ("docs/zh/organiser.md", "docs/zh/voter.html", "docs/zh/auditor.md"):
        assert f"]({manual})" in first, manual
        assert (ROOT / manual).exists(), manual
    assert "](../audit.md" in (MANUALS / "auditor.md").read_text(encoding="utf-8")


def test_the_manuals_pictures_are_there_and_are_the_browser_tests_screenshots():
    referenced = {n for md in MANUALS.glob("*.md")
                  for n in re.findall(r"\(images/([\w.-]+\.png)\)", md.read_text(encoding="utf-8"))}
    assert len(referenced) >= 10
    on_disk = {p.name for p in (MANUALS / "images").glob("*.png")}
    assert referenced - on_disk == set(), "run scripts/manual_images.py after the browser tests"
    assert on_disk - referenced == set(), "pictures no manual shows (scripts/manual_images.py removes them)"
    shots = _browser_shot_names()
    assert [n for n in sorted(referenced) if not any(p.fullmatch(n) for p in shots)] == []


def test_the_labels_the_manuals_quote_are_the_apps_own():
    """A label in 「」 is one the pages, the templates or the messages really say."""
    sources = [*(ROOT / "service").rglob("*.html"), *(ROOT / "service").rglob("*.py"), *(ROOT / "ballots").glob("*.py"),
               *(ROOT / "service" / "campaigns" / "templates").glob("*.json")]
    text = "\n".join(f.read_text(encoding="utf-8") for f in sources)
    strings = re.sub(r"[ \t]+", "", re.sub(r"<[^>]+>", "", text))  # a label as it shows: without the markup in it
    missing = {md.name: [label for label in re.findall(r"「(.+?)」", md.read_text(encoding="utf-8"))
                         if re.sub(r"[ \t]+", "", label) not in strings]
               for md in MANUALS.glob("*.md")}
    assert {k: v for k, v in missing.items() if v} == {}
