"""A party's fields on an HTML form, pure: the intake form's repeated party rows, the party edit
page and any other form that takes parties in (a grid worker's report) read them here.

Each row repeats the same field names (``party_name``, ``party_kind``…), so a row cloned by the
"add party" button needs no renumbering; every field is an input or a select (never a checkbox,
which a browser leaves out when unticked), so the n-th value of each name belongs to the n-th row.
A row holds one agent (委托代理人); the API takes up to five.

The person's fields of an organisation's row (and the other way round) are dropped, not refused:
a form shows both groups, and what was typed in the hidden one is not the party's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.i18n import N_

Raw = Mapping[str, Sequence[str]]

COMMON = ("role", "kind", "name", "id_type", "id_number", "phone", "email", "address")
PERSON_ONLY = ("sex", "ethnicity", "birth_date", "occupation")
ORGANISATION_ONLY = ("representative_role", "representative_name", "representative_title")
AGENT = ("agent_name", "agent_relation", "agent_law_firm", "agent_authority", "agent_scope", "agent_phone")
FIELDS = COMMON + PERSON_ONLY + ORGANISATION_ONLY + AGENT
# What makes a row worth taking in: anything typed but the selects' defaults.
TYPED = tuple(
    f for f in FIELDS if f not in ("role", "kind", "id_type", "agent_authority", "representative_role")
)

FIELD_NAMES: dict[str, str] = {
    "role": N_("Role"),
    "kind": N_("Kind of party"),
    "name": N_("Full name or organisation name"),
    "id_type": N_("Identity document"),
    "id_number": N_("ID number"),
    "phone": N_("Phone"),
    "email": N_("E-mail (for invitations)"),
    "address": N_("Address or domicile"),
    "sex": N_("Sex"),
    "ethnicity": N_("Ethnicity"),
    "birth_date": N_("Date of birth"),
    "occupation": N_("Occupation or employer"),
    "representative_role": N_("Acts through"),
    "representative_name": N_("Representative's name"),
    "representative_title": N_("Representative's title"),
    "agent_name": N_("Agent's name"),
    "agent_relation": N_("Agent's relation to the party"),
    "agent_law_firm": N_("Agent's law firm"),
    "agent_authority": N_("Agent's authority"),
    "agent_scope": N_("Scope of authority"),
    "agent_phone": N_("Agent's phone"),
}


def blank(role: str, **values: str) -> dict[str, str]:
    """An empty row (a person, their identity card, a general agent if one is named)."""
    return {**{f: "" for f in FIELDS}, "role": role, "kind": "person", "agent_authority": "general", **values}


def rows(raw: Raw, prefix: str = "party_") -> list[dict[str, str]]:
    """The rows as typed (to show again), one dict per row."""
    columns = {f: list(raw.get(prefix + f, [])) for f in FIELDS}
    count = max((len(c) for c in columns.values()), default=0)
    out = []
    for r in range(count):
        row = {f: (str(c[r]).strip() if r < len(c) else "") for f, c in columns.items()}
        row["kind"] = row["kind"] if row["kind"] in ("person", "organisation") else "person"
        row["agent_authority"] = row["agent_authority"] or "general"
        out.append(row)
    return out


def is_blank(row: Mapping[str, str]) -> bool:
    return not any(row.get(f) for f in TYPED)


def body(row: Mapping[str, str]) -> dict[str, Any]:
    """The row as ``PartyIn`` takes it: the other kind's fields and empty values left out."""
    own = PERSON_ONLY if row.get("kind") == "organisation" else ORGANISATION_ONLY
    out: dict[str, Any] = {
        f: row[f] for f in COMMON + PERSON_ONLY + ORGANISATION_ONLY if f not in own and row.get(f)
    }
    out["name"] = row.get("name", "")
    if any(row.get(f) for f in AGENT if f != "agent_authority"):
        agent = {f.removeprefix("agent_"): row[f] for f in AGENT if row.get(f)}
        agent["name"] = row.get("agent_name", "")
        out["agents"] = [agent]
    return out


def values_of(party: Any) -> dict[str, str]:
    """A stored party (``referrals.models.Party``) as its form row, for the edit page."""
    row = blank(party.role)
    for f in COMMON + PERSON_ONLY + ORGANISATION_ONLY:
        value = getattr(party, f)
        row[f] = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    if party.agents:
        agent = party.agents[0]
        for f in AGENT:
            row[f] = str(getattr(agent, f.removeprefix("agent_")) or "")
    return row


def field_key(loc: Sequence[str]) -> str:
    """A location inside one party (``("agents", "0", "name")``) as the row's field name."""
    if len(loc) >= 3 and loc[0] == "agents":
        return f"agent_{loc[2]}"
    return loc[0] if loc else ""
