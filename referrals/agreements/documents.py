"""The two official documents of an agreement, as PDFs laid out like the printed forms.

- 人民调解协议书 (``agreement.pdf``): parties, facts, numbered terms, how and when they are performed,
  copies, signature lines for every party, the mediator and the mediation organisation (seal), and the
  boxed line with the last day to apply for judicial confirmation.
- 司法确认申请书 (``confirmation.pdf``): the parties as joint applicants, the request, facts and reasons
  with the agreement's terms, the deadline, 此致 and the court, signature lines.

Both are Chinese whoever asks (they are the forms' own wording, not translated interface text).
They show full ID numbers and phones to those who work on the case (the taking-in agency, the
current receiving body: ``reveal``), masked to anyone else who may see it, as every list does.
The formatting helpers at the top are pure; rendering runs off the event loop (``hub.documents``).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents import Document, render_template
from hub.models import Agency, User
from hub.plaintext import day_text
from referrals import deadlines
from referrals.agencies import policy_for
from referrals.agreements.agreements import CaseAgreement
from referrals.agreements.court import court_for
from referrals.errors import AgreementMissing, BadCourt
from referrals.models import Agreement, AgreementTerm, Party, Referral
from referrals.party_text import AgentFacts, PartyFacts, describe, describe_agent
from referrals.visibility import mask_id_number, mask_phone

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")
_SMALL = "零一二三四五六七八九"
BLANK_DATE = "　　　　年　　月　　日"


# --- pure formatting ------------------------------------------------------------------------------


def date_cn(value: date | None) -> str:
    """2026年12月8日 (no leading zeros, as on the printed forms); blanks to fill in by hand."""
    return day_text(value) if value else BLANK_DATE


def number_cn(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 30 -> 三十 (for item numbers, copies and day counts below 100)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _SMALL[tens] + "十")
    return head + (_SMALL[ones] if ones else "")


def yuan(amount: Decimal) -> str:
    """3500 -> 3500元; 3500.5 -> 3500.50元."""
    value = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"
    return f"{text}元"


def _group_upper(g: int) -> str:
    out, zero = "", False
    for pos in (3, 2, 1, 0):
        d = g // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _UNITS[pos]
    return out


def _integer_upper(n: int) -> str:
    groups: list[int] = []
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    out, gap = "", False
    for index in reversed(range(len(groups))):
        g = groups[index]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _group_upper(g) + _GROUPS[index]
        gap = False
    return out


def rmb_upper(amount: Decimal) -> str:
    """The amount in capital numerals, as on cheques and agreements: 3500 -> 叁仟伍佰元整."""
    cents = int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    if cents < 0:
        raise ValueError("amounts are not negative")
    yuan_part, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    head = _integer_upper(yuan_part) + "元" if yuan_part else ""
    if not jiao and not fen:
        return (head or "零元") + "整"
    tail = ""
    if jiao:
        tail += _DIGITS[jiao] + "角"
    elif head:
        tail += "零"
    if fen:
        tail += _DIGITS[fen] + "分"
    return head + tail


def term_sentence(term: AgreementTerm, names: dict[int, str]) -> str:
    """义务人X于YYYY年M月D日前向Y支付修车费人民币3500元（大写：叁仟伍佰元整）。"""
    text = names.get(term.obligor_party_id, "")
    if term.due_date:
        text += f"于{date_cn(term.due_date)}前"
    if term.obligee_party_id:
        text += f"向{names.get(term.obligee_party_id, '')}"
    text += term.description.rstrip("。；;，,")
    if term.amount is not None:
        text += f"人民币{yuan(term.amount)}（大写：{rmb_upper(term.amount)}）"
    return text + "。"


def performance_line(position: int, term: AgreementTerm, names: dict[int, str]) -> str:
    who = names.get(term.obligor_party_id, "")
    when = f"于{date_cn(term.due_date)}前履行完毕" if term.due_date else "自本协议生效之日起履行"
    return f"第{number_cn(position)}项由{who}{when}"


def items(agreement: Agreement, names: dict[int, str]) -> list[str]:
    """The numbered items: each term, then each line of the other terms."""
    lines = [term_sentence(t, names) for t in agreement.terms]
    lines += [line.strip() for line in agreement.other_terms.splitlines() if line.strip()]
    return [f"{number_cn(i)}、{line}" for i, line in enumerate(lines, start=1)]


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
    """Each party as the paper writes it (``referrals.party_text.describe``), identities masked
    for those who only oversee the case."""
    rows: list[dict[str, Any]] = []
    for p in parties:
        id_number = p.id_number if reveal else mask_id_number(p.id_number)
        phone = p.phone if reveal else mask_phone(p.phone)
        facts = PartyFacts(
            name=p.name,
            kind=p.kind,
            id_type=p.id_type,
            id_number=id_number,
            sex=p.sex,
            ethnicity=p.ethnicity,
            birth_date=p.birth_date,
            address=p.address,
            phone=phone,
            occupation=p.occupation,
            representative_role=p.representative_role,
            representative_name=p.representative_name,
            representative_title=p.representative_title,
        )
        agents = [
            describe_agent(AgentFacts(a.name, a.relation, a.law_firm, a.authority, a.scope)) for a in p.agents
        ]
        rows.append(
            {
                "role": p.role,
                "name": p.name,
                "id_number": id_number,
                "phone": phone,
                "address": p.address,
                "line": describe(facts),
                "agents": agents,
            }
        )
    return rows


async def _context(s: AsyncSession, ca: CaseAgreement, zone: ZoneInfo, reveal: bool) -> dict[str, Any]:
    agreement = ca.agreement
    if agreement is None:
        raise AgreementMissing()
    referral = await s.get(Referral, agreement.referral_id)
    assert referral is not None
    organisation = await s.get(Agency, referral.to_agency_id)
    mediator = await s.scalar(select(User.display_name).where(User.id == referral.mediator_id))
    policy = await policy_for(s, referral.to_agency_id)
    names = {p.id: p.name for p in ca.case.parties}
    applied = agreement.confirmation_applied_at
    return {
        "case": ca.case,
        "agreement": agreement,
        "parties": _party_rows(ca.case.parties, reveal),
        "names": "、".join(p.name for p in ca.case.parties),
        "items": items(agreement, names),
        "performance": [performance_line(i, t, names) for i, t in enumerate(agreement.terms, start=1)],
        "facts": [line.strip() for line in agreement.facts.splitlines() if line.strip()],
        "effective": date_cn(agreement.effective_date),
        "copies": number_cn(len(ca.case.parties) + 1),
        "deadline_line": deadline_line(agreement.effective_date, policy),
        "organisation": organisation.name if organisation else "",
        "mediator": mediator or "",
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
    """司法确认申请书, addressed to the court applied to (or the district's basic court)."""
    context = await _context(s, ca, zone, reveal)
    assert ca.agreement is not None
    try:
        court = (await court_for(s, ca.agreement.court_agency_id)).name
    except BadCourt:
        court = "　　　　人民法院"
    html = render_template(env, "referrals/documents/confirmation.html", court=court, **context)
    return Document(html, f"司法确认申请书-{ca.case.number}.pdf", f"confirmation-{ca.case.number}.pdf")
