"""The case file's page (its forms, the parties' acknowledgements and the form to record one) and
its downloads: each form as PDF, the whole file as one PDF, and the archive (ZIP) with the evidence.
Cookie or Bearer token, for whoever may see the case (outsiders get 404)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from hub import etags, flash
from hub.documents import PDF, PRIVATE, inline_disposition
from hub.errors import HubError
from hub.forms import Form
from hub.i18n import N_
from hub.routing import Ctx, Routes, validate
from hub.templating import JINJA, render
from referrals.agreements.views import local_time
from referrals.casefile import archive, volume
from referrals.casefile.documents import form_document
from referrals.casefile.schemas import AcknowledgementIn
from referrals.casefile.views import acknowledge, casefile_out, fill, pack, read
from referrals.permissions import CasePermission

routes = Routes()
TAGS = ("case file",)


async def _page(ctx: Ctx, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        ca, f = await read(ctx, s)
    out = casefile_out(f)
    may_record = ca.receiver and f.accepted and ctx.must.allows(CasePermission.act_on_referrals)
    return render(
        ctx,
        "referrals/casefile/page.html",
        status=status,
        case=ca.case,
        file=out,
        may_record=may_record,
        error=error,
    )


@routes.page("GET", "/cases/{id}/casefile", perm=CasePermission.view_cases, name="case_file")
async def casefile_page(ctx: Ctx) -> web.Response:
    return await _page(ctx)


@routes.page("POST", "/cases/{id}/casefile/acknowledgements", perm=CasePermission.act_on_referrals)
async def acknowledge_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        body = validate(
            AcknowledgementIn,
            {
                "party_id": form.text("party_id"),
                "method": form.text("method"),
                "acknowledged_at": local_time(form.text("acknowledged_at"), ctx),
            },
        )
        await acknowledge(ctx, body)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await _page(ctx, status=exc.status, error=exc.text())
    where = f"/cases/{ctx.match_int('id')}/casefile#acknowledgements"
    raise flash.redirect(ctx.request, where, N_("The acknowledgement is recorded."))


@routes.page(
    "GET",
    "/cases/{id}/forms/{form}.pdf",
    perm=CasePermission.view_cases,
    summary=(
        "One form of the case file as PDF: application (人民调解申请书), registration (受理登记表), "
        "rights (权利义务告知书), refusal (不予受理告知书), termination (终止人民调解告知书), "
        "followups (回访记录); 404 for a form the case does not have"
    ),
    produces="application/pdf",
    tags=TAGS,
)
async def form_pdf(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        _ca, f = await read(ctx, s)
        document = form_document(ctx.request.app[JINJA], f, ctx.request.match_info["form"])
    return await document.response(ctx.request)


@routes.page(
    "GET",
    "/cases/{id}/casefile.pdf",
    perm=CasePermission.view_cases,
    summary=(
        "The whole case file (一案一档) as one PDF: cover, contents with page numbers, the forms, "
        "the minutes, the agreement, the court's decision, the follow-ups and the back cover"
    ),
    produces="application/pdf",
    tags=TAGS,
)
async def casefile_pdf(ctx: Ctx) -> web.Response:
    case, made, body = await fill(ctx)
    tag = made.etag(body)
    headers = {"Content-Disposition": inline_disposition(*volume.file_names(case.number))}
    if etags.matches(ctx.request, tag):  # the caller's copy is current: not laid out again
        return etags.respond(
            ctx.request, b"", etag=tag, content_type=PDF, headers=headers, cache_control=PRIVATE
        )
    pdf = await volume.assemble(made, body)
    return web.Response(
        body=pdf, headers={"Content-Type": PDF, "Cache-Control": PRIVATE, "ETag": tag, **headers}
    )


@routes.page(
    "GET",
    "/cases/{id}/casefile.zip",
    perm=CasePermission.view_cases,
    summary=(
        "The case file as a ZIP: the PDF, every evidence file, the evidence's chain of custody (CSV) "
        "and SHA256SUMS; each evidence file copied is recorded in the chain of custody"
    ),
    produces="application/zip",
    tags=TAGS,
)
async def casefile_zip(ctx: Ctx) -> web.StreamResponse:
    case, body = await pack(ctx)
    try:
        size = await asyncio.to_thread(lambda: body.seek(0, 2))
        body.seek(0)
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/zip",
                "Content-Disposition": inline_disposition(
                    f"一案一档-{case.number}.zip", f"casefile-{case.number}.zip", "attachment"
                ),
                "Content-Length": str(size),
                "Cache-Control": "private, no-store",
            }
        )
        await response.prepare(ctx.request)
        while chunk := await asyncio.to_thread(body.read, archive.CHUNK):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        body.close()
