"""A party row of the database as the papers write it: the one bridge from ``Party`` to the pure
``referrals.party_text`` sentences, used by the agreement and by every form of the case file."""

from __future__ import annotations

from referrals.models import Party
from referrals.party_text import AgentFacts, PartyFacts, describe, describe_agent
from referrals.visibility import mask_id_number, mask_phone


def facts_of(p: Party, reveal: bool) -> PartyFacts:
    """Identity numbers and phones in full for those working on the case, masked for overseers."""
    return PartyFacts(
        name=p.name,
        kind=p.kind,
        id_type=p.id_type,
        id_number=p.id_number if reveal else mask_id_number(p.id_number),
        sex=p.sex,
        ethnicity=p.ethnicity,
        birth_date=p.birth_date,
        address=p.address,
        phone=p.phone if reveal else mask_phone(p.phone),
        occupation=p.occupation,
        representative_role=p.representative_role,
        representative_name=p.representative_name,
        representative_title=p.representative_title,
    )


def identity_line(p: Party, reveal: bool) -> str:
    """``王芳，女，汉族，…`` (see ``party_text.describe``)."""
    return describe(facts_of(p, reveal))


def agent_lines(p: Party) -> tuple[str, ...]:
    """One ``委托代理人：…`` sentence per agent, in the order they were recorded."""
    return tuple(
        describe_agent(AgentFacts(a.name, a.relation, a.law_firm, a.authority, a.scope)) for a in p.agents
    )
