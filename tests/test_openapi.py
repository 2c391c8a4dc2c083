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
