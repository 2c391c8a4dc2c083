"""Every route is guarded: the test walks the URL map, so a new route without a
permission, or one that answers strangers, fails here."""
from __future__ import annotations

import re

import pytest

from service.accounts.auth import BALLOT_TOKEN, ROLES, SCOPES, SIGNED_IN

# Routes meant for everyone. Anything else must name a permission.
PUBLIC = {"/", "/audit/key", "/login", "/logout", "/c/<int:campaign_id>", "/healthz", "/readyz", "/api/openapi.json",
          "/api/docs", "/api/docs/assets/<name>",  # the API reference: the public document, browsable
          "/static/<path:filename>", "/vote", "/b/<token>", "/B/<token>",
          "/board/<int:round_id>", "/c/<int:campaign_id>/turnout", "/c/<int:campaign_id>/turnout.json",
          "/c/<int:campaign_id>/publicity",
          # the embeddable widgets (service/embeds/widgets.py): public data, framed by other sites
          "/embed/campaigns/<int:campaign_id>/rounds/<int:round_id>/turnout",
          "/embed/campaigns/<int:campaign_id>/rounds/<int:round_id>/turnout.json",
          "/embed/campaigns/<int:campaign_id>/rounds/<int:round_id>/results", "/embed/campaigns/<int:campaign_id>/publicity"}


def _url(rule):
    return re.sub(r"<(?:any\(([^)]*)\):)?(?:\w+:)?(\w+)>",
                  lambda m: m.group(1).split(",")[0].strip() if m.group(1) else "1", rule.rule)


def _routes(app, prefix, ballot_token_routes=False):
    """Routes under prefix; those authorised by a ballot token (voters) only when asked for."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            by_token = getattr(app.view_functions[rule.endpoint], "required_permission", None) == BALLOT_TOKEN
            if by_token != ballot_token_routes:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_route_is_public_by_list_or_names_a_permission(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule not in PUBLIC and not getattr(view, "required_permission", None):
            unguarded.append(rule.rule)
    assert unguarded == []
    assert len(list(_routes(app, "/api/v1/"))) >= 25


def test_api_refuses_anonymous_callers(app, client):
    for rule, method in _routes(app, "/api/v1/"):
        r = client.open(_url(rule), method=method, json={})
        assert r.status_code == 401, (method, rule.rule, r.status_code)
        assert r.json["error"]["code"] == "unauthorized"


def test_ballot_token_routes_refuse_missing_and_forged_tokens(app, client):
    routes = list(_routes(app, "/api/v1/", ballot_token_routes=True))
    assert {r.rule for r, _ in routes} == {"/api/v1/ballots:open", "/api/v1/ballots:cast"}
    for rule, method in routes:
        r = client.open(_url(rule), method=method, json={})
        assert r.status_code == 422 and "token" in r.json["error"]["details"]["fields"]
        body = {"token": "0001-0000-0000-0000-0000-0000-0000"}
        if rule.rule.endswith(":cast"):
            body["answers"] = {}
        r = client.open(_url(rule), method=method, json=body)
        assert r.status_code == 404 and r.json["error"]["code"] == "invalid_ballot"


def test_api_refuses_unknown_and_revoked_keys(app, client, make_key):
    headers = make_key("admin")
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    admin = client.get("/api/v1/api-keys", headers=headers).json
    client.delete(f"/api/v1/api-keys/{admin[0]['id']}", headers=headers)
    for h, code in ((headers, "api_key_revoked"), ({"Authorization": "Bearer pgy_forged"}, "unauthorized"),
                    ({"Authorization": "Basic abc"}, "unauthorized")):
        r = client.get("/api/v1/campaigns", headers=h)
        assert r.status_code == 401 and r.json["error"]["code"] == code


def test_api_refuses_keys_without_the_scope(app, client, make_key):
    checked = 0
    for rule, method in _routes(app, "/api/v1/"):
        needed = app.view_functions[rule.endpoint].required_permission
        if needed == SIGNED_IN:
            continue  # any key will do (test_every_key_and_role_may_ask_who_it_is)
        scope = next(s for s, perms in SCOPES.items() if needed not in perms)
        r = client.open(_url(rule), method=method, json={}, headers=make_key(scope))
        assert r.status_code == 403, (method, rule.rule, scope, r.status_code)
        assert r.json["error"]["code"] == "forbidden" and r.json["error"]["details"]["required"] == needed
        checked += 1
    assert checked >= 25


def test_api_refuses_signed_in_users_of_the_wrong_role(app, client, make_user, login):
    signed_in, token, refused = None, None, 0
    for rule, method in _routes(app, "/api/v1/"):
        needed = app.view_functions[rule.endpoint].required_permission
        lacking = [role for role, perms in ROLES.items() if needed not in perms and needed != SIGNED_IN]
        if not lacking:
            continue  # every role may (reading campaigns, for instance)
        if signed_in != lacking[0]:
            signed_in, token = lacking[0], login(make_user(lacking[0]))
        r = client.open(_url(rule), method=method, json={}, headers={"X-CSRF-Token": token})
        assert r.status_code == 403, (method, rule.rule, signed_in, r.status_code)
        # refused for the role, not for a CSRF slip (which is a 403 too)
        assert r.json["error"]["code"] == "forbidden" and r.json["error"]["details"]["required"] == needed
        refused += 1
    assert refused >= 20


def test_session_callers_of_the_api_need_the_csrf_header(client, make_user, login):
    login(make_user("organiser"))
    r = client.post("/api/v1/campaigns", json={"title": "x"})
    assert r.status_code == 403 and r.json["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("prefix", ["/admin"])
def test_admin_pages_send_strangers_to_sign_in(app, client, prefix):
    for rule, method in _routes(app, prefix):
        r = client.open(_url(rule), method=method)
        if method == "GET":
            assert r.status_code == 302 and "/login" in r.headers["Location"], rule.rule
        else:
            assert r.status_code in (302, 403), rule.rule  # no CSRF token: refused before the view


def test_admin_pages_refuse_the_wrong_role(app, client, make_user, login):
    token = login(make_user("viewer"))
    refused = 0
    for rule, method in _routes(app, "/admin"):
        needed = app.view_functions[rule.endpoint].required_permission
        if needed in ROLES["viewer"]:
            continue
        r = client.open(_url(rule), method=method, data={"csrf_token": token})
        assert r.status_code == 403, (method, rule.rule, r.status_code)
        assert "无权访问" in r.get_data(as_text=True), rule.rule
        assert "表单已过期" not in r.get_data(as_text=True), rule.rule  # refused for the role, not the token
        refused += 1
    assert refused >= 10


def test_every_key_and_role_may_ask_who_it_is(app, client, make_key, make_user, login):
    """/me needs only a signed-in caller: a turnout screen's key must be able to check itself."""
    routes = [r.rule for r, _ in _routes(app, "/api/v1/")
              if app.view_functions[r.endpoint].required_permission == SIGNED_IN]
    assert routes == ["/api/v1/me"]
    for scope in SCOPES:
        r = client.get("/api/v1/me", headers=make_key(scope, name=f"key {scope}"))
        assert r.status_code == 200 and r.json["kind"] == "key" and r.json["name"] == f"key {scope}"
        assert r.json["permissions"] == sorted(SCOPES[scope])
    for role in ROLES:
        login(make_user(role))
        r = client.get("/api/v1/me")
        assert r.status_code == 200 and r.json["role"] == role
