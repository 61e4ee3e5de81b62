"""Changing a party after intake: the agencies working on the case correct or complete what the
papers need (an address, the representative, an agent), and the audit log keeps what changed.

A change is checked as a whole party (``PartyIn``, as at intake), so an organisation never ends up
with a sex and an identity number is checked again. The audit row names each changed field with
its old and new value; identity numbers and phones are kept there masked, as overseers see them.
Consent has its own way (``consent.py``): a refusal stops the case.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import Forbidden
from hub.outbound.contact import mask_email
from hub.permissions import Guard
from referrals.cases.intake import PartyInput
from referrals.errors import PartyEditForbidden
from referrals.models import Case, Party, PartyAgent, Referral
from referrals.permissions import CasePermission
from referrals.visibility import mask_id_number, mask_phone, works_on

FIELDS = (
    "role",
    "kind",
    "name",
    "id_type",
    "id_number",
    "phone",
    "email",
    "address",
    "sex",
    "ethnicity",
    "birth_date",
    "occupation",
    "representative_role",
    "representative_name",
    "representative_title",
)
PERSON_ONLY = ("sex", "ethnicity", "birth_date", "occupation")
ORGANISATION_ONLY = ("representative_role", "representative_name", "representative_title")
AGENT_FIELDS = ("name", "id_number", "phone", "relation", "law_firm", "authority", "scope")
MASKED = {"id_number": mask_id_number, "phone": mask_phone, "email": mask_email}


def check_may_edit(guard: Guard, case: Case, latest: Referral | None) -> None:
    """Those who work on the case (its taking-in agency, both ends of its current referral) with a
    role that may edit parties; an overseer sees the case but changes nothing in it."""
    if not guard.allows(CasePermission.edit_parties):
        raise Forbidden()
    if not works_on(guard.principal, case, latest):
        raise PartyEditForbidden()


def current(party: Party) -> dict[str, Any]:
    """The party as ``PartyIn`` reads it (consent left out: it has its own way)."""
    out: dict[str, Any] = {f: getattr(party, f) for f in FIELDS}
    out["agents"] = [{f: getattr(a, f) for f in AGENT_FIELDS} for a in party.agents]
    return out


def merged(party: Party, patch: dict[str, Any]) -> dict[str, Any]:
    """The party with a change applied, for ``PartyIn`` to check whole. Changing the kind clears
    what only the other kind has; a new identity number gives sex and birth date anew."""
    base = current(party)
    kind = patch.get("kind", base["kind"])
    if kind != base["kind"]:
        for name in ORGANISATION_ONLY if kind == "person" else PERSON_ONLY:
            base[name] = None if name == "birth_date" else ""
        base["id_type"] = None
    if "id_number" in patch or "id_type" in patch:
        for name in ("sex", "birth_date"):
            if name not in patch:
                base[name] = None if name == "birth_date" else ""
    return {k: v for k, v in {**base, **patch}.items() if v is not None}


def _shown(name: str, value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if name in MASKED and isinstance(value, str):
        return MASKED[name](value)
    return value


async def edit(
    s: AsyncSession, actor: audit.Actor, case: Case, party: Party, data: PartyInput
) -> dict[str, Any]:
    """Apply the checked party; the audit row (``party.edited``) lists what changed, if anything."""
    changed: dict[str, list[Any]] = {}
    for name in FIELDS:
        old, new = getattr(party, name), getattr(data, name)
        if old != new:
            changed[name] = [_shown(name, old), _shown(name, new)]
            setattr(party, name, new)
    old_agents = [tuple(getattr(a, f) for f in AGENT_FIELDS) for a in party.agents]
    new_agents = [tuple(getattr(a, f) for f in AGENT_FIELDS) for a in data.agents]
    if old_agents != new_agents:
        changed["agents"] = [[a[0] for a in old_agents], [a[0] for a in new_agents]]
        party.agents = [PartyAgent(**vars(a)) for a in data.agents]
    if changed:
        await s.flush()
        await audit.record(
            s, actor, "party.edited", "case", case.id, {"party_id": party.id, "changed": changed}
        )
    return changed
