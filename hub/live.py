"""Live page updates: a Server-Sent Events stream of the events that concern the viewer.

The server decides the topics from who is asking (their user, their agency, the directory); a
page cannot subscribe to another agency's events. Scripts reconnect by themselves (EventSource).
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from hub.events import Subscription
from hub.keys import EVENTS
from hub.permissions import Principal
from hub.routing import Ctx

HEARTBEAT_SECONDS = 20.0
STREAMS = web.AppKey("live_streams", set[Subscription])


def topics_for(principal: Principal) -> set[str]:
    return {f"user:{principal.user_id}", f"agency:{principal.agency_id}", "directory"}


async def stream(ctx: Ctx) -> web.StreamResponse:
    """Send the viewer's events as they come, with a heartbeat, until the client or the bus goes."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await response.prepare(ctx.request)
    streams = ctx.request.app[STREAMS]
    subscription = ctx.request.app[EVENTS].subscribe(topics_for(ctx.user))
    streams.add(subscription)
    try:
        await response.write(b": connected\n\n")
        while True:
            event = await subscription.get(timeout=HEARTBEAT_SECONDS)
            if event is None:
                if subscription.closed:
                    break  # the bus closed: the server is shutting down
                await response.write(b": ping\n\n")
                continue
            payload = json.dumps(
                {"kind": event.kind, "topic": event.topic, "data": event.data, "created": event.created},
                ensure_ascii=False,
            )
            await response.write(f"id: {event.id}\nevent: {event.kind}\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        subscription.close()
        streams.discard(subscription)
    return response
