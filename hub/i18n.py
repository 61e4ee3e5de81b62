"""Languages: Simplified Chinese by default, English second.

Message ids in code and templates are English; ``hub/locale/<lang>/LC_MESSAGES/messages.po`` holds
the translations (gettext catalogs, kept with Babel: see ``make messages``). Where one English word
needs two Chinese ones (a meeting reply "Accepted" is 已接受, a case "Accepted" is 已受理), the
message carries a context: ``pgettext("meeting reply", "Accepted")`` in code and templates, a
``msgctxt`` in the catalog. Catalogs are compiled in
memory at start, so no build step has to produce ``.mo`` files. The language of the request being
served lives in a context variable, set by a middleware.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)
_catalogs: dict[str, _gettext.NullTranslations] = {}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return message


class InContext(NamedTuple):
    """A message marked with its context, translated later by ``pgettext``."""

    context: str
    message: str


def NC_(context: str, message: str) -> InContext:  # noqa: N802 - N_ with a context (msgctxt)
    return InContext(context, message)


def _load(locale: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def translations(locale: str | None = None) -> _gettext.NullTranslations:
    locale = locale or current_locale.get()
    if locale not in _catalogs:
        _catalogs[locale] = _load(locale)
    return _catalogs[locale]


def gettext(message: str, locale: str | None = None) -> str:
    return translations(locale).gettext(message)


def pgettext(context: str, message: str, locale: str | None = None) -> str:
    """The translation of ``message`` in ``context`` (gettext's msgctxt)."""
    return translations(locale).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int, locale: str | None = None) -> str:
    return translations(locale).ngettext(singular, plural, n)


_ = gettext


# Zones people here name otherwise than by their IANA code.
ZONE_NAMES = {
    "Asia/Shanghai": ("北京时间", "China Standard Time"),
    "Asia/Urumqi": ("乌鲁木齐时间", "Xinjiang Time"),
    "Asia/Hong_Kong": ("香港时间", "Hong Kong Time"),
    "Asia/Macau": ("澳门时间", "Macao Time"),
    "Asia/Taipei": ("台北时间", "Taipei Time"),
    "UTC": ("协调世界时", "Coordinated Universal Time"),
}


def zone_name(name: str, locale: str | None = None) -> str:
    """``Asia/Shanghai`` as 北京时间 or "China Standard Time"; another zone by its IANA name with
    its slash and underscores read as spaces (``America/New_York`` -> "America / New York")."""
    known = ZONE_NAMES.get(name)
    if known is not None:
        return known[0] if (locale or current_locale.get()).startswith("zh") else known[1]
    return name.replace("_", " ").replace("/", " / ")


def normalise(value: str | None) -> str | None:
    """Map what a browser or a form says ("en-US", "zh", "zh-CN") to one of LOCALES, or None."""
    if not value:
        return None
    tag = value.strip().replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_CN"
    if tag.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language in an Accept-Language header (q-values in order given)."""
    if not header:
        return None
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag))
    for _q, _pos, tag in sorted(ranked):
        locale = normalise(tag)
        if locale:
            return locale
    return None
