"""Middlewares: request context and language, errors in one envelope, identity, CSRF, headers."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from hub import auth, csrf, i18n, input_limits
from hub.errors import (
    HubError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    NulInText,
    PayloadTooLarge,
    Unauthenticated,
)
from hub.i18n import N_
from hub.keys import CONFIG, CSRF_ANON, DB, LOCALE, LOCALE_CHOSEN, PRINCIPAL, REQUEST_ID
from hub.orm import utcnow
from hub.routing import json_response
from hub.secrets_util import new_token

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("hub.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LANG_COOKIE = "gt_lang"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def client_ip(request: web.Request) -> str:
    """The caller's address; behind a trusted proxy, the address the proxy saw.

    ``X-Forwarded-For`` is believed only from a peer listed in ``GONGTIAO_TRUSTED_PROXIES``
    (loopback by default, where nginx runs): with the setting on and no proxy in front, a client
    cannot name its own address."""
    remote = request.remote or ""
    config = request.app[CONFIG]
    if config.trust_proxy and remote in config.trusted_proxies:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return remote


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


@web.middleware
async def context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id, first guess at the language, and one access-log line per request."""
    request[REQUEST_ID] = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16]
    locale = i18n.normalise(request.cookies.get(LANG_COOKIE))
    if locale is None and request.path.startswith("/api/"):
        locale = i18n.from_accept_language(request.headers.get("Accept-Language"))
    request[LOCALE] = locale or request.app[CONFIG].default_locale
    request[LOCALE_CHOSEN] = locale is not None
    i18n.current_locale.set(request[LOCALE])
    started = time.perf_counter()
    status = 500  # what a handler that raises anything but an HTTP answer ends as
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = request[REQUEST_ID]
        return response
    except web.HTTPException as exc:  # a redirect (or 4xx) raised past the error middleware
        status = exc.status
        exc.headers["X-Request-Id"] = request[REQUEST_ID]
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away before the answer (nginx's code for it)
        raise
    finally:
        principal = request.get(PRINCIPAL)
        access_logger.info(
            "%s %s %s",
            request.method,
            loggable_path(request.path),
            status,
            extra={
                "request_id": request[REQUEST_ID],
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": principal.user_id if principal else None,
            },
        )


# Paths whose last part is a secret (invitation links, calendar feeds, RSVP links): logs keep
# only its first characters, enough to tell two apart, never enough to use one.
_SECRET_PATHS = re.compile(r"^(/join/|/minutes/|/calendar/|/meetings/\d+/rsvp/)([^/.]{6})[^/.]*")


def loggable_path(path: str) -> str:
    return _SECRET_PATHS.sub(r"\1\2…", path)


def error_response(request: web.Request, error: HubError) -> web.StreamResponse:
    locale = request.get(LOCALE, i18n.DEFAULT_LOCALE)
    message = error.text(locale)
    # A client that sent a bearer token is a program, not a person at a login form: it gets its 401.
    # Redirecting it would loop, since the same bad token follows it to /login.
    bearer = "Authorization" in request.headers
    if not is_api(request):
        if isinstance(error, Unauthenticated) and request.method == "GET" and not bearer:
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='/')}")
        from hub.templating import render_request

        response = render_request(request, "error.html", status=error.status, error=error, message=message)
    else:
        body: dict[str, Any] = {"code": error.code, "message": message}
        if error.details is not None:
            body["details"] = error.details
        response = json_response({"error": body}, status=error.status)
    if error.status == 401 and (is_api(request) or bearer):
        response.headers["WWW-Authenticate"] = 'Bearer realm="gongtiao"'
    if error.status == 429 and "seconds" in error.params:
        response.headers["Retry-After"] = str(error.params["seconds"])
    return response


_HTTP_ERRORS: dict[int, type[HubError]] = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HubError as exc:
        return error_response(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kind = _HTTP_ERRORS.get(exc.status)
        if kind is PayloadTooLarge:
            return error_response(request, PayloadTooLarge(limit=request.app[CONFIG].max_body_bytes))
        if kind is not None:
            return error_response(request, kind())
        error = HubError(N_("The request could not be processed."))
        error.status = exc.status  # type: ignore[misc]
        return error_response(request, error)
    except HttpProcessingError as exc:  # a malformed part of a multipart body, read by the handler
        if not 400 <= (exc.code or 0) < 500:
            raise
        return error_response(request, HubError(N_("The request could not be processed.")))
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        logger.exception("unhandled error", extra={"request_id": request.get(REQUEST_ID)})
        return error_response(request, InternalError())


@web.middleware
async def identity_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the principal (bearer token or session cookie); settle the language; check CSRF."""
    # Before anything reads the path or the query: NUL and ids past any column are refused here.
    if "\x00" in request.path:
        raise NulInText()
    input_limits.check_query(request.query.items())
    db = request.app[DB]
    config = request.app[CONFIG]
    now = utcnow()
    principal = None
    authorization = request.headers.get("Authorization", "")
    bearer = authorization.startswith("Bearer ")
    if authorization:
        scheme, _sep, value = authorization.partition(" ")
        if scheme != "Bearer" or not value.strip():
            raise Unauthenticated(N_("Use the header Authorization: Bearer <token>."))
        principal = await auth.principal_from_token(db, value.strip(), now)
        if principal is None:
            raise Unauthenticated(N_("The API token is invalid, expired or revoked."))
    elif key := request.cookies.get(csrf.SESSION_COOKIE):
        principal = await auth.principal_from_session(db, key, now)
    if principal is not None:
        request[PRINCIPAL] = principal
    if principal is not None and not request[LOCALE_CHOSEN]:
        request[LOCALE] = principal.locale if principal.locale in i18n.LOCALES else config.default_locale
        i18n.current_locale.set(request[LOCALE])
    mint_anon = not bearer and principal is None and csrf.ANON_COOKIE not in request.cookies
    if mint_anon:
        request[CSRF_ANON] = new_token(nbytes=16)
    # Cookie-less API calls have no ambient authority to abuse: they get their 401 from the route.
    if not bearer and (principal is not None or not request.path.startswith("/api/")):
        await csrf.check(request, config.secret_key)
    response = await handler(request)
    if mint_anon and request.method == "GET" and not response.prepared:
        response.set_cookie(
            csrf.ANON_COOKIE,
            request[CSRF_ANON],
            httponly=True,
            samesite="Lax",
            secure=config.secure_cookies,
            path="/",
        )
    return response


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Server"] = "gongtiao"  # not aiohttp's default, which names Python's and its own versions
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self)")
    if request.app[CONFIG].secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if "Cache-Control" not in headers and not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
