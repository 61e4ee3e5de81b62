"""Addresses people are reached at: mobile numbers, e-mail addresses, their masks, the channels
a preference asks for. Pure."""

from __future__ import annotations

import re

# Mainland China mobile numbers: 11 digits starting 13-19. SMS goes to these only.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-()]")
# One @, a dot in the domain, ASCII only: what every relay on the way will accept.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class BadAddress(ValueError):
    pass


def mobile(value: str) -> str:
    """A mainland mobile number as its 11 digits ("+86 138-0000-1234" -> "13800001234")."""
    digits = _SEPARATORS.sub("", value.strip())
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MOBILE.fullmatch(digits):
        raise BadAddress(value)
    return digits


def is_mobile(value: str) -> bool:
    try:
        mobile(value)
    except BadAddress:
        return False
    return True


def is_email(value: str) -> bool:
    return len(value) <= 200 and bool(_EMAIL.fullmatch(value))


def mask_phone(value: str) -> str:
    """The first 3 and last 4 digits (138****1234), as lists show parties' numbers."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str) -> str:
    local, sep, domain = value.partition("@")
    if not sep:
        return "*" * len(value)
    return (local[:1] + "***" if local else "") + "@" + domain


def channels(preference: str) -> tuple[str, ...]:
    """The channels a preference (``hub.models.NotifyBy``) asks for, in sending order."""
    found: dict[str, tuple[str, ...]] = {"sms": ("sms",), "email": ("email",), "both": ("sms", "email")}
    return found.get(preference, ())
