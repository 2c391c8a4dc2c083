"""The OpenAPI document is generated from the routes and schemas, so it covers every API route."""
from __future__ import annotations

import re


def test_every_api_route_is_documented_and_nothing_else(app, client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_operations_name_their_permission_schemas_and_errors(client):
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]
    op = spec["paths"]["/campaigns"]["post"]
    assert op["x-permission"] == "campaigns:write"
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/CampaignIn"
    assert set(schemas["CampaignIn"]["properties"]) == {"title", "description", "rules"}
    assert schemas["CampaignIn"]["required"] == ["title"]
    assert schemas["CampaignIn"].get("additionalProperties") is False
    assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    for path, ops in spec["paths"].items():
        for method, o in ops.items():
            for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(o).replace("'", '"')):
                assert ref in schemas, (path, method, ref)


def _string_properties(node, path=""):
    """Every string property of the document's schemas (nested ones inlined), by path."""
    if isinstance(node, dict):
        for key, value in (node.get("properties") or {}).items():
            if value.get("type") == "string":
                yield f"{path}.{key}", value
        for key, value in node.items():
            yield from _string_properties(value, f"{path}.{key}" if key != "properties" else path)
    elif isinstance(node, list):
        for item in node:
            yield from _string_properties(item, path)


def test_every_text_field_states_its_pattern_and_keeps_to_it(client):
    """What the schemas refuse with 422 is what the document says: a control character is outside
    every text field's pattern, and a value inside it passes the field's own checks."""
    from service.core.api import REGISTRY
    from service.core.fields import CleanString
    spec = client.get("/api/openapi.json").json
    inputs = {d.body.__name__: d.body for d in REGISTRY if d.body is not None}
    checked = 0
    for name, schema_cls in inputs.items():
        props = spec["components"]["schemas"][name]["properties"]
        for field_name, field in schema_cls().fields.items():
            if field.dump_only or not isinstance(field, CleanString):
                continue
            pattern = props[field_name].get("pattern")
            assert pattern, (name, field_name)
            assert not re.search(pattern, "ab\u0007c") and not re.search(pattern, "a\u0000")
            checked += 1
    assert checked >= 20
    for path, prop in _string_properties(spec["components"]):
        if "pattern" in prop:
            re.compile(prop["pattern"])  # Python reads it as ECMA-262 does (no \Z, no (?P<…>))
            assert "\\Z" not in prop["pattern"], path


def test_the_ballot_code_pattern_is_stated_and_enforced(client, full_campaign):
    spec = client.get("/api/openapi.json").json
    token = spec["components"]["schemas"]["CastIn"]["properties"]["token"]
    assert token["minLength"] == 28 and token["maxLength"] == 84
    assert spec["components"]["schemas"]["TokenIn"]["properties"]["token"]["pattern"] == token["pattern"]
    (code,) = full_campaign.tokens(1)
    from ballots.tokens import grouped
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    for typed in (code, code.lower(), grouped(code), " ".join(grouped(code).split("-")), wide,
                  code.replace("1", "L").replace("0", "O")):
        assert re.match(token["pattern"], typed), typed  # the spellings the parser takes are inside it
        assert client.post("/api/v1/ballots:open", json={"token": typed}).status_code == 200
    for bad in (code + "\u0001", "\u0000" + code, code + "\n", code[:20], code + "!", code.replace(code[5], "U"),
                "0" * 85):
        assert not re.match(token["pattern"], bad) or not 28 <= len(bad) <= 84
        for path in ("/api/v1/ballots:open", "/api/v1/ballots:cast"):
            r = client.post(path, json={"token": bad, "answers": {}} if path.endswith("cast") else {"token": bad})
            assert r.status_code == 422 and "422" in spec["paths"][path[7:]]["post"]["responses"], (bad, r.json)
            assert r.json["error"]["code"] == "validation_failed" and "token" in r.json["error"]["details"]["fields"]
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")  # inside the pattern, not a code of ours: 404
    assert re.match(token["pattern"], forged)
    assert client.post("/api/v1/ballots:open", json={"token": forged}).status_code == 404
    assert "404" in spec["paths"]["/ballots:open"]["post"]["responses"]
    assert client.post("/api/v1/ballots:cast", json={"token": code, "answers": full_campaign.valid}).status_code == 201


def _accepts(schema, data) -> bool:
    from marshmallow import ValidationError

    try:
        schema.load(data)
    except ValidationError:
        return False
    return True


def test_the_stated_patterns_are_what_the_schemas_accept():
    """Any text, the document's verdict and the schema's agree (what schemathesis checks, here
    without a server): inside the pattern is accepted, outside refused."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from marshmallow import ValidationError

    from service.core.fields import CONTROL_FREE, CleanString
    from service.voting.schemas import TOKEN_PATTERN, TokenIn

    field = CleanString()
    token_text = st.from_regex(TOKEN_PATTERN.removesuffix("$(?!\\n)"), fullmatch=True)

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(), token_text, token_text.map(lambda t: t + "\n"),
                     token_text.map(lambda t: t[:5] + "\u0007" + t[5:])))
    def agree(text):
        stated = re.match(TOKEN_PATTERN, text) is not None and 28 <= len(text) <= 84
        assert _accepts(TokenIn(), {"token": text}) == stated
        clean = re.match(CONTROL_FREE, text) is not None
        try:
            field.deserialize(text)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == clean
    agree()


def test_the_api_reference_is_served_from_the_pinned_wheel_under_the_services_policy(client, make_user, login):
    """/api/docs (issue 12): public as the document is, every script and stylesheet from this origin,
    swagger-ui's files the wheel's own bytes, nothing else of its dist folder served."""
    from service.core.api_docs import DIST
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    sources = re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"', html)
    assert "/api/docs/assets/swagger-ui-bundle.js" in sources and "/static/api-docs.js" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # no inline script
    for name, mimetype in (("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css")):
        r = client.get(f"/api/docs/assets/{name}")
        assert r.status_code == 200 and r.mimetype == mimetype, (name, r.mimetype)
        assert r.data == (DIST / name).read_bytes() and r.headers["X-Content-Type-Options"] == "nosniff"
        r.close()  # a file sent whole: the test client leaves it open otherwise
    for other in ("oauth2-redirect.html", "swagger-ui-standalone-preset.js", "..%2F__init__.py", "index.css"):
        assert client.get(f"/api/docs/assets/{other}").status_code == 404, other
    login(make_user("admin"))
    assert 'href="/api/docs"' in client.get("/admin/api-keys").get_data(as_text=True)
