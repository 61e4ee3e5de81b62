"""A client for Janus's WebSocket API (janus-protocol), enough for the VideoRoom plugin.

One ``JanusClient`` per process holds one WebSocket and one Janus session on it; each publisher,
subscriber and control connection is a plugin handle (``Handle``). Requests carry a transaction id;
Janus answers a synchronous request with ``success`` and an asynchronous one (join, configure,
start) with an ``ack`` and later an ``event`` of the same transaction, in either order: ``request``
waits for the first answer that is not an ack. Janus ends a session that says nothing for its
``session_timeout`` (60 s by default): the client sends a keepalive every 20 s.

Browsers never speak to this API: the hub does, on their behalf (docs/decisions.md, "Janus").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 20.0
REQUEST_SECONDS = 10.0
VIDEOROOM = "janus.plugin.videoroom"


class JanusError(Exception):
    """Janus refused a request; ``code`` is Janus's or the VideoRoom's error code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class JanusUnavailable(JanusError):
    """No answer: Janus is not running, not reachable, or the connection was lost."""

    def __init__(self, reason: str) -> None:
        super().__init__(0, reason)


@dataclass(frozen=True)
class Reply:
    """What a plugin answered: its data and, for offers and answers, the SDP (``jsep``)."""

    data: dict[str, Any]
    jsep: dict[str, Any] | None = None

    @property
    def sdp(self) -> str:
        if not self.jsep or not isinstance(self.jsep.get("sdp"), str):
            raise JanusError(0, "the answer carries no SDP")
        return str(self.jsep["sdp"])


class JanusClient:
    """One WebSocket and one Janus session; ``on_lost`` is called once if the connection drops."""

    def __init__(self, url: str, api_secret: str = "", *, on_lost: Callable[[], None] | None = None) -> None:
        self._url = url
        self._secret = api_secret
        self._on_lost = on_lost
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._session_id: int | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._handles: dict[int, Handle] = {}
        self._acked: set[str] = set()  # transactions an ack answers
        self._closed = False

    @property
    def alive(self) -> bool:
        return self._session_id is not None and self._ws is not None and not self._ws.closed

    async def start(self) -> None:
        """Connect and create the session; ``JanusUnavailable`` when Janus does not answer."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=5))
        try:
            self._ws = await self._http.ws_connect(self._url, protocols=("janus-protocol",), heartbeat=30)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            await self._http.close()
            raise JanusUnavailable(f"cannot reach Janus at {self._url}: {type(exc).__name__}") from exc
        self._tasks.append(asyncio.create_task(self._read(), name="janus-read"))
        answer = await self.request({"janus": "create"})
        self._session_id = int(answer["data"]["id"])
        self._tasks.append(asyncio.create_task(self._keepalive(), name="janus-keepalive"))

    async def attach(self) -> Handle:
        answer = await self.request({"janus": "attach", "plugin": VIDEOROOM})
        handle = Handle(self, int(answer["data"]["id"]))
        self._handles[handle.id] = handle
        return handle

    def forget(self, handle: Handle) -> None:
        self._handles.pop(handle.id, None)

    async def close(self) -> None:
        self._closed = True
        if self.alive:
            with contextlib.suppress(JanusError):
                await self.request({"janus": "destroy"}, wait=2)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        self._fail_pending("the client closed")

    # --- the wire --------------------------------------------------------------------------------
    async def request(
        self, body: dict[str, Any], *, wait: float = REQUEST_SECONDS, ack_answers: bool = False
    ) -> dict[str, Any]:
        """Janus's answer to a request (an ``ack`` counts only with ``ack_answers``: keepalive)."""
        if self._ws is None or self._ws.closed:
            raise JanusUnavailable("not connected to Janus")
        transaction = uuid.uuid4().hex
        message = {**body, "transaction": transaction}
        if self._session_id is not None and body["janus"] != "create":
            message.setdefault("session_id", self._session_id)
        if self._secret:
            message["apisecret"] = self._secret
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = future
        if ack_answers:
            self._acked.add(transaction)
        try:
            await self._ws.send_str(json.dumps(message))
            async with asyncio.timeout(wait):
                answer = await future
        except TimeoutError as exc:
            raise JanusUnavailable(f"Janus did not answer {body['janus']} in {wait:g} s") from exc
        except (ConnectionResetError, RuntimeError) as exc:
            raise JanusUnavailable("the connection to Janus closed") from exc
        finally:
            self._pending.pop(transaction, None)
            self._acked.discard(transaction)
        if answer.get("janus") == "error":
            error = answer.get("error") or {}
            raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))
        return answer

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if frame.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message = json.loads(frame.data)
                except ValueError:
                    continue
                kind = message.get("janus")
                transaction = str(message.get("transaction", ""))
                future = self._pending.get(transaction)
                if kind == "ack" and transaction not in self._acked:
                    continue
                if future is not None and not future.done():
                    future.set_result(message)
                    continue
                handle = self._handles.get(int(message.get("sender") or 0))
                if handle is not None:
                    handle.on_event(message)
        finally:
            self._session_id = None
            self._fail_pending("the connection to Janus closed")
            if not self._closed:
                logger.warning("lost the connection to Janus at %s", self._url)
                if self._on_lost is not None:
                    self._on_lost()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            try:
                await self.request({"janus": "keepalive"}, ack_answers=True)
            except JanusError:
                logger.warning("janus keepalive failed")

    def _fail_pending(self, reason: str) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(JanusUnavailable(reason))


class Handle:
    """One VideoRoom plugin handle: a publisher, a subscriber, or the room's control handle."""

    def __init__(self, client: JanusClient, handle_id: int) -> None:
        self._client = client
        self.id = handle_id
        self.detached = False
        self.up = asyncio.Event()  # Janus said webrtcup: ICE and DTLS are done on this handle
        self.hung_up = asyncio.Event()
        self.gone = asyncio.Event()  # hung up by Janus or detached by the hub: it will never come up
        self.answered = asyncio.Event()  # a subscriber's answer reached Janus (``SfuRoom.start``)
        # Called once when Janus ends the handle's PeerConnection by itself (ICE failed, DTLS
        # timeout, ...), with Janus's reason; a handle the hub detaches itself does not call it.
        self.on_hangup: Callable[[str], None] | None = None

    def on_event(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        if kind == "webrtcup":
            logger.debug("handle %s: webrtcup", self.id)
            self.up.set()
        elif kind in ("hangup", "detached") and not self.hung_up.is_set():
            self.hung_up.set()
            self.gone.set()
            if self.on_hangup is not None and not self.detached:
                self.on_hangup(str(message.get("reason") or kind))

    async def message(self, body: dict[str, Any], jsep: dict[str, Any] | None = None) -> Reply:
        """Send a plugin request; the plugin's own errors (``error_code``) raise ``JanusError``."""
        request: dict[str, Any] = {"janus": "message", "handle_id": self.id, "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        answer = await self._client.request(request)
        data = (answer.get("plugindata") or {}).get("data") or {}
        if "error_code" in data or data.get("videoroom") == "event" and "error" in data:
            raise JanusError(int(data.get("error_code", 0)), str(data.get("error", "")))
        return Reply(data=data, jsep=answer.get("jsep"))

    async def detach(self) -> None:
        """Let the handle go (its PeerConnection with it); never raises."""
        if self.detached:
            return
        self.detached = True
        self.gone.set()
        self._client.forget(self)
        with contextlib.suppress(JanusError):
            await self._client.request({"janus": "detach", "handle_id": self.id}, wait=3)
