"""Human names for codes: the core's (agency kinds, roles, specialties, area levels) and each
package's (``Plugin(labels=...)``), one name per code.

Codes stay English in the database and the API; people read these, translated by the catalogs.
A name that needs its own Chinese word in one domain carries a context (``NC_("meeting reply",
"Accepted")``), or the code a domain prefix (``rsvp.accepted``): one English word, two meanings.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from hub.i18n import N_, InContext, current_locale, gettext, pgettext
from hub.plugins import plugins

LABELS: Mapping[str, str] = {
    # agency kinds
    "police_bureau": N_("Public security sub-bureau"),
    "police_station": N_("Police station"),
    "justice_bureau": N_("Justice bureau"),
    "judicial_office": N_("Judicial office"),
    "mediation_committee": N_("People's mediation committee"),
    "stationed_room": N_("Stationed mediation room"),
    "specialised_body": N_("Specialised mediation body"),
    "court": N_("Basic people's court"),
    # roles
    "admin": N_("Administrator"),
    "liaison": N_("Liaison"),
    "mediator": N_("Mediator"),
    "secretary": N_("Meeting secretary"),
    "supervisor": N_("Supervisor"),
    "grid_worker": N_("Grid worker"),
    # specialties
    "neighbour": N_("Neighbour disputes"),
    "family": N_("Family and marriage"),
    "labour": N_("Wages and labour"),
    "land_acquisition": N_("Land acquisition and demolition"),
    "medical": N_("Medical disputes"),
    "environmental": N_("Environmental pollution"),
    "enterprise_restructuring": N_("Enterprise restructuring"),
    "education": N_("Education"),
    "traffic": N_("Traffic accidents"),
    "property_management": N_("Property management"),
    "consumer": N_("Consumer disputes"),
    "contract": N_("Contract disputes"),
    "minor_injury": N_("Minor injuries"),
    # area levels
    "district": N_("District"),
    "town": N_("Town or street"),
    "village": N_("Village or community"),
    "grid": N_("Grid cell"),
}


@cache
def every_label() -> Mapping[str, str | InContext]:
    """The core's names and every package's, joined once; a code named twice, differently, is an
    error (two names for one code is how a state came to be called like a report's figure)."""
    joined: dict[str, str | InContext] = dict(LABELS)
    for plugin in plugins():
        for code, msgid in plugin.labels.items():
            if joined.setdefault(code, msgid) != msgid:
                raise ValueError(f"{plugin.name}: {code!r} is named {joined[code]!r} already, not {msgid!r}")
    return joined


def label(code: str, locale: str | None = None) -> str:
    """The translated name of a code (in the reader's language, or ``locale``); the code itself
    when it has none."""
    msgid = every_label().get(code)
    if isinstance(msgid, InContext):
        return pgettext(msgid.context, msgid.message, locale)
    return gettext(msgid, locale) if msgid else code


def labelled(params: Mapping[str, Any], locale: str | None = None) -> dict[str, Any]:
    """Message parameters with codes read as their names: a value that is a code, or codes joined by
    commas (``"group_dispute, violence_risk"``, as stored with a warning), becomes their labels."""
    out = dict(params)
    codes = every_label()
    chinese = (locale or current_locale.get()).startswith("zh")
    for key, value in params.items():
        if isinstance(value, str) and value:
            parts = [p.strip() for p in value.split(",")]
            if all(p in codes for p in parts):
                out[key] = ("、" if chinese else ", ").join(label(p, locale) for p in parts)
    return out
