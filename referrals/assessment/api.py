"""JSON API of the assessment: the figures and ranking, incident counts, the subsidy and its levels,
a settled case's difficulty."""

from __future__ import annotations

from hub.orm import utcnow
from hub.routing import Ctx, Routes
from referrals.assessment import settings, subsidy
from referrals.assessment.schemas import (
    AssessmentOut,
    AssessQuery,
    CountOut,
    DifficultyIn,
    DifficultyOut,
    IncidentsIn,
    LevelOut,
    LevelsIn,
    LevelsOut,
    SubsidyOut,
)
from referrals.assessment.service import levels as load_levels
from referrals.assessment.views import (
    assessment,
    assessment_out,
    check_bureau,
    set_case_difficulty,
    subsidy_data,
    subsidy_out,
)
from referrals.permissions import CasePermission

routes = Routes()
TAGS = ("assessment",)


@routes.api(
    "GET",
    "/api/v1/assessment",
    perm=CasePermission.view_cases,
    summary="The assessment (考核) per station, town and receiving body, ranked; query start, end, rank",
    query=AssessQuery,
    response=AssessmentOut,
    tags=TAGS,
)
async def assessment_api(ctx: Ctx, query: AssessQuery) -> AssessmentOut:
    return assessment_out(await assessment(ctx))


@routes.api(
    "PUT",
    "/api/v1/assessment/incidents",
    perm=CasePermission.manage_assessment,
    summary="Set stations' monthly incident counts (警情数)",
    body=IncidentsIn,
    response=CountOut,
    tags=TAGS,
)
async def incidents_put(ctx: Ctx, body: IncidentsIn) -> CountOut:
    items = [settings.IncidentInput(i.agency_id, settings.parse_month(i.month), i.count) for i in body.items]
    async with ctx.write() as (s, _outbox):
        saved = await settings.set_incidents(s, ctx.user.actor, ctx.must.scope, items, utcnow())
    return CountOut(saved=saved)


@routes.api(
    "GET",
    "/api/v1/assessment/subsidy",
    perm=CasePermission.view_cases,
    summary="The per-case subsidy (以案定补) per mediator per month; query start, end",
    query=AssessQuery,
    response=SubsidyOut,
    tags=TAGS,
)
async def subsidy_api(ctx: Ctx, query: AssessQuery) -> SubsidyOut:
    return subsidy_out(await subsidy_data(ctx))


@routes.api(
    "PUT",
    "/api/v1/assessment/subsidy/levels",
    perm=CasePermission.manage_assessment,
    summary="Replace the subsidy's difficulty levels and their amounts (the district's bureaus)",
    body=LevelsIn,
    response=LevelsOut,
    tags=TAGS,
)
async def levels_put(ctx: Ctx, body: LevelsIn) -> LevelsOut:
    await check_bureau(ctx)
    chosen = [subsidy.Level(lv.code, lv.name, lv.amount) for lv in body.levels]
    async with ctx.write() as (s, _outbox):
        await settings.set_levels(s, ctx.user.actor, chosen, utcnow())
        found = await load_levels(s)
    return LevelsOut(levels=[LevelOut(code=lv.code, name=lv.name, amount=lv.amount) for lv in found])


@routes.api(
    "PUT",
    "/api/v1/cases/{id}/difficulty",
    perm=CasePermission.manage_assessment,
    summary="Set a settled case's subsidy level by hand (null: back to the rule's)",
    body=DifficultyIn,
    response=DifficultyOut,
    tags=TAGS,
)
async def difficulty_put(ctx: Ctx, body: DifficultyIn) -> DifficultyOut:
    case_id = ctx.match_int("id")
    await set_case_difficulty(ctx, case_id, body.level, body.reason)
    return DifficultyOut(case_id=case_id, level=body.level)
