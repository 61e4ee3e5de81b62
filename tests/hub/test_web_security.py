"""Who may do what: anonymous callers, forged forms, and people of another agency."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.config import Config
from hub.web import client_ip
from tests.support.web import login

pytestmark = pytest.mark.pg


async def api_token(client: TestClient, admin: str, username: str) -> str:
    """Create a bearer token through the API as ``admin`` for ``username``."""
    csrf = await login(client, admin)
    users = await (await client.get("/api/v1/users")).json()
    target = next(u for u in users["items"] if u["username"] == username)
    response = await client.post(
        "/api/v1/tokens", json={"user_id": target["id"], "name": "test"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 201, await response.text()
    return (await response.json())["token"]


async def test_an_anonymous_api_call_gets_401_with_the_envelope(client: TestClient) -> None:
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/agencies"):
        response = await client.get(path)
        assert response.status == 401
        body = await response.json()
        assert body["error"]["code"] == "unauthenticated"
        assert body["error"]["message"] == "请先登录。"


async def test_an_anonymous_write_is_refused_too(client: TestClient) -> None:
    response = await client.post("/api/v1/users", json={})
    assert response.status == 401


async def test_a_bad_or_revoked_token_is_refused(client: TestClient) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": "Bearer gt_not-a-real-token"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"


async def test_a_forged_csrf_token_is_rejected(client: TestClient) -> None:
    await login(client, "admin")
    response = await client.post(
        "/api/v1/tokens", json={"user_id": 1, "name": "x"}, headers={"X-CSRF-Token": "forged"}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "csrf_failed"
    form = await client.post("/admin/users", data={"username": "x", "_csrf": "forged"})
    assert form.status == 403
    assert "表单已过期" in await form.text()


async def test_a_form_without_a_csrf_token_is_rejected(client: TestClient) -> None:
    await login(client, "admin")
    response = await client.post("/logout", data={})
    assert response.status == 403


async def test_admin_of_agency_a_is_refused_on_agency_b_people(client: TestClient) -> None:
    token = await api_token(client, "admin", "station_admin_ps01")
    client.session.cookie_jar.clear()
    auth = {"Authorization": f"Bearer {token}"}
    me = await (await client.get("/api/v1/me", headers=auth)).json()
    listing = await (await client.get("/api/v1/users", headers=auth)).json()
    assert {u["agency_id"] for u in listing["items"]} <= {me["agency_id"]} | set(
        await below(client, auth, me)
    )

    await login(client, "admin")
    everyone = (await (await client.get("/api/v1/users")).json())["items"]
    client.session.cookie_jar.clear()
    outsider = next(u for u in everyone if u["username"] == "liaison_ps02")
    response = await client.get(f"/api/v1/users/{outsider['id']}", headers=auth)
    assert response.status == 403
    error = (await response.json())["error"]
    assert error["code"] == "out_of_scope" and "其他单位" in error["message"]
    patch = await client.patch(f"/api/v1/users/{outsider['id']}", json={"active": False}, headers=auth)
    assert patch.status == 403
    create = await client.post(
        "/api/v1/users",
        headers=auth,
        json={
            "username": "intruder",
            "display_name": "入侵者",
            "agency_id": outsider["agency_id"],
            "roles": ["liaison"],
            "password": "long-enough-1",
        },
    )
    assert create.status == 403


async def below(client: TestClient, auth: dict[str, str], me: dict[str, object]) -> list[int]:
    agencies = (await (await client.get("/api/v1/agencies", headers=auth)).json())["items"]
    return [a["id"] for a in agencies if a["parent_id"] == me["agency_id"]]


async def test_a_liaison_may_not_open_admin_pages_or_api(client: TestClient) -> None:
    await login(client, "liaison_ps01")
    assert (await client.get("/api/v1/users")).status == 403
    page = await client.get("/admin/users")
    assert page.status == 403
    assert "没有执行此操作的权限" in await page.text()


async def test_login_attempts_are_rate_limited(client: TestClient) -> None:
    page = await (await client.get("/login")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    statuses = []
    for _ in range(6):
        response = await client.post(
            "/login", data={"username": "liaison_ps01", "password": "wrong-pass", "_csrf": token}
        )
        statuses.append(response.status)
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429
    # Even the right password waits out the window.
    right = await client.post(
        "/login",
        data={"username": "liaison_ps01", "password": "gongtiao-demo", "_csrf": token},
        allow_redirects=False,
    )
    assert right.status == 429
    assert right.headers["Retry-After"].isdigit()  # the HTML page says how long, as the API does


async def test_five_bad_logins_from_elsewhere_do_not_lock_the_owner_out(
    aiohttp_client: Any, config: Config
) -> None:
    client = await aiohttp_client(create_app(config.with_overrides(trust_proxy=True)))
    page = await (await client.get("/login")).text()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    stranger = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(6):
        data = {"username": "admin", "password": "wrong-pass", "_csrf": token}
        await client.post("/login", data=data, headers=stranger)
    refused = await client.post(
        "/login", data={"username": "admin", "password": "wrong-pass", "_csrf": token}, headers=stranger
    )
    assert refused.status == 429
    owner = await client.post(
        "/login",
        data={"username": "admin", "password": "gongtiao-demo", "_csrf": token},
        headers={"X-Forwarded-For": "198.51.100.7"},
        allow_redirects=False,
    )
    assert owner.status == 303


async def test_a_client_cannot_name_its_own_address_without_a_trusted_proxy(config: Config) -> None:
    from aiohttp.test_utils import make_mocked_request

    app = create_app(config.with_overrides(trust_proxy=True, trusted_proxies=("192.0.2.1",)))
    forged = make_mocked_request("GET", "/", headers={"X-Forwarded-For": "10.9.9.9"}, app=app)
    # make_mocked_request's peer is not 192.0.2.1: the header is not believed.
    assert client_ip(forged) != "10.9.9.9"


async def test_secret_links_are_cut_short_in_the_access_log(client, caplog) -> None:  # type: ignore[no-untyped-def]
    token = "ZStFn33EDNEFqfn2yJ8lm3a8RNNVmqFvrvirlOeHaGA"
    with caplog.at_level("INFO", logger="hub.access"):
        await client.get(f"/join/{token}")
        await client.get(f"/calendar/{token}.ics")
        await client.get(f"/minutes/{token}")
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "hub.access")
    assert "/join/ZStFn3…" in logged and "/calendar/ZStFn3….ics" in logged and "/minutes/ZStFn3…" in logged
    assert token not in logged


async def test_the_access_log_gives_each_request_its_real_status(client, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level("INFO", logger="hub.access"):
        redirected = await client.get("/", allow_redirects=False)  # to the login form
        missing = await client.get("/no-such-page")
        fine = await client.get("/healthz")
    assert (redirected.status, missing.status, fine.status) == (303, 404, 200)
    logged = [(r.getMessage(), r.status) for r in caplog.records if r.name == "hub.access"]
    assert logged == [("GET / 303", 303), ("GET /no-such-page 404", 404), ("GET /healthz 200", 200)]
    assert redirected.headers["X-Request-Id"]


async def test_a_password_reset_ends_the_persons_sessions_and_tokens(client: TestClient) -> None:
    admin = {"Authorization": f"Bearer {await api_token(client, 'admin', 'admin')}"}
    victims_token = {"Authorization": f"Bearer {await api_token(client, 'admin', 'liaison_ps02')}"}
    client.session.cookie_jar.clear()
    await login(client, "liaison_ps02")  # the victim's browser session is this client's cookie
    assert (await client.get("/api/v1/me")).status == 200
    assert (await client.get("/api/v1/me", headers=victims_token)).status == 200

    users = await (await client.get("/api/v1/users", headers=admin)).json()
    target = next(u for u in users["items"] if u["username"] == "liaison_ps02")
    reset = await client.patch(
        f"/api/v1/users/{target['id']}", json={"password": "a-new-password-1"}, headers=admin
    )
    assert reset.status == 200, await reset.text()
    assert (await client.get("/api/v1/me")).status == 401
    assert (await client.get("/api/v1/me", headers=victims_token)).status == 401
    assert (await client.get("/api/v1/me", headers=admin)).status == 200  # the admin's own token goes on


async def test_a_bad_token_on_a_document_url_gets_401_not_a_redirect_loop(client: TestClient) -> None:
    # A program with a revoked token used to be sent to /login?next=/login?next=... for ever.
    bad = {"Authorization": "Bearer gt_not-a-real-token"}
    for path in ("/cases/1/agreement.pdf", "/meetings/1.ics", "/login"):
        response = await client.get(path, headers=bad, allow_redirects=False)
        assert response.status == 401, (path, response.status, response.headers.get("Location"))
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="gongtiao"'


async def test_a_person_without_a_session_is_sent_to_login_and_back_with_the_whole_query(
    client: TestClient,
) -> None:
    response = await client.get("/cases?state=sent&page=2", allow_redirects=False)
    assert response.status == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/cases?state=sent&page=2"]}
    await login(client, "liaison_ps01")
    page = await client.get(response.headers["Location"], allow_redirects=False)
    assert page.status == 303 and page.headers["Location"] == "/cases?state=sent&page=2"
