"""The case file (一案一档, People's Mediation Law art. 27) as one PDF, in the order of the justice
ministry's case-file practice:

卷宗封面 (cover) · 卷内目录 (contents, with the page each part starts on) · 人民调解申请书 ·
受理登记表 · 权利义务告知书 · 不予受理告知书 · 调解笔录 (contributed by other packages through
``Plugin.casefile_sections``) · 人民调解协议书 or 终止人民调解告知书 · 司法确认申请书 and the court's
decision · 回访记录 · 证据材料清单 · 备考表 (back cover).

Parts are filled in inside the caller's read transaction (``parts``); ``assemble`` then lays each
one out with the volume's page numbers, counts its pages, writes the contents list with the real
numbers, and binds everything into one PDF, off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import etags
from hub.documents import combine_sync, render_pages_sync, render_template, renderer_key
from hub.labels import label
from hub.models import Agency
from hub.orm import utcnow
from hub.plugins import CASEFILE_SECTIONS
from referrals.agreements.agreements import CaseAgreement
from referrals.agreements.documents import agreement_document, confirmation_document
from referrals.casefile import contents
from referrals.casefile.context import FileFacts
from referrals.casefile.documents import TITLES, applicable, date_cn, form_document
from referrals.models import CourtApplication, Evidence

COURT_OUTCOMES = {"confirmed": "确认调解协议有效", "refused": "驳回司法确认申请（不予确认）"}
RESULTS = {
    "resolved": "调解成功，达成协议",
    "confirmation_applied": "调解成功，已申请司法确认",
    "confirmed": "调解成功，协议经司法确认",
    "confirmation_refused": "调解成功，司法确认申请被驳回",
    "closed": "调解成功，已结案",
    "failed": "调解不成，终止调解",
    "withdrawn": "当事人撤回，终止调解",
}


@dataclass(frozen=True)
class Part:
    """One paper of the volume: its title in the contents list, its date, its filled-in HTML."""

    title: str
    day: date | None
    html: str


def _form(env: jinja2.Environment, f: FileFacts, name: str, day: date | None) -> Part:
    return Part(TITLES[name], day, form_document(env, f, name).html)


def _page(env: jinja2.Environment, name: str, title: str, f: FileFacts, **context: Any) -> str:
    return render_template(
        env, f"referrals/casefile/{name}.html", f=f, title=title, date_cn=date_cn, **context
    )


async def parts(s: AsyncSession, app: web.Application, env: jinja2.Environment, f: FileFacts) -> list[Part]:
    """The volume's papers between the contents list and the back cover, in the file's order."""
    forms = applicable(f)
    referral = f.referral
    accepted = f.day(referral.accepted_at) if referral else None
    out: list[Part] = []
    if "application" in forms:
        out.append(_form(env, f, "application", f.day(f.case.consent_at or f.case.created_at)))
    if "registration" in forms:
        out.append(_form(env, f, "registration", accepted))
    if "rights" in forms:
        out.append(_form(env, f, "rights", accepted))
    if "refusal" in forms:
        refused = [p.consent_at for p in f.parties if p.consent == "refused" and p.consent_at]
        out.append(_form(env, f, "refusal", f.day(max(refused)) if refused else None))
    sections = [x for contribute in app[CASEFILE_SECTIONS] for x in await contribute(app, s, f.case.id)]
    for section in sorted(sections, key=lambda x: x.day or date.max):
        out.append(Part(section.title, section.day, section.html))
    agreement = f.agreement
    if agreement is not None:
        ca = CaseAgreement(f.case, referral, agreement, set())
        document = await agreement_document(s, env, ca, f.zone, reveal=f.reveal)
        out.append(Part("人民调解协议书", agreement.effective_date, document.html))
    if "termination" in forms:
        out.append(_form(env, f, "termination", f.day(f.ended_at)))
    if agreement is not None and agreement.confirmation_applied_at is not None:
        ca = CaseAgreement(f.case, referral, agreement, set())
        document = await confirmation_document(s, env, ca, f.zone, reveal=f.reveal)
        out.append(Part("司法确认申请书", f.day(agreement.confirmation_applied_at), document.html))
    if agreement is not None and agreement.court_outcome:
        court = await s.get(Agency, agreement.court_agency_id) if agreement.court_agency_id else None
        application = await s.scalar(
            select(CourtApplication).where(CourtApplication.agreement_id == agreement.id)
        )
        ruled = application.ruling_date if application and application.ruling_date else None
        html = _page(
            env,
            "court",
            "司法确认结果",
            f,
            court=court.name if court else "",
            outcome=COURT_OUTCOMES.get(agreement.court_outcome, agreement.court_outcome),
            decided_on=date_cn(ruled or f.day(agreement.court_decided_at)),
            applied_on=date_cn(f.day(agreement.confirmation_applied_at)),
            application=application,
        )
        out.append(Part("司法确认结果", f.day(agreement.court_decided_at), html))
    if "followups" in forms:
        first = min(v.done_at for v in f.followups if v.done_at)
        out.append(_form(env, f, "followups", f.day(first)))
    evidence = (
        await s.scalars(select(Evidence).where(Evidence.case_id == f.case.id).order_by(Evidence.id))
    ).all()
    if evidence:
        html = _page(
            env, "evidence", "证据材料清单", f, evidence=evidence, when=lambda at: date_cn(f.day(at))
        )
        first = min(e.captured_at or e.uploaded_at for e in evidence)  # when it was gathered
        out.append(Part("证据材料清单", f.day(first), html))
    return out


@dataclass(frozen=True)
class Volume:
    """What the cover and the back cover say besides the parts."""

    f: FileFacts
    env: jinja2.Environment
    made_on: date
    evidence_count: int

    @property
    def name(self) -> str:
        """卷宗名称: 王芳与青川某装饰有限公司邻里纠纷."""
        applicants = [p.name for p in self.f.parties if p.role == "applicant"]
        others = [p.name for p in self.f.parties if p.role != "applicant"]
        sides = "与".join("、".join(side) for side in (applicants, others) if side)
        return sides + label(self.f.case.category, "zh_CN")

    @property
    def result(self) -> str:
        if any(p.consent == "refused" for p in self.f.parties):
            return "当事人拒绝调解，不予受理"
        referral = self.f.referral
        return RESULTS.get(referral.state, "调解中") if referral else "未移送调解"

    @property
    def retention(self) -> str:
        confirmed = self.f.agreement is not None and self.f.agreement.court_outcome == "confirmed"
        return contents.retention(confirmed=confirmed, group_dispute=self.f.case.group_dispute)

    def closed_on(self) -> str:
        referral = self.f.referral
        if referral is None:
            return date_cn(None)
        return date_cn(self.f.day(referral.closed_at or referral.decided_at or self.f.ended_at))

    def render(self, name: str, **context: Any) -> str:
        return _page(self.env, name, "", self.f, v=self, **context)

    def etag(self, body: list[Part]) -> str:
        """A strong tag for the bound volume, known before it is laid out: the renderer, the
        parts' HTML, and the cover, contents list and back cover filled in with everything but
        the page numbers (those follow from the parts' HTML through the same renderer)."""
        titles = [(p.title, p.day) for p in body] + [(BACK_COVER, self.made_on)]
        frame = (
            self.render("cover", total=0, parts=len(body)),
            self.render("contents", entries=contents.placeholders(titles)),
            self.render("back_cover", parts=len(body), total=0, evidence=self.evidence_count),
        )
        return etags.of(renderer_key(), *frame, *(part.html for part in body))


BACK_COVER = "备考表"


def assemble_sync(volume: Volume, body: list[Part]) -> bytes:
    """Bind the volume: count the contents list's pages, lay out each part from the page it starts
    on, then write the contents list with the real numbers. Blocking (WeasyPrint)."""
    titles = [(p.title, p.day) for p in body] + [(BACK_COVER, volume.made_on)]
    guess = len(render_pages_sync(volume.render("contents", entries=contents.placeholders(titles))).pages)
    for _attempt in range(3):
        first = contents.COVER_PAGES + guess + 1
        rendered, counts, page = [], [], first
        for part in body:
            document = render_pages_sync(part.html, contents.stamp_css(page))
            rendered.append(document)
            counts.append(len(document.pages))
            page += counts[-1]
        back = render_pages_sync(
            volume.render("back_cover", parts=len(body), total=page, evidence=volume.evidence_count),
            contents.stamp_css(page),
        )
        total = page + len(back.pages) - 1
        entries = contents.entries(titles, [*counts, len(back.pages)], first_page=first)
        listing = render_pages_sync(
            volume.render("contents", entries=entries), contents.stamp_css(contents.COVER_PAGES + 1)
        )
        if len(listing.pages) == guess:
            break
        guess = len(listing.pages)  # the real numbers took another page: lay the parts out again
    cover = render_pages_sync(volume.render("cover", total=total, parts=len(body)))
    return combine_sync([cover, listing, *rendered, back])


async def assemble(volume: Volume, body: list[Part]) -> bytes:
    return await asyncio.to_thread(assemble_sync, volume, body)


def file_names(number: str) -> tuple[str, str]:
    """The volume's file name and its ASCII fallback."""
    return f"一案一档-{number}.pdf", f"casefile-{number}.pdf"


def today(zone: Any) -> date:
    return utcnow().astimezone(zone).date()
