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
    # Nor does the service pass a code around as a string outside the errors modules (a dict's
    # .get("duplicate") reads a row, not a code; the domain, which cannot import the service,
    # names its TransitionRefused codes, and the test below holds them to the registry).
    strings = []
    for path, node in _calls():
        if path.name == "errors.py" or "ballots" in path.parts or getattr(node.func, "attr", None) == "get":
            continue
        arguments = [*node.args, *(k.value for k in node.keywords)]
        strings += [f"{path.relative_to(ROOT)}:{node.lineno} {a.value}" for a in arguments
                    if isinstance(a, ast.Constant) and a.value in errors.REGISTRY]
    assert strings == []


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
        assert cls.zh is None or any("\u4e00" <= c <= "\u9fff" for c in cls.zh), code
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
    # Each status's description names the codes the API gives with it (service-wide, not per route).
    assert "ballot_used" in cast["409"]["description"] and "database_unavailable" in cast["503"]["description"]


def test_a_page_says_the_sentence_the_registry_declares():
    from service.publication.errors import WindowOpen
    refusal = WindowOpen("the publicity window runs until 2026-12-08", {"ends_on": "2026-12-08"})
    assert error_lines(refusal) == ["公示期到 2026-12-08 结束，结束后才能确定最终名单"]
    from service.voting.errors import BallotUsed
    assert error_lines(BallotUsed()) == ["此选票已经使用，不能再次投票或修改"]


# What a voter reads, word for word: the registry's voter texts must still say this.
VOTER_PAGES = {
    "invalid_ballot": (404, "无效的选票", "这个二维码或票码不是本系统发出的，或者输入有误。", "重新输入"),
    "ballot_used": (409, "此选票已经使用", "每张选票只能投一次，这张票已投出，无法再次投票或修改。", "回执码"),
    "ballot_voided": (409, "此选票已作废", "该票已由组织者作废（例如遗失后补发）。", None),
    "voting_not_open": (409, "投票尚未开始", "请在组织者宣布开始投票后再扫码。", None),
    "voting_closed": (409, "投票已经结束", "此票不能再使用。", None),
    "not_a_form": (415, "提交的内容无法识别", "选票未投出，票码仍然有效。", None),
    "not_the_ballot_form": (400, "提交的内容无法识别", "选票未投出，票码仍然有效。", None),
    "too_many_requests": (429, "尝试次数过多，请稍后再试。", None, None),
}


@pytest.mark.parametrize("code", sorted(VOTER_PAGES))
def test_the_voters_page_says_what_it_said(client, code):
    from service.voting import pages
    status, heading, text, more = VOTER_PAGES[code]
    with client.application.test_request_context("/vote"):
        body, got = pages._status(errors.of(code))  # as the ballot page calls it, with the class
    assert got == status == errors.of(code).status
    assert f"<h1>{heading}</h1>" in body
    assert text is None or text in body
    assert more is None or more in body
    assert (text is None) == ("<p>" not in body.split("</h1>")[1].split("</section>")[0]), body


def test_an_admin_page_refused_says_the_codes_sentence_not_the_generic_one(app):
    from service.core.errors import _sentence
    from service.publication.errors import WindowOpen
    with app.test_request_context("/admin/"):
        assert _sentence(WindowOpen, 409, "the publicity window runs until 2026-12-08", {"ends_on": "2026-12-08"}) \
            == "公示期到 2026-12-08 结束，结束后才能确定最终名单"
        assert _sentence(errors.NotFound, 404, "The requested URL was not found on the server.", None) is None
        assert _sentence(errors.NotFound, 404, "no such campaign", None) == "找不到该测评活动"  # translated
        assert _sentence(errors.Forbidden, 403, "you lack the permission for this action", None) is None
        assert _sentence(errors.Internal, 500, "internal error", None) is None


def test_the_404_and_403_pages(client, make_user, login):
    import re
    page = client.get("/no/such/page")
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", page.get_data(as_text=True))
    assert page.status_code == 404 and paragraphs[:2] == ["404", "您访问的页面不存在或已被移除。"]
    assert not any("muted" in p for p in re.findall(r"<p[^>]*>", page.get_data(as_text=True))[:3])
    login(make_user("viewer"))
    page = client.get("/admin/users")
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and "<h1>无权访问</h1>" in text and text.count("没有执行此操作的权限") == 1
