"""Every route goes through the permission layer: the public ones are exactly these."""

from aiohttp import web

from hub.app import create_app
from hub.config import Config
from hub.routing import ENDPOINTS, Routes

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/lang"),
    ("GET", "/api/v1/openapi.json"),
    # meetings: the invitation link and the subscription feed carry their own key (a token)
    ("GET", "/meetings/{id}/rsvp/{token}"),
    ("POST", "/meetings/{id}/rsvp/{token}"),
    ("GET", "/calendar/{token}.ics"),
    # video mediation: guests have no account; their link, then their per-session cookie, is the key
    ("GET", "/join/{token}"),
    ("POST", "/join/{token}"),
    ("GET", "/mediations/{id}/ws"),
    ("GET", "/mediations/{id}/room"),
    ("GET", "/mediations/{id}/shared/{evidence_id}"),
    ("GET", "/mediations/{id}/minutes.pdf"),
    ("GET", "/mediations/{id}/minutes/confirm"),
    ("POST", "/mediations/{id}/minutes/confirm"),
    # a party's confirmation-only link: the token is the key, to the minutes of one session only
    ("GET", "/minutes/{token}"),
    ("POST", "/minutes/{token}"),
    ("GET", "/minutes/{token}/minutes.pdf"),
}


def test_only_the_listed_routes_are_public(config: Config) -> None:
    app = create_app(config)
    public = {(e.method, e.path) for e in app[ENDPOINTS] if e.permission is None}
    assert public == PUBLIC


def test_every_app_route_was_registered_through_the_permission_layer(config: Config) -> None:
    app = create_app(config)
    declared = {(e.method, e.path) for e in app[ENDPOINTS]}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if path == "/static" or route.method == "HEAD":
            continue
        assert (route.method, path) in declared, f"{route.method} {path} bypasses hub.routing"


def test_a_route_must_declare_a_permission_or_say_it_is_public() -> None:
    routes = Routes()
    try:
        routes.page("GET", "/somewhere")
    except ValueError as exc:
        assert "declare" in str(exc)
    else:
        raise AssertionError("an undeclared route was accepted")
    assert isinstance(web.Application(), web.Application)
