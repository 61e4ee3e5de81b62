"""The application package for judicial confirmation (司法确认申请材料), as one PDF.

The parties apply jointly, within 30 days of the agreement taking effect, to the basic people's court
where the mediation organisation sits (Civil Procedure Law art. 205; People's Mediation Law art. 33).
The package opens with its list of materials, then binds the materials themselves:

1. 司法确认申请书 (the application, ``agreements.documents.confirmation_document``);
2. 人民调解协议书 (the agreement, ``agreements.documents.agreement_document``);
3. 当事人身份证明 (each party's identity document as recorded, and its agents');
4. 其他材料 (the evidence on file: name, kind, when captured, SHA-256).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.documents import BoundDocument, render_template
from hub.models import Agency
from referrals.agreements.agreements import CaseAgreement
from referrals.agreements.documents import agreement_document, confirmation_document, date_cn
from referrals.court.steps import CourtCase
from referrals.models import Evidence
from referrals.party_text import ID_TYPES
from referrals.visibility import mask_id_number

TEMPLATE = "referrals/documents/court_package.html"
KINDS = {"photo": "照片", "audio": "录音", "video": "视频", "document": "书面材料"}


def identity_rows(cc: CourtCase, reveal: bool) -> list[dict[str, str]]:
    rows = []
    for p in cc.case.parties:
        number = p.id_number if reveal else mask_id_number(p.id_number)
        rows.append(
            {
                "name": p.name,
                "kind": "法人或其他组织" if p.kind == "organisation" else "自然人",
                "document": ID_TYPES.get(p.id_type, "身份证件"),
                "number": number or "（未登记，需补交）",
                "representative": f"{p.representative_name}（{p.representative_title}）"
                if p.representative_name
                else "",
                "agents": "、".join(a.name for a in p.agents),
            }
        )
    return rows


async def _context(s: AsyncSession, cc: CourtCase, zone: ZoneInfo, reveal: bool) -> dict[str, Any]:
    court = await s.scalar(select(Agency.name).where(Agency.id == cc.application.court_agency_id))
    organisation = await s.scalar(select(Agency.name).where(Agency.id == cc.referral.to_agency_id))
    evidence = (
        await s.scalars(select(Evidence).where(Evidence.case_id == cc.case.id).order_by(Evidence.id))
    ).all()
    identities = identity_rows(cc, reveal)
    return {
        "case": cc.case,
        "court": court or "",
        "organisation": organisation or "",
        "applicants": "、".join(p.name for p in cc.case.parties),
        "applied_on": date_cn(cc.application.applied_at.astimezone(zone).date()),
        "effective": date_cn(cc.agreement.effective_date),
        "court_case_number": cc.application.court_case_number,
        "identities": identities,
        "evidence": [
            {
                "name": e.original_name or e.description or f"材料{i}",
                "kind": KINDS.get(e.kind, e.kind),
                "captured": date_cn(e.captured_at.astimezone(zone).date()) if e.captured_at else "",
                "sha256": e.sha256,
            }
            for i, e in enumerate(evidence, start=1)
        ],
        "materials": [
            ("司法确认申请书", "一份"),
            ("人民调解协议书", "一份"),
            ("当事人身份证明", f"{len(identities)}份"),
            ("其他材料（证据）", f"{len(evidence)}件" if evidence else "无"),
        ],
    }


async def package_document(
    s: AsyncSession, env: jinja2.Environment, cc: CourtCase, zone: ZoneInfo, *, reveal: bool
) -> BoundDocument:
    """The list of materials, then the application, the agreement, the identities and the other
    materials, bound as one PDF (render it after the read transaction)."""
    ca = CaseAgreement(cc.case, cc.referral, cc.agreement, set())
    context = await _context(s, cc, zone, reveal)
    cover = render_template(env, TEMPLATE, part="cover", **context)
    application = await confirmation_document(s, env, ca, zone, reveal=reveal)
    agreement = await agreement_document(s, env, ca, zone, reveal=reveal)
    annex = render_template(env, TEMPLATE, part="annex", **context)
    number = cc.case.number
    return BoundDocument(
        cover,
        f"司法确认申请材料-{number}.pdf",
        f"court-package-{number}.pdf",
        parts=(application.html, agreement.html, annex),
    )
