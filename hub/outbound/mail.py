"""E-mail from a template, over the relay of ``GONGTIAO_SMTP_*`` (the one meeting invitations use).

Plain text, the template's title as the subject. The Message-ID is made of the delivery id, so a
message tried twice (a crash between the relay's yes and the hub noting it) is the same message to
mail clients and to relays that drop duplicates. 5xx refusals of the sender, the recipient or the
content are final; everything else (4xx, lost connections, timeouts, a relay refusing our login)
is tried again.
"""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from hub.config import Config
from hub.orm import utcnow
from hub.outbound import registry, templates
from hub.outbound.delivery import Delivery, short
from hub.outbound.retries import SENT, Outcome, Verdict

POLICY = email.policy.default.clone(cte_type="7bit")
FOOTER = {
    "zh_CN": "此邮件由公调对接平台自动发送，请勿直接回复。",
    "en": "Sent by the police–mediation hub; do not reply.",
}
# Refusals that name this message (who from, who to, what): sending it again will not help.
FINAL = (
    aiosmtplib.SMTPRecipientsRefused,
    aiosmtplib.SMTPRecipientRefused,
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPDataError,
)


def build(delivery: Delivery, config: Config) -> EmailMessage:
    template = registry.get(delivery.template)
    locale = str(delivery.payload.get("locale", "zh_CN"))
    rendered = templates.render(template, delivery.payload["params"], locale, config.zone, config.site_url)
    message = EmailMessage(policy=POLICY)
    message["Subject"] = rendered.title
    message["From"] = config.smtp_from
    message["To"] = delivery.target
    message["Date"] = format_datetime(utcnow())
    domain = message["From"].addresses[0].domain or "gongtiao.invalid"
    message["Message-ID"] = f"<{delivery.uid}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(f"{rendered.text}\n\n-- \n{FOOTER.get(locale, FOOTER['zh_CN'])}\n")
    return message


def _refused_for_good(exc: aiosmtplib.SMTPException) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return any(500 <= r.code < 600 for r in exc.recipients)
    return isinstance(exc, FINAL) and 500 <= getattr(exc, "code", 0) < 600


class SmtpMailer:
    def __init__(self, config: Config) -> None:
        self.config = config

    def _client(self) -> aiosmtplib.SMTP:
        c = self.config
        implicit = c.smtp_port == 465  # SMTPS: TLS from the first byte
        return aiosmtplib.SMTP(
            hostname=c.smtp_host,
            port=c.smtp_port,
            username=c.smtp_user or None,
            password=c.smtp_password or None,
            use_tls=implicit,
            start_tls=False if implicit else c.smtp_starttls,
            timeout=min(c.smtp_timeout_seconds, c.outbound_timeout_seconds * 3),
        )

    async def send(self, delivery: Delivery) -> Outcome:
        if not self.config.mail_enabled:
            return Outcome(Verdict.dead, "e-mail is off (GONGTIAO_SMTP_HOST is not set)")
        try:
            message = build(delivery, self.config)
        except (templates.UnknownTemplate, KeyError, ValueError) as exc:
            return Outcome(Verdict.dead, f"cannot write the message: {type(exc).__name__}")
        smtp = self._client()
        try:
            await smtp.connect()
            try:
                await smtp.send_message(message)
            finally:
                try:
                    await smtp.quit()
                except (aiosmtplib.SMTPException, OSError):
                    smtp.close()
        except aiosmtplib.SMTPException as exc:
            verdict = Verdict.dead if _refused_for_good(exc) else Verdict.retry
            return Outcome(verdict, short(f"{type(exc).__name__}: {exc}"))
        except (OSError, TimeoutError) as exc:
            smtp.close()
            return Outcome(Verdict.retry, short(f"{type(exc).__name__}: {exc}"))
        return SENT
