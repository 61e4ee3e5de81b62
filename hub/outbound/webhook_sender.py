"""Posting one webhook: the stored JSON body, signed with the agency's current secret(s).

Headers: ``X-Gongtiao-Delivery`` (the message's id, the same on every try: receivers dedupe by
it), ``X-Gongtiao-Event`` and ``X-Gongtiao-Signature`` (``hub.outbound.signing``). The address and
secrets are the agency's as they are when sent, so an admin who fixes a wrong address and resends
a dead letter reaches the right place.
"""

from __future__ import annotations

import json
import time

import aiohttp

from hub.config import Config
from hub.outbound import signing
from hub.outbound.delivery import Delivery, post
from hub.outbound.retries import Outcome, Verdict


def body_bytes(delivery: Delivery) -> bytes:
    """The body exactly as sent (and signed): compact JSON, UTF-8, keys sorted."""
    body = delivery.payload["body"]
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def headers_for(delivery: Delivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        signing.DELIVERY_HEADER: delivery.uid,
        signing.EVENT_HEADER: delivery.template,
        signing.HEADER: signing.header(delivery.secrets, timestamp, body),
    }


class WebhookSender:
    def __init__(self, config: Config, session: aiohttp.ClientSession) -> None:
        self.config = config
        self.session = session

    async def send(self, delivery: Delivery) -> Outcome:
        if delivery.url is None or not delivery.secrets:
            return Outcome(Verdict.dead, "the agency has no active webhook")
        body = body_bytes(delivery)
        headers = headers_for(delivery, body, int(time.time()))
        return await post(self.session, delivery.url, body, headers, self.config.outbound_timeout_seconds)
