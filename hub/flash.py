"""One-time messages after an action ("Saved.", "Sent to …"), shown on the page a form leads to.

A handler that changed something answers with ``raise flash.redirect(request, "/cases/12",
N_("Saved."))`` (post/redirect/get): the message, already in the reader's language, rides to the
next page in a short-lived cookie signed with the hub's key (so nobody can plant text on a page
through a cookie), and ``hub.templating.render_request`` shows it once, in ``base.html``, and clears
it. Messages are plain text: the template escapes them.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web

from hub.i18n import gettext
from hub.keys import CONFIG
from hub.secrets_util import same, sign

COOKIE = "gt_flash"
MAX_MESSAGES = 4  # a chain of redirects adds to what is waiting; more than this is noise
MAX_CHARS = 300  # each message; a cookie holds about 4 KB


def _secret(request: web.Request) -> str:
    return request.app[CONFIG].secret_key


def encode(secret_key: str, messages: list[str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(messages, ensure_ascii=False).encode()).decode().rstrip("=")
    return f"{body}.{sign(secret_key, 'flash', body)}"


def decode(secret_key: str, value: str) -> list[str]:
    """The messages of a cookie value; none if it is not one the hub signed."""
    body, _sep, mac = value.partition(".")
    if not body or not mac or not same(mac, sign(secret_key, "flash", body)):
        return []
    try:
        found = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError):
        return []
    if not isinstance(found, list):
        return []
    return [m for m in found if isinstance(m, str)][:MAX_MESSAGES]


def pending(request: web.Request) -> list[str]:
    """The messages waiting for this request's page."""
    value = request.cookies.get(COOKIE)
    return decode(_secret(request), value) if value else []


def redirect(request: web.Request, location: str, message: str, **params: Any) -> web.HTTPSeeOther:
    """A 303 to ``location`` that shows ``message`` (an ``N_`` msgid, with ``%(name)s``
    parameters) there, once. Raise what it returns."""
    text = gettext(message) % params if params else gettext(message)
    messages = [*pending(request), text[:MAX_CHARS]][-MAX_MESSAGES:]
    answer = web.HTTPSeeOther(location)
    answer.set_cookie(
        COOKIE,
        encode(_secret(request), messages),
        max_age=300,
        httponly=True,
        samesite="Lax",
        secure=request.app[CONFIG].secure_cookies,
        path="/",
    )
    return answer


def shown(request: web.Request, response: web.StreamResponse) -> None:
    """The page showing the messages has been built: they go."""
    if COOKIE in request.cookies:
        response.del_cookie(COOKIE, path="/")
