"""The two official documents of an agreement, as PDFs laid out like the printed forms.

- 人民调解协议书 (``agreement.pdf``), in the justice ministry's format and with what 人民调解法
  art. 29 requires: the committee's number at the top, the 调解组织 (the committee, not the room it
  works from), the parties, 纠纷主要事实, 争议事项, 各方当事人的责任, the numbered terms
  (``terms.sentence``), how and when they are performed, the number of copies, the effective date
  (the day the last party signed), signature lines for every party (按指印; an organisation's seal
  and its representative; agents), the mediator and the 记录人, and the committee's seal line.
- 司法确认申请书 (``confirmation.pdf``): the parties as joint applicants, the request, facts and reasons
  with the agreement's terms, the deadline, 此致 and the court (the one applied to, else the basic
  court of the committee), signature lines.

Both are Chinese whoever asks (they are the forms' own wording, not translated interface text).
They show full ID numbers and phones to those who work on the case (the taking-in agency, the
current receiving body: ``reveal``), masked to anyone else who may see it, as every list does.
The formatting helpers at the top are pure; rendering runs off the event loop (``hub.documents``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents import Document, render_template
from hub.models import User
from referrals import committees, deadlines
from referrals.agencies import policy_for
from referrals.agreements.agreements import CaseAgreement, copies_of
from referrals.agreements.court import court_for
from referrals.agreements.numerals import BLANK_DATE, date_cn, number_cn, rmb_upper, yuan
from referrals.agreements.terms import performance_line, sentence
from referrals.errors import AgreementMissing, BadCourt
from referrals.models import Agreement, Party, Referral
from referrals.party_papers import agent_lines, facts_of
from referrals.party_text import describe

__all__ = ["BLANK_DATE", "date_cn", "number_cn", "rmb_upper", "yuan", "items", "deadline_line"]


# --- pure formatting ------------------------------------------------------------------------------


def items(agreement: Agreement, names: dict[int, str]) -> list[str]:
    """The numbered items: each term (``terms.sentence``), then each line of the other terms."""
    lines = [sentence(t, names) for t in agreement.terms]
    lines += [line.strip() for line in agreement.other_terms.splitlines() if line.strip()]
    return [f"{number_cn(i)}、{line}" for i, line in enumerate(lines, start=1)]


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def deadline_line(effective: date | None, policy: deadlines.Policy) -> str:
    """The 30 days of the law, and their last day written out inclusive ("…前" is ambiguous)."""
    days = number_cn(deadlines.CONFIRMATION_DAYS)
    if effective is None:
        return f"双方当事人可自本协议生效之日起{days}日内共同向人民法院申请司法确认。"
    last = deadlines.confirmation_deadline(effective, policy)
    return (
        f"双方当事人可自本协议生效之日起{days}日内共同向人民法院申请司法确认，"
        f"申请期限至{date_cn(last)}（含当日）止。"
    )


# --- gathering and rendering ----------------------------------------------------------------------


def _party_rows(parties: list[Party], reveal: bool) -> list[dict[str, Any]]:
    """Each party as the paper writes it (``referrals.parties.paper``), identities masked for those
    who only oversee the case."""
    rows: list[dict[str, Any]] = []
    for p in parties:
        facts = facts_of(p, reveal)
        rows.append(
            {
                "role": p.role,
                "organisation": p.kind == "organisation",
                "representative": p.representative_name,
                "agent_names": [a.name for a in p.agents],
                "name": p.name,
                "id_number": facts.id_number,
                "phone": facts.phone,
                "address": p.address,
                "line": describe(facts),
                "agents": list(agent_lines(p)),
            }
        )
    return rows


async def _context(s: AsyncSession, ca: CaseAgreement, zone: ZoneInfo, reveal: bool) -> dict[str, Any]:
    agreement = ca.agreement
    if agreement is None:
        raise AgreementMissing()
    referral = await s.get(Referral, agreement.referral_id)
    assert referral is not None
    organisation = await committees.organisation_for(s, referral.to_agency_id, agreement.committee_id)
    mediator = await s.scalar(select(User.display_name).where(User.id == referral.mediator_id))
    policy = await policy_for(s, referral.to_agency_id)
    names = {p.id: p.name for p in ca.case.parties}
    applied = agreement.confirmation_applied_at
    return {
        "case": ca.case,
        "agreement": agreement,
        "number": agreement.document_number or ca.case.number,
        "parties": _party_rows(ca.case.parties, reveal),
        "names": "、".join(p.name for p in ca.case.parties),
        "items": items(agreement, names),
        "performance": [performance_line(i, t, names) for i, t in enumerate(agreement.terms, start=1)],
        "facts": lines_of(agreement.facts),
        "issues": lines_of(agreement.issues),
        "liabilities": lines_of(agreement.liabilities),
        "effective": date_cn(agreement.effective_date),
        "copies": number_cn(copies_of(agreement, ca.case.parties)),
        "deadline_line": deadline_line(agreement.effective_date, policy),
        "organisation": organisation.name,
        "seal_line": organisation.seal_line,
        "court_agency_id": agreement.court_agency_id or organisation.court_agency_id,
        "mediator": mediator or "",
        "recorder": agreement.recorder,
        "applied_on": date_cn(applied.astimezone(zone).date()) if applied else BLANK_DATE,
    }


async def agreement_document(
    s: AsyncSession, env: jinja2.Environment, ca: CaseAgreement, zone: ZoneInfo, *, reveal: bool
) -> Document:
    """人民调解协议书, filled in inside the caller's read transaction (render the PDF after it)."""
    html = render_template(env, "referrals/documents/agreement.html", **await _context(s, ca, zone, reveal))
    return Document(html, f"人民调解协议书-{ca.case.number}.pdf", f"agreement-{ca.case.number}.pdf")


async def confirmation_document(
    s: AsyncSession, env: jinja2.Environment, ca: CaseAgreement, zone: ZoneInfo, *, reveal: bool
) -> Document:
    """司法确认申请书, addressed to the court applied to, or else the committee's basic court."""
    context = await _context(s, ca, zone, reveal)
    try:
        court = (await court_for(s, context["court_agency_id"])).name
    except BadCourt:
        court = "　　　　人民法院"
    html = render_template(env, "referrals/documents/confirmation.html", court=court, **context)
    return Document(html, f"司法确认申请书-{ca.case.number}.pdf", f"confirmation-{ca.case.number}.pdf")
