"""The web shell: health, languages, security headers, the OpenAPI document."""

from aiohttp.test_utils import TestClient

from tests.support.web import login


async def test_healthz_answers_ok(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_pages_carry_security_headers(client: TestClient) -> None:
    response = await client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Server"] == "gongtiao"  # no Python or aiohttp version for a scanner


async def test_the_login_page_is_chinese_by_default_and_english_on_request(client: TestClient) -> None:
    page = await (await client.get("/login")).text()
    assert "登录" in page and 'lang="zh-CN"' in page
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    response = await client.post("/lang", data={"locale": "en", "next": "/login", "_csrf": token})
    assert response.status == 200
    page = await response.text()
    assert "Log in" in page and 'lang="en"' in page


async def test_the_dashboard_needs_a_login_and_then_shows_the_agency(client: TestClient) -> None:
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")
    await login(client, "liaison_ps01")
    page = await (await client.get("/")).text()
    assert "工作台" in page and "派出所" in page


async def test_session_cookie_is_httponly_and_lax(client: TestClient) -> None:
    page = await (await client.get("/login")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    response = await client.post(
        "/login",
        data={"username": "liaison_ps01", "password": "gongtiao-demo", "_csrf": token},
        allow_redirects=False,
    )
    cookie = response.cookies["gt_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_openapi_document_describes_the_api(client: TestClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    doc = await response.json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/users" in doc["paths"] and "post" in doc["paths"]["/api/v1/users"]
    body_ref = doc["paths"]["/api/v1/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body_ref["$ref"].rsplit("/", 1)[1]
    assert doc["components"]["schemas"][name]["additionalProperties"] is False
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"], f"{method} {path} has no summary"


async def test_query_parameters_are_documented_as_callers_send_them(client: TestClient) -> None:
    # GET /api/v1/meetings takes ?from=&to= (Python names them start and end): the document says so.
    doc = await (await client.get("/api/v1/openapi.json")).json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/meetings"]["get"]["parameters"]}
    assert {"from", "to"} <= set(params) and not {"start", "end"} & set(params)
    assert params["from"]["schema"], "the parameter's schema is found under its alias too"
