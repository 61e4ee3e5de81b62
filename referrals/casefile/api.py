"""The case file's API: which forms a case has and each party's acknowledgement of the notice of
rights and duties; recording one."""

from __future__ import annotations

from hub.routing import Ctx, Routes
from referrals.casefile.schemas import AcknowledgementIn, AcknowledgementOut, CaseFileOut
from referrals.casefile.views import acknowledge, casefile_out, read
from referrals.permissions import CasePermission

routes = Routes()
TAGS = ("case file",)


@routes.api(
    "GET",
    "/api/v1/cases/{id}/casefile",
    perm=CasePermission.view_cases,
    summary="The case file (一案一档): its forms, the parties' acknowledgements, the PDF and the ZIP",
    response=CaseFileOut,
    tags=TAGS,
)
async def casefile_api(ctx: Ctx) -> CaseFileOut:
    async with ctx.db.read() as s:
        _ca, f = await read(ctx, s)
    return casefile_out(f)


@routes.api(
    "POST",
    "/api/v1/cases/{id}/acknowledgements",
    perm=CasePermission.act_on_referrals,
    summary=(
        "Record that a party acknowledged the notice of rights and duties (权利义务告知书): "
        "the receiving body of an accepted referral"
    ),
    body=AcknowledgementIn,
    response=AcknowledgementOut,
    status=201,
    tags=TAGS,
)
async def acknowledge_api(ctx: Ctx, body: AcknowledgementIn) -> AcknowledgementOut:
    return await acknowledge(ctx, body)
