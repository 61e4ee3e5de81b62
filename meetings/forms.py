"""Reading the meeting pages' forms: text, numbers and local times, and where a form goes back to."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from multidict import MultiDictProxy

from hub.errors import ValidationFailed
from hub.i18n import N_

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


def text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def number(form: Form, name: str) -> int | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed() from None


def numbers(form: Form, name: str) -> list[int]:
    found = [v for v in form.getall(name, []) if isinstance(v, str) and v.strip()]
    try:
        return [int(v) for v in found]
    except ValueError:
        raise ValidationFailed() from None


def local_time(value: str) -> datetime:
    """A ``datetime-local`` field: wall clock, read in the meeting's zone by the caller."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(N_("Give a date and a time.")) from None


def back(meeting_id: int, anchor: str = "") -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"/meetings/{meeting_id}" + (f"#{anchor}" if anchor else ""))
