"""What a message template is, and checking and rendering its parameters. Pure. The templates
themselves, a fixed registry, are in ``hub.outbound.registry``.

A message to a person is never free text: it is one of these templates, each placeholder declared
with a kind and a maximum length, so that a party's SMS carries no more about the case than the
template allows. ``check`` refuses an undeclared, missing, too long or ill-formed value and returns
the values in a JSON-safe normal form (what the outbox stores); ``render`` writes the text in
Chinese or English at send time, in the hub's time zone.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    name = "name"  # a person's or an agency's name
    case_number = "case_number"  # QC2026-000123
    link = "link"  # an http(s) address (may carry a secret: redacted once sent), or a path of the hub
    date = "date"  # a calendar day
    datetime = "datetime"  # an instant, shown in the hub's time zone
    phone = "phone"  # a telephone number to call back
    choice = "choice"  # one of the field's fixed values, each with its own wording


class ParamsRefused(ValueError):
    """The parameters do not fit the template; says which one and why."""

    def __init__(self, template: str, param: str, reason: str) -> None:
        super().__init__(f"template {template}: {param}: {reason}")
        self.template = template
        self.param = param
        self.reason = reason


class UnknownTemplate(LookupError):
    pass


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    max_length: int
    # For Kind.choice: value -> (Chinese, English) wording.
    choices: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.max_length < 1:
            raise ValueError(f"bad field {self.name!r}")
        if (self.kind is Kind.choice) != bool(self.choices):
            raise ValueError(f"field {self.name}: choices go with Kind.choice, and only there")


@dataclass(frozen=True)
class Wording:
    title: str  # the e-mail's subject
    text: str  # the SMS, and the e-mail's body


@dataclass(frozen=True)
class Template:
    code: str
    fields: tuple[Field, ...]
    zh: Wording
    en: Wording

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"template {self.code}: a field is declared twice")
        for wording in (self.zh, self.en):
            used = set(placeholders(wording.title)) | set(placeholders(wording.text))
            if set(placeholders(wording.text)) != set(names) or not used <= set(names):
                raise ValueError(f"template {self.code}: its text must use every field, and only those")

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of a text; refuses anything fancier (format specs, indexing)."""
    found = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}}: only plain {{name}} is allowed")
        found.append(name)
    return found


# --- checking ---------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Names: letters of any script (Chinese included), digits, spaces and the marks names use.
_NAME = re.compile(r"[\w ·・.()（）\-]+")
_CASE_NUMBER = re.compile(r"[\w\-/()（）〔〕\[\]]+")
_PHONE = re.compile(r"\+?[0-9][0-9\- ]*[0-9]")


def _text(template: str, f: Field, value: object) -> str:
    if not isinstance(value, str):
        raise ParamsRefused(template, f.name, "must be text")
    value = value.strip()
    if not value:
        raise ParamsRefused(template, f.name, "is empty")
    if len(value) > f.max_length:
        raise ParamsRefused(template, f.name, f"is longer than {f.max_length} characters")
    if _CONTROL.search(value):
        raise ParamsRefused(template, f.name, "holds control characters")
    return value


def _instant(template: str, f: Field, value: object) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ParamsRefused(template, f.name, "is not an ISO 8601 time") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ParamsRefused(template, f.name, "must be a time with its zone")
    return value.astimezone(UTC).isoformat(timespec="minutes")


def _day(template: str, f: Field, value: object) -> str:
    if isinstance(value, datetime):
        raise ParamsRefused(template, f.name, "must be a date, not a time")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ParamsRefused(template, f.name, "is not an ISO 8601 date") from None
    if not isinstance(value, date):
        raise ParamsRefused(template, f.name, "must be a date")
    return value.isoformat()


def is_path(link: str) -> bool:
    """A link given as a path of the hub (``/cases/12``), not a full address."""
    return link.startswith("/") and not link.startswith("//")


def check_value(template: str, f: Field, value: object) -> str:
    """One parameter in its stored form, or ParamsRefused."""
    if f.kind is Kind.datetime:
        return _instant(template, f, value)
    if f.kind is Kind.date:
        return _day(template, f, value)
    text = _text(template, f, value)
    if f.kind is Kind.choice:
        if text not in f.choices:
            raise ParamsRefused(template, f.name, f"must be one of {', '.join(sorted(f.choices))}")
    elif f.kind is Kind.link:
        parts = urlsplit(text)
        bad = any(c.isspace() or c in "<>\"'`\\" for c in text)
        if is_path(text):  # a page of the hub itself: its address is added when sent
            if bad or parts.query or parts.fragment:
                raise ParamsRefused(template, f.name, "must be a plain path of the hub")
        elif parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc or bad:
            raise ParamsRefused(template, f.name, "must be an http(s) address or a path of the hub")
    elif f.kind is Kind.name:
        if not _NAME.fullmatch(text) or "_" in text:
            raise ParamsRefused(template, f.name, "is not a name")
    elif f.kind is Kind.case_number:
        if not _CASE_NUMBER.fullmatch(text):
            raise ParamsRefused(template, f.name, "is not a case number")
    elif f.kind is Kind.phone:
        if not _PHONE.fullmatch(text):
            raise ParamsRefused(template, f.name, "is not a telephone number")
    return text


def check(template: Template, params: Mapping[str, object]) -> dict[str, str]:
    """Every declared parameter, each valid, and nothing else; in stored form."""
    extra = sorted(set(params) - {f.name for f in template.fields})
    if extra:
        raise ParamsRefused(template.code, extra[0], "is not declared by the template")
    stored = {}
    for f in template.fields:
        if f.name not in params:
            raise ParamsRefused(template.code, f.name, "is missing")
        stored[f.name] = check_value(template.code, f, params[f.name])
    return stored


# --- rendering ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str


def _shown(f: Field, value: str, locale: str, zone: ZoneInfo, site: str) -> str:
    chinese = locale != "en"
    if f.kind is Kind.link and is_path(value):
        return site.rstrip("/") + value
    if f.kind is Kind.datetime:
        local = datetime.fromisoformat(value).astimezone(zone)
        if chinese:
            return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local:%Y-%m-%d %H:%M}"
    if f.kind is Kind.date:
        day = date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日" if chinese else day.isoformat()
    if f.kind is Kind.choice:
        zh, en = f.choices[value]
        return zh if chinese else en
    return value


def render(
    template: Template, stored: Mapping[str, str], locale: str, zone: ZoneInfo, site: str = ""
) -> Rendered:
    """The message in ``locale`` (``zh_CN`` unless ``en``) from parameters ``check`` returned.
    ``site``: the hub's public address, put before links given as a path."""
    wording = template.en if locale == "en" else template.zh
    values = {f.name: _shown(f, stored[f.name], locale, zone, site) for f in template.fields}
    return Rendered(wording.title.format_map(values), wording.text.format_map(values))


def redact(template: Template, stored: Mapping[str, str]) -> dict[str, str]:
    """What the log keeps once a message is sent: links (invitations carry a secret) cut to their
    site, the rest as it was."""
    kept = dict(stored)
    for f in template.fields:
        if f.kind is Kind.link and f.name in kept and not is_path(kept[f.name]):
            parts = urlsplit(kept[f.name])
            kept[f.name] = f"{parts.scheme}://{parts.netloc}/…"
    return kept


def longest(template: Template, locale: str) -> int:
    """The most characters the text can have: the template's own plus each field at its longest."""
    wording = template.en if locale == "en" else template.zh
    fixed = len(wording.text.format_map({f.name: "" for f in template.fields}))
    widest = {Kind.datetime: 18, Kind.date: 11}
    total = fixed
    for f in template.fields:
        if f.kind is Kind.choice:
            total += max(len(zh if locale != "en" else en) for zh, en in f.choices.values())
        else:
            total += widest.get(f.kind, f.max_length)
    return total
