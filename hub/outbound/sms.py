"""SMS through a generic HTTP gateway, configured by ``GONGTIAO_SMS_*``.

One request per message::

    POST $GONGTIAO_SMS_URL
    Authorization: Bearer $GONGTIAO_SMS_TOKEN
    Idempotency-Key: <the message's delivery id>
    Content-Type: application/json; charset=utf-8

    {"id": "<delivery id>", "to": "13800001234", "text": "您好，…", "sender": "$GONGTIAO_SMS_SENDER"}

2xx means the gateway took it; 408, 425, 429 and 5xx (and timeouts, refused connections) are
tried again later with the same id; any other answer is final (dead letter). A gateway that keeps
the ids it has seen never sends one message twice, even after the hub crashed between sending and
noting it. Any provider's API can sit behind a small adapter speaking this.
"""

from __future__ import annotations

import json

import aiohttp

from hub.config import Config
from hub.outbound import registry, templates
from hub.outbound.delivery import Delivery, post
from hub.outbound.retries import Outcome, Verdict


def sms_text(delivery: Delivery, config: Config) -> str:
    template = registry.get(delivery.template)
    locale = str(delivery.payload.get("locale", "zh_CN"))
    return templates.render(template, delivery.payload["params"], locale, config.zone, config.site_url).text


def request_body(delivery: Delivery, config: Config) -> bytes:
    body = {"id": delivery.uid, "to": delivery.target, "text": sms_text(delivery, config)}
    if config.sms_sender:
        body["sender"] = config.sms_sender
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HttpSmsGateway:
    def __init__(self, config: Config, session: aiohttp.ClientSession) -> None:
        self.config = config
        self.session = session

    async def send(self, delivery: Delivery) -> Outcome:
        if not self.config.sms_enabled:
            return Outcome(Verdict.dead, "SMS is off (GONGTIAO_SMS_URL is not set)")
        try:
            data = request_body(delivery, self.config)
        except (templates.UnknownTemplate, KeyError, ValueError) as exc:
            return Outcome(Verdict.dead, f"cannot render: {type(exc).__name__}")
        headers = {
            "Authorization": f"Bearer {self.config.sms_token}",
            "Idempotency-Key": delivery.uid,
            "Content-Type": "application/json; charset=utf-8",
        }
        return await post(
            self.session, self.config.sms_url, data, headers, self.config.outbound_timeout_seconds
        )
