"""One registry of errors (service.core.errors.REGISTRY): every code is declared once, with its
status, English message, Chinese sentence and when it is given; the API document, docs/api.md and
the pages all read it."""
from __future__ import annotations

import ast

import pytest

from scripts.api_table import ERRORS_HEAD, error_rows, table
from service import load_features
from service.core import errors
from service.web.messages import error_lines
from tests.conftest import ROOT

load_features()
SOURCES = sorted((ROOT / "service").rglob("*.py")) + sorted((ROOT / "ballots").rglob("*.py"))


def _calls():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                yield path, node


def test_no_call_names_a_code_in_a_string():
    """A code is a class of the registry: never `Conflict(..., code="x")` at a call site."""
    classes = {cls.__name__ for cls in errors.REGISTRY.values()}
    built = [(p, n) for p, n in _calls() if (getattr(n.func, "id", None) or getattr(n.func, "attr", None)) in classes]
    assert len(built) > 50  # the walk sees the service's refusals
    found = [f"{p.relative_to(ROOT)}:{n.lineno}" for p, n in built if any(k.arg == "code" for k in n.keywords)]
    assert found == []
    with pytest.raises(TypeError):
        errors.Conflict("a refusal", code="window_open")  # nor can one be built that way


def test_every_code_the_domain_gives_is_declared():
    """TransitionRefused carries a code (its fourth argument) that the service turns into a class."""
    codes = set()
    for _, node in _calls():
        if getattr(node.func, "id", None) == "TransitionRefused" and len(node.args) > 3:
            codes.add(node.args[3].value)
    assert {"not_ready", "not_confirmed", "publicity_not_ended", "backdated_without_reason",
            "window_already_over"} <= codes
    assert sorted(codes - set(errors.REGISTRY)) == []
    assert "invalid_transition" in errors.REGISTRY  # the code a refusal carries by default


def test_each_class_declares_its_own_code_sentence_and_when():
    for code, cls in errors.REGISTRY.items():
        assert cls.code == code
        assert 400 <= cls.status < 600
        assert cls.message, code
        assert cls.zh is None or any("\u4e00" <= c <= "\u9fff" for c in cls.zh), code
        assert cls.when, code
        assert errors.GENERIC.get(cls.status), f"{code}: no class stands for status {cls.status}"


def test_a_code_declared_twice_or_without_its_sentence_fails_at_import():
    with pytest.raises(TypeError, match="declared twice"):
        type("Again", (errors.Conflict,), {"code": "window_open", "zh": None, "when": "x"})
    with pytest.raises(TypeError, match="must declare its own zh"):
        type("Silent", (errors.Conflict,), {"code": "silent_new_code", "when": "x"})
    assert "silent_new_code" not in errors.REGISTRY


def test_docs_api_lists_every_code_as_the_registry_does():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    start, end = table(text, ERRORS_HEAD)
    assert text[start:end] == error_rows(), "rewrite it: .venv/bin/python scripts/api_table.py"
    assert text[start:end].count("\n") + 1 == len(errors.REGISTRY)


def test_the_openapi_document_gives_every_status_the_api_can_answer(client):
    api_statuses = {str(c.status) for c in errors.REGISTRY.values() if c.api and c.status != 405}
    assert {"429", "503", "409", "422"} <= api_statuses
    document = client.get("/api/openapi.json").json
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            listed = {s for s in op["responses"] if s[0] in "45"}
            assert listed == api_statuses, f"{method} {path}"
    cast = document["paths"]["/ballots:cast"]["post"]["responses"]
    assert "pool_exhausted" in cast["503"]["description"] and "ballot_used" in cast["409"]["description"]


def test_a_page_says_the_sentence_the_registry_declares():
    from service.publication.errors import WindowOpen
    refusal = WindowOpen("the publicity window runs until 2026-12-08", {"ends_on": "2026-12-08"})
    assert error_lines(refusal) == ["公示期到 2026-12-08 结束，结束后才能确定最终名单"]
    from service.voting.errors import BallotUsed
    assert error_lines(BallotUsed()) == ["此选票已经使用，不能再次投票或修改"]


@pytest.mark.parametrize("code", ["ballot_used", "ballot_voided", "voting_not_open", "voting_closed"])
def test_the_voters_page_shows_the_registrys_heading(client, code):
    """The ballot page's refusal is the registry's: its status and its voter heading."""
    from service.voting import pages
    with client.application.test_request_context("/vote"):
        body, status = pages._status(code)
    cls = errors.of(code)
    assert status == cls.status == 409
    assert f"<h1>{cls.voter[0]}</h1>" in body and cls.voter[1] in body
