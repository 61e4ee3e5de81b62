"""Local stand-ins for an SMS gateway and an agency's webhook receiver, served on loopback by the
test's own event loop.

Both behave as the documented receivers should: they remember the delivery ids they took and
answer a repeat as a duplicate without taking it again, and they record every request as well as
what they accepted. They can be told to fail the next N requests (with a status), or to take a
message and then never answer (the hub is killed while it waits). The webhook receiver checks the
signature on its own, as docs/api.md tells a receiver to, not with the hub's code.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.pg import free_port


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Recorder:
    path: str
    requests: list[Request] = field(default_factory=list)
    accepted: dict[str, Request] = field(default_factory=dict)
    duplicates: int = 0  # repeats of an id already taken, answered 200 and not taken again
    fail_next: int = 0
    fail_status: int = 503
    hang: bool = False  # take the message, then never answer
    url: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def fail(self, count: int, status: int = 503) -> None:
        self.fail_next, self.fail_status = count, status

    def release(self) -> None:
        """Answer the requests held by ``hang`` and hold no more."""
        self.hang = False
        self._release.set()

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}{self.path}"
        return self.url

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; requests so far: {len(self.requests)}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.2))
            except TimeoutError:
                pass

    def ids(self) -> list[str]:
        """The delivery id of every request, in order (repeats included)."""
        return [self._id(r) for r in self.requests]

    def _id(self, request: Request) -> str:
        raise NotImplementedError

    def _refuse(self, request: Request) -> web.Response | None:
        return None

    async def _handle(self, http: web.Request) -> web.StreamResponse:
        request = Request(dict(http.headers), await http.read())
        self.requests.append(request)
        self._changed.set()
        refusal = self._refuse(request)
        if refusal is None and self.fail_next > 0:
            self.fail_next -= 1
            refusal = web.json_response({"error": "try later"}, status=self.fail_status)
        if refusal is not None:
            request.status = refusal.status
            return refusal
        key = self._id(request)
        duplicate = key in self.accepted
        if duplicate:
            self.duplicates += 1
        else:
            self.accepted[key] = request
        request.status = 200
        self._changed.set()
        if self.hang:
            await self._release.wait()
        return web.json_response({"id": key, "duplicate": duplicate})


class LocalGateway(_Recorder):
    """An SMS gateway: ``POST /sms`` with a bearer token, the id in the body and Idempotency-Key."""

    def __init__(self, token: str = "gateway-token") -> None:
        super().__init__("/sms")
        self.token = token

    def _id(self, request: Request) -> str:
        return str(request.headers.get("Idempotency-Key", ""))

    def _refuse(self, request: Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "bad token"}, status=401)
        body = request.json
        if body.get("id") != self._id(request) or not body.get("to") or not body.get("text"):
            return web.json_response({"error": "bad message"}, status=400)
        return None

    def texts(self, to: str | None = None) -> list[str]:
        return [r.json["text"] for r in self.accepted.values() if to is None or r.json["to"] == to]


class LocalReceiver(_Recorder):
    """An agency's system: checks ``X-Gongtiao-Signature`` with its secret(s) and a 5-minute window."""

    def __init__(self) -> None:
        super().__init__("/hooks/gongtiao")
        self.secrets: list[str] = []
        self.refused: list[str] = []

    def _id(self, request: Request) -> str:
        return str(request.headers.get("X-Gongtiao-Delivery", ""))

    def _refuse(self, request: Request) -> web.Response | None:
        reason = check_signature(request.headers.get("X-Gongtiao-Signature", ""), request.body, self.secrets)
        if reason is None and request.json.get("id") != self._id(request):
            reason = "id"
        if reason is not None:
            self.refused.append(reason)
            return web.json_response({"error": reason}, status=401)
        return None


def check_signature(header: str, body: bytes, secrets: list[str], now: float | None = None) -> str | None:
    """A receiver's check, written from docs/api.md: None if good, else why not."""
    try:
        items = [part.split("=", 1) for part in header.split(",")]
        timestamp = int(next(value for key, value in items if key == "t"))
        given = [value for key, value in items if key == "v1"]
    except (ValueError, StopIteration):
        return "malformed"
    if abs((now if now is not None else time.time()) - timestamp) > 300:
        return "stale"
    for secret in secrets:
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, g) for g in given):
            return None
    return "mismatch"
