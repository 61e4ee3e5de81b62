"""Entity tags and conditional GETs (RFC 9110 8.8.3 and 13.1.2): a client that still holds what
it was given asks again with ``If-None-Match`` and gets ``304 Not Modified`` with no body.

A handler answers through ``respond`` only after its permission checks have passed (the route's
``perm`` and whatever the handler itself checks): a 304 says "what you have is still current",
which is itself information. The tags are strong: the SHA-256 of the body, or of everything the
body is made from (``of``), so equal tags mean equal bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from aiohttp import web

# Calendar clients and API callers keep what they fetched and ask again with its tag; "no-cache"
# lets them keep it (and revalidate every time), "private" keeps it out of shared caches.
REVALIDATE = "private, no-cache"


def of(*parts: bytes | str) -> str:
    """A strong tag for a body, or for the inputs that make it (each part length-prefixed, so
    two different splits never give one tag)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return f'"{digest.hexdigest()[:40]}"'


def matches(request: web.Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names this tag (or is ``*``). If-None-Match compares weakly: a
    ``W/`` prefix on the client's copy does not matter."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == etag for candidate in header.split(","))


def respond(
    request: web.Request,
    body: bytes,
    *,
    etag: str | None = None,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    cache_control: str = REVALIDATE,
) -> web.Response:
    """``body`` with its tag, or 304 with the tag alone when the client already has it."""
    etag = etag or of(body)
    out = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
    if matches(request, etag):
        return web.Response(status=304, headers=out)
    return web.Response(body=body, headers={"Content-Type": content_type, **out})
