"""What the case file's API and pages share: reading a case's facts for the papers, the JSON
shape of its file, recording an acknowledgement, and binding the volume and its archive."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import exports
from hub.orm import utcnow
from hub.routing import Ctx
from hub.templating import JINJA
from referrals.agreements import agreements
from referrals.agreements.agreements import CaseAgreement
from referrals.casefile import acknowledgements, archive, volume
from referrals.casefile.context import FileFacts, gather
from referrals.casefile.documents import TITLES, applicable
from referrals.casefile.schemas import AcknowledgementIn, AcknowledgementOut, CaseFileOut, FormOut
from referrals.evidence import custody, records
from referrals.models import Case, Evidence
from referrals.visibility import reveals_to


async def read(ctx: Ctx, s: AsyncSession) -> tuple[CaseAgreement, FileFacts]:
    """The case the URL names (outsiders get 404) and the facts its papers are filled in from."""
    ca = await agreements.open_case(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
    reveal = await reveals_to(s, ctx.user, ca.case, ca.referral)
    return ca, await gather(s, ca.case, zone=ctx.config.zone, reveal=reveal)


def acknowledgements_out(f: FileFacts) -> list[AcknowledgementOut]:
    out = []
    for p in f.parties:
        ack = f.acknowledgements.get(p.id)
        out.append(
            AcknowledgementOut(
                party_id=p.id,
                name=p.name,
                role=p.role,
                acknowledged_at=ack.acknowledged_at if ack else None,
                method=ack.method if ack else None,
                recorded_by=f.person(ack.recorded_by_id) if ack else None,
            )
        )
    return out


def casefile_out(f: FileFacts) -> CaseFileOut:
    base = f"/cases/{f.case.id}"
    return CaseFileOut(
        case_id=f.case.id,
        number=f.case.number,
        forms=[FormOut(name=n, title=TITLES[n], url=f"{base}/forms/{n}.pdf") for n in applicable(f)],
        acknowledgements=acknowledgements_out(f),
        pdf_url=f"{base}/casefile.pdf",
        zip_url=f"{base}/casefile.zip",
    )


async def acknowledge(ctx: Ctx, body: AcknowledgementIn) -> AcknowledgementOut:
    async with ctx.write() as (s, outbox):
        ca = await agreements.open_case(
            s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"), for_update=True
        )
        row = await acknowledgements.record(
            s,
            ctx.user.actor,
            ca,
            body.party_id,
            body.method,
            at=body.acknowledged_at,
            now=utcnow(),
            outbox=outbox,
        )
        party = next(p for p in ca.case.parties if p.id == row.party_id)
        out = AcknowledgementOut(
            party_id=party.id,
            name=party.name,
            role=party.role,
            acknowledged_at=row.acknowledged_at,
            method=row.method,
            recorded_by=ctx.user.display_name,
        )
    return out


async def fill(ctx: Ctx) -> tuple[Case, volume.Volume, list[volume.Part]]:
    """The whole file filled in, in one read transaction, ready to be laid out (``bind``)."""
    app = ctx.request.app
    env = app[JINJA]
    async with ctx.db.read() as s:
        _ca, f = await read(ctx, s)
        body = await volume.parts(s, app, env, f)
        count = len((await s.scalars(select(Evidence.id).where(Evidence.case_id == f.case.id))).all())
    return f.case, volume.Volume(f, env, volume.today(ctx.config.zone), count), body


async def bind(ctx: Ctx) -> tuple[Case, bytes]:
    """The whole file as one PDF: filled in in one read transaction, laid out after it."""
    case, made, body = await fill(ctx)
    return case, await volume.assemble(made, body)


async def pack(ctx: Ctx) -> tuple[Case, BinaryIO]:
    """The archive: the PDF, the evidence (each copy recorded in the chain of custody, as a
    download is) and the custody CSV as it stands after that."""
    case, pdf = await bind(ctx)
    store = records.store_for(ctx.config)
    members = [archive.Member(volume.file_names(case.number)[0], data=pdf, media_type="application/pdf")]
    async with ctx.write() as (s, _outbox):
        rows = (
            await s.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id))
        ).all()
        for row in rows:
            path = await records.stored_file(store, row)
            await records.record_download(s, ctx.user.actor, row)
            name = f"evidence/{row.id:03d}-{records.download_name(row)}"
            members.append(archive.Member(name, path=path, media_type=row.media_type))
        events = await custody.custody(s, case.id)
    header, table = custody.table(events, ctx.config.time_zone)
    members.append(archive.Member("evidence-custody.csv", data=exports.csv_bytes(header, table)))
    return case, await archive.write(members, case.number)
