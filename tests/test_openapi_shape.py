"""The API does not change shape when the code moves: paths, methods, parameters, request bodies,
success responses and component schemas equal the snapshot in tests/data/openapi-shape.json
(descriptions and summaries aside); error responses may only be added.

After a deliberate change to the API, rewrite the snapshot with
`.venv/bin/python -m tests.test_openapi_shape` and review its diff."""
from __future__ import annotations

import json
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "data" / "openapi-shape.json"


def shape(document: dict) -> tuple[dict, dict]:
    """(the document without prose and error responses, {path method: its error statuses})."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("description", "summary")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    doc, errors = strip(document), {}
    for path, methods in doc.get("paths", {}).items():
        for method, op in methods.items():
            responses = op.get("responses", {})
            errors[f"{method.upper()} {path}"] = sorted(s for s in responses if s[0] in "45")
            op["responses"] = {s: r for s, r in responses.items() if s[0] not in "45"}
    doc.pop("info", None)
    return doc, errors


def current(client) -> dict:
    return client.get("/api/openapi.json").json


def test_the_api_keeps_its_shape(client):
    want = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    doc, errors = shape(current(client))
    assert doc == want["document"]
    for op, statuses in want["errors"].items():
        assert set(statuses) <= set(errors[op]), op  # error responses may be added, never lost


if __name__ == "__main__":  # rewrite the snapshot
    import secrets
    import tempfile

    from service import create_app
    from service.core.config import Settings
    settings = Settings.from_env({"PINGYI_ENV": "test", "SECRET_KEY": secrets.token_urlsafe(40),
                                  "PINGYI_VAR_DIR": tempfile.mkdtemp()})
    with create_app({"SETTINGS": settings, "TESTING": True}).test_client() as c:
        doc, errors = shape(c.get("/api/openapi.json").json)
    SNAPSHOT.write_text(json.dumps({"document": doc, "errors": errors}, ensure_ascii=False, indent=1,
                                   sort_keys=True) + "\n", encoding="utf-8")
