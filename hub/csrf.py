"""CSRF protection for browsers (synchroniser token tied to the session).

The token is an HMAC of the session key (or, before login, of a random anonymous cookie), so it
changes at login and needs no storage. Forms carry it as ``_csrf``; scripts send ``X-CSRF-Token``.
Requests authenticated by a bearer token carry no ambient authority and need none.
"""

from __future__ import annotations

from aiohttp import web

from hub.errors import CSRFFailed
from hub.keys import CSRF_ANON, PRINCIPAL
from hub.secrets_util import same, sign

SESSION_COOKIE = "gt_session"
ANON_COOKIE = "gt_anon"
FORM_FIELD = "_csrf"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def expected_token(request: web.Request, secret_key: str) -> str | None:
    session_key = request.cookies.get(SESSION_COOKIE)
    if session_key and request.get(PRINCIPAL) is not None:
        return sign(secret_key, "csrf", session_key)
    anon = request.cookies.get(ANON_COOKIE) or request.get(CSRF_ANON)
    return sign(secret_key, "csrf-anon", anon) if anon else None


async def check(request: web.Request, secret_key: str) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = expected_token(request, secret_key)
    sent = request.headers.get(HEADER)
    if sent is None and request.content_type == "multipart/form-data":
        # Uploads are streamed by their handler (and may exceed the body limit of request.post()),
        # so their forms carry the token in the action URL instead: <form action="...?_csrf=...">.
        sent = request.query.get(FORM_FIELD)
    elif sent is None and request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        value = form.get(FORM_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not same(expected, sent):
        raise CSRFFailed()
