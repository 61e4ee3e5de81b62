"""Demo data for the case file: one case whose file is complete, and one refusal.

- The online-shop case (宋佳 v 谢东: agreement, judicial confirmation, a visit, closed) gets what the
  forms ask of its parties where the story left it out (sex, ethnicity, date of birth from the ID
  number, address, occupation), an agent for the buyer, both parties' acknowledgements of the notice
  of rights and duties, and the receipt as evidence. Its ``/cases/{id}/casefile.pdf`` is the full file.
- In the family case nobody had agreed to yet (田雨 v 田野), the respondent refuses mediation (recorded
  as said), so the file holds a 不予受理告知书.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from referrals.casefile import acknowledgements
from referrals.evidence import sniff
from referrals.evidence.demo import photo_png
from referrals.evidence.records import Received, attach
from referrals.evidence.schemas import EvidenceMeta
from referrals.evidence.store import BlobStore
from referrals.models import Case, Evidence, Party, PartyAgent, Referral, RightsAcknowledgement

COMPLETE = "宋佳"  # first party of the demo case whose file is complete
REFUSING = "田野"  # refuses mediation
PARTIES = {
    "宋佳": ("female", "青川区滨江路66号3幢502室", "青川区某科技公司职员"),
    "谢东": ("male", "青川区商贸街18号", "网店经营者"),
}


async def _case_of(ctx: DemoContext, first_party: str) -> int | None:
    async with ctx.db.read() as s:
        return await s.scalar(
            select(Party.case_id).where(Party.name == first_party).order_by(Party.case_id).limit(1)
        )


def _birth_date(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


async def load(ctx: DemoContext) -> None:
    await _complete_file(ctx)
    await _refusal(ctx)


async def _complete_file(ctx: DemoContext) -> None:
    case_id = await _case_of(ctx, COMPLETE)
    if case_id is None:
        return
    async with ctx.db.write() as s:
        if await s.scalar(select(RightsAcknowledgement.id).where(RightsAcknowledgement.case_id == case_id)):
            return
        case = await s.get(Case, case_id)
        referral = await s.scalar(
            select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc())
        )
        if case is None or referral is None or referral.accepted_at is None:
            return
        for p in case.parties:
            sex, address, occupation = PARTIES.get(p.name, ("", "", ""))
            p.sex = p.sex or sex
            p.ethnicity = p.ethnicity or "汉族"
            p.birth_date = p.birth_date or _birth_date(p.id_number)
            p.address = p.address or address
            p.occupation = p.occupation or occupation
            if p.name == COMPLETE and not p.agents:
                p.agents.append(PartyAgent(name="宋建国", relation="系宋佳之父", authority="general"))
            s.add(
                RightsAcknowledgement(
                    case_id=case.id,
                    party_id=p.id,
                    acknowledged_at=referral.accepted_at + timedelta(hours=1),
                    method="signed",
                    recorded_by_id=referral.mediator_id,
                    recorded_at=referral.accepted_at + timedelta(hours=1),
                )
            )
        await s.flush()
        actor = audit.Actor(referral.mediator_id, referral.to_agency_id)
        for p in case.parties:
            data = {"case": case.number, "method": "signed", "demo": True}
            await audit.record(
                s, actor, acknowledgements.ACKNOWLEDGED, acknowledgements.OBJECT_TYPE, p.id, data
            )
        has_evidence = await s.scalar(select(Evidence.id).where(Evidence.case_id == case.id))
        captured = referral.accepted_at + timedelta(hours=2)
    if has_evidence or ctx.data_dir is None:
        return
    blob = await BlobStore(ctx.data_dir / "evidence").put(photo_png())
    meta = EvidenceMeta(
        description="网店订单及付款凭证截图",
        captured_at=captured,
        captured_by="调解员",
        captured_place="调解室",
    )
    received = Received(blob, sniff.TYPES["png"], "付款凭证.png", meta)
    async with ctx.db.write() as s:
        case = await s.get(Case, case_id)
        assert case is not None
        await attach(s, actor, case, received, None, Outbox())


async def _refusal(ctx: DemoContext) -> None:
    async with ctx.db.write() as s:
        party = await s.scalar(select(Party).where(Party.name == REFUSING).order_by(Party.id).limit(1))
        if party is None or party.consent != "pending":
            return
        case = await s.get(Case, party.case_id)
        assert case is not None
        party.consent = "refused"
        party.consent_at = case.created_at + timedelta(hours=3)
        party.consent_method = "verbal_recorded"
