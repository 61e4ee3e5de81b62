"""Evidence pages and API: list and upload, download (audited), the chain of custody as CSV.

Uploads are multipart/form-data read as a stream (``evidence.receive``), not through
``request.post()``; browser forms carry their CSRF token in the action URL (``?_csrf=``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hub import exports
from hub.errors import HubError, NotFound
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.schemas import Page
from hub.templating import render
from referrals.errors import EvidenceUploadForbidden
from referrals.evidence import custody, records, sniff, thumbnails
from referrals.evidence.schemas import EvidenceOut
from referrals.models import Case, Referral
from referrals.permissions import CasePermission
from referrals.visibility import get_visible_case, latest_referral

routes = Routes()
TAGS = ("evidence",)


async def _case(ctx: Ctx) -> tuple[Case, Referral | None]:
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
        return case, await latest_referral(s, case.id)


async def _upload(ctx: Ctx) -> EvidenceOut:
    case, referral = await _case(ctx)
    if not records.may_upload(ctx.must, case, referral):
        raise EvidenceUploadForbidden()
    now = utcnow()
    store = records.store_for(ctx.config)
    received = await records.receive(ctx.request, store, zone=ctx.config.zone, now=now)
    async with ctx.write() as (s, outbox):
        row = await records.attach(s, ctx.user.actor, case, received, referral, outbox)
        out = records.evidence_out(row, ctx.user.display_name, ctx.user.agency_name)
    return out


@routes.api(
    "GET",
    "/api/v1/cases/{id}/evidence",
    perm=CasePermission.view_cases,
    summary="Evidence of a case, with SHA-256 hashes",
    response=Page[EvidenceOut],
    tags=TAGS,
)
async def list_api(ctx: Ctx) -> Page[EvidenceOut]:
    case, _ = await _case(ctx)
    async with ctx.db.read() as s:
        items = await records.list_for_case(s, case.id)
    return Page[EvidenceOut](items=items, total=len(items))


@routes.api(
    "POST",
    "/api/v1/cases/{id}/evidence",
    perm=CasePermission.view_cases,
    summary=(
        "Add evidence (multipart/form-data: file, description, captured_at, captured_by, captured_place); "
        "the taking-in agency and the current receiving agency only"
    ),
    response=EvidenceOut,
    status=201,
    tags=TAGS,
)
async def upload_api(ctx: Ctx) -> EvidenceOut:
    return await _upload(ctx)


async def _page(ctx: Ctx, status: int = 200, **extra: Any) -> web.Response:
    case, referral = await _case(ctx)
    async with ctx.db.read() as s:
        items = await records.list_for_case(s, case.id)
    added = ctx.request.query.get("added", "")
    limit = ctx.config.max_evidence_bytes
    return render(
        ctx,
        "referrals/evidence.html",
        status=status,
        case=case,
        items=items,
        added=next((e for e in items if str(e.id) == added), None),
        may_upload=records.may_upload(ctx.must, case, referral),
        max_bytes=limit,
        max_mib=round(limit / 1024 / 1024, 1),
        accept=sniff.accept_attribute(),
        **{"error": None, "details": None, **extra},
    )


@routes.page("GET", "/cases/{id}/evidence", perm=CasePermission.view_cases, name="case_evidence")
async def evidence_page(ctx: Ctx) -> web.Response:
    return await _page(ctx)


@routes.page("POST", "/cases/{id}/evidence", perm=CasePermission.view_cases)
async def evidence_form(ctx: Ctx) -> web.Response:
    try:
        out = await _upload(ctx)
    except HubError as exc:
        if exc.status == 404:
            raise
        message = exc.text()
        return await _page(ctx, status=exc.status, error=message, details=exc.details)
    raise web.HTTPSeeOther(f"/cases/{out.case_id}/evidence?added={out.id}#evidence-{out.id}")


@routes.page(
    "GET",
    "/cases/{id}/evidence/custody.csv",
    perm=CasePermission.view_cases,
    summary="Chain of custody of a case's evidence as CSV (UTF-8 with BOM): each upload and download",
    produces="text/csv",
    tags=TAGS,
)
async def custody_csv(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
        events = await custody.custody(s, case.id)
    header, rows = custody.table(events, ctx.config.time_zone)
    name = f"{case.number}-evidence-custody.csv"
    return exports.download(exports.csv_bytes(header, rows), exports.CSV_TYPE, name)


@routes.page(
    "GET",
    "/cases/{id}/evidence/{evidence_id}/thumbnail",
    perm=CasePermission.view_cases,
    summary="A small JPEG preview of a photo (not recorded as a download: it is not the file)",
    produces="image/jpeg",
    tags=TAGS,
)
async def thumbnail(ctx: Ctx) -> web.Response:
    store = records.store_for(ctx.config)
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
        row = await records.get(s, case.id, ctx.match_int("evidence_id"))
        path = await records.stored_file(store, row)
    if not thumbnails.has_preview(row.media_type):
        raise NotFound()
    try:
        body = await asyncio.to_thread(thumbnails.thumbnail, path)
    except thumbnails.NoPreview:
        raise NotFound() from None
    headers = {"Cache-Control": "private, max-age=3600"}
    return web.Response(body=body, content_type="image/jpeg", headers=headers)


# After custody.csv: the router tries routes in order, and this one would take that name too.
@routes.page(
    "GET",
    "/cases/{id}/evidence/{evidence_id}",
    perm=CasePermission.view_cases,
    summary="Download one piece of evidence (each download is recorded in the chain of custody)",
    produces="application/octet-stream",
    tags=TAGS,
)
async def download(ctx: Ctx) -> web.StreamResponse:
    store = records.store_for(ctx.config)
    async with ctx.write() as (s, _):
        case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
        row = await records.get(s, case.id, ctx.match_int("evidence_id"))
        path = await records.stored_file(store, row)
        await records.record_download(s, ctx.user.actor, row)
    headers = {
        "Content-Type": row.media_type,
        "Content-Disposition": exports.attachment(records.download_name(row)),
        "X-Content-SHA256": row.sha256,
        "Cache-Control": "private, no-store",
    }
    return web.FileResponse(path, headers=headers)
