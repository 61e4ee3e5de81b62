"""How each person is notified: by SMS, e-mail, both or neither, and the addresses for it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import ValidationFailed
from hub.i18n import N_
from hub.models import NotifyBy, User
from hub.outbound import contact


def _field(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": name, "type": "value_error", "message": message}])


async def set_contact(
    s: AsyncSession, actor: audit.Actor, user: User, *, notify_by: str, phone: str, email: str
) -> User:
    """Set the preference and the addresses; refuses a channel without its address. The mobile
    number is kept as its 11 digits. The audit row names what changed, not the addresses."""
    phone, email = phone.strip(), email.strip()
    if phone:
        try:
            phone = contact.mobile(phone)
        except contact.BadAddress:
            raise _field("phone", N_("Give a mobile number of 11 digits, such as 13800001234.")) from None
    if email and not contact.is_email(email):
        raise _field("email", N_("Give an e-mail address such as name@example.cn."))
    wanted = contact.channels(NotifyBy(notify_by))
    if "sms" in wanted and not phone:
        raise _field("phone", N_("To be notified by SMS, give your mobile number."))
    if "email" in wanted and not email:
        raise _field("email", N_("To be notified by e-mail, give your e-mail address."))
    changed = [
        name
        for name, old, new in (
            ("notify_by", user.notify_by, notify_by),
            ("phone", user.phone, phone),
            ("email", user.email, email),
        )
        if old != new
    ]
    if changed:
        user.notify_by, user.phone, user.email = NotifyBy(notify_by).value, phone, email
        await s.flush()
        await audit.record(
            s,
            actor,
            "user.contact_changed",
            "user",
            user.id,
            {"changed": changed, "notify_by": user.notify_by},
        )
    return user
