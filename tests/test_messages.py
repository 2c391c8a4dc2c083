"""Chinese everywhere a person reads: every message the schemas, the operations and the domain
can produce has Chinese text on the pages, every error code has its Chinese sentence, every
event is named in words, and every problem a voter can meet has its English too.

The messages are found by reading the source (every error raised or built, with its literal or
f-string message, its code and the messages in its details) and by asking every field and
validator of every schema for the messages it gives, so a new message without Chinese fails here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from marshmallow import Schema, ValidationError

from service import load_features
from service.campaigns.operations import PART_NAMES
from service.core.errors import REGISTRY
from service.web import messages as M
from service.web.i18n import PROBLEMS_EN
from tests.conftest import ROOT
from tests.conftest import schemas as _schemas

S = _schemas()

CJK = re.compile(r"[\u4e00-\u9fff]")
SOURCES = sorted((ROOT / "service").rglob("*.py")) + [ROOT / "ballots" / n for n in ("lifecycle.py", "publicity.py")]
load_features()
# Every declared error class, and the two exceptions a refusal is built from.
ERRORS = {cls.__name__ for cls in REGISTRY.values()} | {"ValidationError", "TransitionRefused"}
SAMPLE = "7"


def _text(node) -> str | None:
    """A literal, or an f-string with each hole filled by a sample value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else SAMPLE for v in node.values)
    return None


def _list_texts(node):
    """Strings inside lists in a details dict: the per-field messages."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.List):
            for element in sub.elts:
                text = _text(element)
                if text is not None:
                    yield text


def _class_codes() -> dict:
    """Error classes by name, with the code each declares."""
    codes = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for _, code, _ in _class_messages(node, path):
                    codes[node.name] = code
    return codes


def raised() -> list[tuple[str, str | None, str]]:
    """(message, code, where) for every error the source builds; a class's own code counts."""
    out, class_codes = [], _class_codes()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") in ERRORS for b in node.bases):
                out += _class_messages(node, path)
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERRORS:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            args = node.args[2:] if name == "TransitionRefused" else node.args
            code = next((k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)),
                        _text(args[1]) if name == "TransitionRefused" and len(args) > 1 else class_codes.get(name))
            if args and _text(args[0]) is not None:
                out.append((_text(args[0]), code, where))
            elif name != "TransitionRefused" or not args:
                out.append(("", code, where))
            for k in node.keywords:
                if k.arg == "details":
                    out += [(t, None, where) for t in _list_texts(k.value)]
            for a in node.args[1:]:
                out += [(t, None, where) for t in _list_texts(a)]
    return out


def _class_messages(node, path):
    values = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets[0].elts if isinstance(stmt.targets[0], ast.Tuple) else stmt.targets
            vals = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
            for t, v in zip(targets, vals):
                if isinstance(t, ast.Name):
                    values[t.id] = _text(v)
    if "code" not in values:
        return []
    return [(values.get("message") or "", values["code"], f"{path.relative_to(ROOT)}:{node.lineno}")]


def schema_messages() -> set[str]:
    """Every message a field or validator of a schema gives for bad input."""
    found = {"Unknown field.", "Invalid input type."}
    classes = [v for v in vars(S).values() if isinstance(v, type) and issubclass(v, Schema)]
    for cls in classes:
        for field in cls().fields.values():
            found |= _field_messages(field)
    return found


def _field_messages(field) -> set[str]:
    found = {m for m in field.error_messages.values() if "{" not in m}
    inner = getattr(field, "inner", None)
    if inner is not None:
        found |= _field_messages(inner)
    for validator in field.validators:
        for bad in ("", "x" * 10000, -10**9, 10**9, "__not_a_choice__", "\n"):
            try:
                if validator(bad) is False:
                    found.add("Invalid value.")
            except ValidationError as exc:
                found |= set(exc.messages if isinstance(exc.messages, list) else [str(exc.messages)])
            except TypeError:
                pass
    return found


def test_every_schema_message_reads_in_chinese():
    missing = sorted(m for m in schema_messages() if not M.zh(m))
    assert missing == []


def test_every_error_the_code_builds_reads_in_chinese():
    missing = []
    for message, code, where in raised():
        if code is not None and code not in REGISTRY:
            missing.append(f"{where}: code {code} is not declared")
        elif (code is None or REGISTRY[code].zh is None) and message and not CJK.search(message) \
                and not M.zh(message):
            missing.append(f"{where}: {message!r}")
    assert missing == []


def test_the_catalogue_renders_what_it_names():
    """Spot checks that a translation keeps the numbers and names the English carried."""
    assert M.zh("png and svg hold one ballot: size must be 1") == "PNG 和 SVG 只能生成一张选票：张数须为 1"
    assert M.zh("min must be below max") == "最低分必须小于最高分"
    assert M.zh("some rows are invalid; nothing was imported") == "部分行有误，未导入任何对象"
    assert M.zh("at most 5000 rows per file") == "每个文件最多 5000 行"
    assert M.zh("Length must be between 1 and 200.") == "须填写，且不能超过 200 个字"
    assert M.zh("Length must be between 2 and 64.") == "长度须在 2 至 64 之间"
    assert M.flatten({"scopes": ["Length must be between 1 and 6."]}) == ["权限范围：请选择 1 至 6 项"]
    assert M.flatten({"username": ["String does not match expected pattern."]}) == \
        ["用户名：格式不正确（2–64 位英文字母、数字或 _ . @ -）"]
    assert M.zh("not in this campaign: [3, 4]") == "不属于本活动：[3, 4]"
    assert M.zh("Must be one of: a, b.") == "取值须为以下之一：a、b"
    assert M.zh("Must be one of: organisation, person.") == "取值须为以下之一：组织、个人"


def test_every_event_is_named_in_words():
    actions = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "insert_event" and len(node.args) >= 3:
                arg = node.args[2]
                if isinstance(arg, ast.JoinedStr):
                    suffix = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                    actions |= {name + suffix for name in PART_NAMES.values()}
                elif _text(arg):
                    actions.add(_text(arg))
    assert len(actions) > 20
    missing = sorted(a for a in actions if a not in M.EVENTS)
    assert missing == []
    line = M.event_text({"actor": "user:zuzhibu", "action": "batch.printed", "details": {"batch_id": 3}})
    assert line == "zuzhibu：打印第 3 批选票" and "batch" not in line


def test_every_problem_a_voter_meets_has_its_english():
    tree = ast.parse((ROOT / "ballots" / "forms.py").read_text(encoding="utf-8"))
    codes = {n.args[1].value for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "attr", "") == "add" and len(n.args) > 1 and isinstance(n.args[1], ast.Constant)}
    assert codes and codes <= set(PROBLEMS_EN), codes - set(PROBLEMS_EN)


@pytest.mark.parametrize("message", ["Not a valid integer.", "Missing data for required field."])
def test_known_messages_are_not_echoed(message):
    assert CJK.search(M.zh(message))


def test_fields_read_as_their_labels():
    assert M.flatten({"weight": ["Not a valid number."], "config": {"max": ["min must be below max"]}}) == \
        ["权重：不是有效的数字", "最高分：最低分必须小于最高分"]
    assert Path(M.__file__).name == "messages.py"


def test_a_list_items_error_counts_from_one_and_an_imports_rows_as_rows():
    from service.web.messages import flatten
    lines = flatten({"scopes": {0: ["Must be one of: results, turnout."]}})
    assert len(lines) == 1 and "第 1 项：" in lines[0] and "第 0" not in lines[0]
    assert flatten({"2": {"name": ["Shorter than minimum length 1."]}}, rows=True) == ["第 2 行：名称：不能为空"]
