"""schemathesis (from PyPI) against the live app's own /api/openapi.json: every /api/v1 operation,
with an admin API key and with no key, valid and invalid requests: no 5xx, and every response is one
the document lists for the operation, of its content type, matching its schema (headers too).

The database holds a closed campaign with a round of every section type, 12 ballots cast and
counted, its checkpoint signed and a batch, so half the requests name objects that exist and the
results, comments, composite, checkpoints and verification answer with their documented bodies;
the rest, like any client's typo, get the 404 the
document lists. Derandomised (hypothesis's fixed seed): CI sees the same requests every run."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service import load_features
from service.core.api import REGISTRY

load_features()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
OPERATIONS = [(d.method, d.rule) for d in REGISTRY]
EXAMPLES = 12  # per operation, key and mode: enough to reach each refusal, few enough for a quick suite


def _path(rule: str) -> str:
    import re
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


@pytest.fixture
def world(app, client, closed_round, make_key, make_user):
    """Real objects the generated path parameters are drawn from half the time."""
    full_campaign = closed_round
    batch = _batches(client, full_campaign, make_key)[-1]
    make_user("viewer")
    make_key("results", name="a key to revoke")
    admin = make_key("admin", name="schemathesis")
    ids = {
        "campaign_id": [full_campaign.id],
        "round_id": [full_campaign.round],
        "part_id": [full_campaign.groups[0], full_campaign.people[3], full_campaign.round,
                    *full_campaign.sections.values()],
        "batch_id": [batch],
        "user_id": [u["id"] for u in client.get("/api/v1/users", headers=admin).json],
        # never the key the test calls with: revoking it would leave nothing but 401s to see
        "key_id": [k["id"] for k in client.get("/api/v1/api-keys", headers=admin).json if k["name"] != "schemathesis"],
        "objection_id": [1],
    }
    return type("World", (), {"admin": admin, "ids": ids, "campaign": full_campaign})


def _batches(client, full_campaign, make_key):
    from tests.conftest import issue_tokens
    issue_tokens(client.application, full_campaign.id, full_campaign.round, full_campaign.groups[0], 3)
    return [b["id"] for b in client.get(f"/api/v1/campaigns/{full_campaign.id}/batches",
                                        headers=make_key("organise")).json]


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def _run(api_schema, world, method, rule, headers, mode):
    operation = api_schema[_path(rule)][method]

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def check(case, data):
        for name in case.path_parameters or {}:
            real = world.ids.get(name)
            if real and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(real), label=name)
        case.call_and_validate(headers=headers, checks=CHECKS)
    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "rule"), OPERATIONS, ids=[f"{m} {r}" for m, r in OPERATIONS])
def test_with_an_admin_key(api_schema, world, method, rule, mode):
    _run(api_schema, world, method, rule, world.admin, mode)


@pytest.mark.parametrize(("method", "rule"), OPERATIONS, ids=[f"{m} {r}" for m, r in OPERATIONS])
def test_with_no_key(api_schema, world, method, rule):
    _run(api_schema, world, method, rule, {}, GenerationMode.POSITIVE)
