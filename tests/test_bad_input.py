"""Bad input on every JSON endpoint: the error format, the right status, and nothing changed."""
from __future__ import annotations

import json

import pytest
from marshmallow import fields

from service import load_features
from service.core.api import REGISTRY
from tests.conftest import schemas

S = schemas()

load_features()  # the routes register as their features load
BODY_ENDPOINTS = [d for d in REGISTRY if d.body is not None]
assert BODY_ENDPOINTS  # an empty parameter set would skip the whole test


@pytest.fixture
def world(client, make_campaign, make_key):
    """A draft campaign with one of every part, and an admin key to reach every endpoint."""
    admin = make_key("admin")
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=admin).json
    users = client.post("/api/v1/users", headers=admin,
                        json={"username": "someone", "password": "0123456789", "role": "viewer"}).json
    keys = client.get("/api/v1/api-keys", headers=admin).json
    rid = c["rounds"][0]["id"]
    ids = {"groups": c["groups"][0]["id"], "subjects": c["subjects"][0]["id"], "rounds": rid,
           "sections": c["rounds"][0]["sections"][0]["id"]}
    return {"admin": admin, "cid": cid, "ids": ids, "user": users["id"], "key": keys[0]["id"], "round": rid}


def url_for(doc, world):
    url = "/api/v1" + doc.rule
    url = url.replace("<int:campaign_id>", str(world["cid"]))
    url = url.replace("<int:user_id>", str(world["user"])).replace("<int:key_id>", str(world["key"]))
    url = url.replace("<int:round_id>", str(world["round"])).replace("<int:batch_id>", "1")
    url = url.replace("<int:objection_id>", "1")
    if "<int:part_id>" in url:
        kind = doc.rule.split("/<int:part_id>")[0].rsplit("/", 1)[-1]
        url = url.replace("<int:part_id>", str(world["ids"][kind]))
    return url


VALID = {
    S.CampaignIn: {"title": "t"}, S.CampaignPatch: {"title": "t"},
    S.GroupIn: {"name": "n", "weight": 1}, S.SubjectIn: {"name": "n", "kind": "person"},
    S.RoundIn: {"title": "r", "kind": "evaluation"},
    S.SectionIn: {"round_id": 1, "type": "text", "title": "t"},
    S.TransitionIn: {"to": "announced"},
    S.FromTemplateIn: {"template": "party-members"}, S.CopyIn: {"title": "t"}, S.MoveIn: {"direction": "down"},
    S.UserIn: {"username": "abc", "password": "0123456789", "role": "viewer"},
    S.UserPatch: {"role": "viewer"},
    S.ApiKeyIn: {"name": "n", "scopes": ["results"]},
    S.BatchIn: {"round_id": 1, "group_id": 1, "size": 3},
    S.VoidCodeIn: {"code": "0001-AAAA"},
    S.HandoutIn: {"voter_ref": "20261234", "group_id": 1},
    S.TokenIn: {"token": "0001-0000-0000-0000-0000-0000-0000"},
    S.CastIn: {"token": "0001-0000-0000-0000-0000-0000-0000", "answers": {}},
    S.CodeIn: {"code": "0001-0000-0000-0000-0000-0000-0000"},
    S.EntryIn: {"code": "0001-0000-0000-0000-0000-0000-0000", "answers": {}},
    S.DecisionIn: {"code": "0001-0000-0000-0000-0000-0000-0000", "spoiled": "票面有署名"},
    S.PublicationIn: {"honourees": [{"name": "王丽华"}]},
    S.ConfirmIn: {"honouree_ids": []},
    S.ObjectionAnswerIn: {"status": "rejected", "reply": "经核实，意见不成立。"},
    S.SourceScoreIn: {"subject_id": 1, "source": "leaders", "score": 80},
}


def wrong_value(field):
    if isinstance(field, (fields.String, fields.Date, fields.DateTime)):
        return 12345
    if isinstance(field, (S.StrictInteger, S.StrictFloat)):
        return "12"
    if isinstance(field, S.StrictBoolean):
        return "true"
    if isinstance(field, fields.List):
        return "not a list"
    if isinstance(field, (fields.Dict, fields.Nested)):
        return [1, 2]
    raise AssertionError(f"no wrong value for {field!r}")


def test_every_body_schema_has_a_valid_sample():
    assert {d.body for d in BODY_ENDPOINTS} <= set(VALID)
    for schema, sample in VALID.items():
        schema().load(sample)  # the samples are valid, so each mutation below is the only fault


@pytest.mark.parametrize("doc", BODY_ENDPOINTS, ids=lambda d: f"{d.method} {d.rule}")
def test_bad_bodies_are_refused_and_change_nothing(client, app, world, fingerprint, doc):
    url, h = url_for(doc, world), world["admin"]
    send = lambda **kw: client.open(url, method=doc.method, headers=h, **kw)  # noqa: E731
    before = fingerprint()

    def expect(resp, status, code):
        assert resp.status_code == status, (resp.status_code, resp.json)
        err = resp.json["error"]
        assert err["code"] == code and err["message"] and isinstance(err["details"], dict)

    expect(send(data="{not json", content_type="application/json"), 400, "malformed_json")
    expect(send(data="[" * 100000, content_type="application/json"), 400, "malformed_json")
    expect(send(data='{"a": 1, "a": 2}', content_type="application/json"), 400, "malformed_json")
    expect(send(data=b"\xff\xfe", content_type="application/json"), 400, "malformed_json")
    expect(send(data='["a list"]', content_type="application/json"), 422, "validation_failed")
    expect(send(data="title=x", content_type="application/x-www-form-urlencoded"), 415,
           "unsupported_media_type")
    limit = app.config["SETTINGS"].json_max_bytes
    big = json.dumps({**VALID[doc.body], "description": "长" * limit})
    expect(send(data=big, content_type="application/json"), 413, "payload_too_large")

    sample = dict(VALID[doc.body])
    if "round_id" in sample:
        sample["round_id"] = world["round"]
    r = send(json={**sample, "surprise": 1})
    expect(r, 422, "validation_failed")
    assert "surprise" in r.json["error"]["details"]["fields"]

    for name, field in doc.body().fields.items():
        if field.dump_only:
            continue
        r = send(json={**sample, name: wrong_value(field)})
        expect(r, 422, "validation_failed")
        assert name in json.dumps(r.json["error"]["details"]["fields"]), name
    for name, field in doc.body().fields.items():
        if isinstance(field, fields.String) and not field.dump_only:
            for bad in ("a\u0000b", "bell\u0007"):
                r = send(json={**sample, name: bad})
                expect(r, 422, "validation_failed")
                assert name in json.dumps(r.json["error"]["details"]["fields"]), name
    for name, field in doc.body().fields.items():
        if field.required:
            r = send(json={k: v for k, v in sample.items() if k != name})
            expect(r, 422, "validation_failed")
            assert name in r.json["error"]["details"]["fields"]
    assert fingerprint() == before


def test_nested_rules_and_section_configs_are_checked(client, world, fingerprint):
    h, cid = world["admin"], world["cid"]
    before = fingerprint()
    cases = [
        ("patch", f"/api/v1/campaigns/{cid}", {"rules": {"pass_line": 1.5}}, "pass_line"),
        ("patch", f"/api/v1/campaigns/{cid}", {"rules": {"majority": {"threshold": "most", "base": "valid"}}},
         "threshold"),
        ("patch", f"/api/v1/campaigns/{cid}", {"rules": {"quorum": {"share": 0.5}}}, "base"),
        ("post", f"/api/v1/campaigns/{cid}/sections",
         {"round_id": world["round"], "type": "choose", "title": "x", "config": {}}, "max_choices"),
        ("post", f"/api/v1/campaigns/{cid}/sections",
         {"round_id": world["round"], "type": "rating", "title": "x",
          "config": {"caps": [{"option": "卓越", "max_share": 0.3}]}}, "caps"),
        ("post", f"/api/v1/campaigns/{cid}/sections",
         {"round_id": world["round"], "type": "score", "title": "x", "config": {"min": 100, "max": 0}}, "max"),
        ("post", f"/api/v1/campaigns/{cid}/sections",
         {"round_id": world["round"], "type": "text", "title": "x", "config": {"max_length": 500, "x": 1}}, "x"),
        ("post", f"/api/v1/campaigns/{cid}/sections",
         {"round_id": 999999, "type": "text", "title": "x"}, None),
        ("post", f"/api/v1/campaigns/{cid}/groups", {"name": "x", "weight": -1}, "weight"),
        ("post", f"/api/v1/campaigns/{cid}/groups", {"name": "x", "weight": True}, "weight"),
        ("post", f"/api/v1/campaigns/{cid}/subjects", {"name": "x", "kind": "robot"}, "kind"),
        ("post", "/api/v1/campaigns", {"title": ""}, "title"),
        ("post", "/api/v1/users", {"username": "a b", "password": "0123456789", "role": "viewer"}, "username"),
        ("post", "/api/v1/users", {"username": "bob\n", "password": "0123456789", "role": "viewer"}, "username"),
        ("patch", f"/api/v1/users/{world['user']}", {"display_name": "x\u0000"}, "display_name"),
        ("post", f"/api/v1/campaigns/{cid}/sections",
         {"round_id": world["round"], "type": "rating", "title": "x", "config": {"criteria": ["a\u0000"]}},
         "criteria"),
        ("post", f"/api/v1/campaigns/{cid}/groups", {"name": "x", "weight": 1, "criteria": "\u0000"}, "criteria"),
        ("post", "/api/v1/users", {"username": "ab", "password": "short", "role": "viewer"}, "password"),
        ("post", "/api/v1/api-keys", {"name": "x", "scopes": ["everything"]}, "scopes"),
    ]
    for method, url, body, field in cases:
        r = getattr(client, method)(url, json=body, headers=h)
        if field is None:
            assert r.status_code == 404, r.json
        else:
            assert r.status_code == 422, (url, body, r.json)
            assert field in json.dumps(r.json["error"]["details"]), (field, r.json)
    assert fingerprint() == before


def test_unknown_routes_and_methods_answer_in_the_error_format(client, world):
    r = client.get("/api/v1/nowhere", headers=world["admin"])
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.put("/api/v1/campaigns", headers=world["admin"], json={})
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= {"GET", "POST"}
    page = client.delete("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"] and "<html" in page.get_data(as_text=True)


def test_oversized_bodies_without_a_declared_length_and_oversized_pages(gunicorn_server, settings, make_key,
                                                                         fingerprint, client, make_user, login):
    """A chunked JSON body (no Content-Length) is capped as it is read; a page's form post over
    the upload limit gets the Chinese 413 page. Nothing changes either way."""
    import http.client
    import urllib.parse
    admin = make_key("admin")
    token = login(make_user("organiser"))
    before = fingerprint()
    host = urllib.parse.urlsplit(gunicorn_server.url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    limit = settings.json_max_bytes
    chunks = [b'{"title": "x", "description": "'] + [b"a" * 8192] * (limit // 8192 + 2) + [b'"}']
    conn.request("POST", "/api/v1/campaigns", body=iter(chunks), encode_chunked=True,
                 headers={**admin, "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    r = conn.getresponse()
    body = json.loads(r.read())
    conn.close()
    assert r.status == 413 and body["error"]["code"] == "payload_too_large", body
    page = client.post("/admin/campaigns", data={"csrf_token": token, "title": "x" * (settings.upload_max_bytes
                                                                                      + 128 * 1024)})
    assert page.status_code == 413 and "内容过大" in page.get_data(as_text=True)
    assert fingerprint() == before
