"""The API reference (/api/docs, issue 12): swagger-ui from the service's own copy renders the
OpenAPI document, lists the /api/v1 operations and expands one to its responses, with no console
error, no CSP violation, and not one request to any origin but the service's own."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RESULTS = "/campaigns/{campaign_id}/rounds/{round_id}/results"
CAST = "/ballots:cast"
# Recorded in the page before any of its own scripts runs (an init script, outside the page's CSP).
LISTEN = """window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));"""


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_api_reference_renders_from_the_services_own_copy(request, device, live_server, shots):
    page = request.getfixturevalue(device)
    seen, foreign, console = [], [], []

    def only_our_origin(route):
        url = route.request.url
        seen.append(url)
        if url == live_server or url.startswith(live_server + "/"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()
    page.route("**/*", only_our_origin)
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "assert") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.add_init_script(LISTEN)

    page.goto(live_server + "/api/docs")
    expect(page).to_have_title("API 参考 · 评议")
    expect(page.get_by_role("heading", name="API 参考", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="返回管理后台")).to_have_attribute("href", "/admin/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Pingyi")
    results = page.locator(f".opblock-get:has([data-path='{RESULTS}'])")
    cast = page.locator(f".opblock-post:has([data-path='{CAST}'])")
    expect(results).to_be_visible()
    expect(cast).to_be_visible()
    assert page.locator(".opblock").count() >= 40  # every operation, not one tag of them
    results.locator(".opblock-summary").first.click()
    answers = results.locator(".responses-table .response")
    expect(answers.first).to_be_visible()
    codes = [c.strip() for c in results.locator(".responses-table td.response-col_status").all_inner_texts()]
    assert {"200", "401", "403", "404", "422"} <= set(codes), codes
    shots(page, f"api-docs-{device}")

    assert foreign == []
    assert any(u.endswith("/api/openapi.json") for u in seen)
    assert any("/api/docs/assets/swagger-ui-bundle.js" in u for u in seen)
    assert console == []
    assert page.evaluate("window.__violations") == []
    if device == "phone":  # the page itself fits; wide tables scroll inside swagger-ui's boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
