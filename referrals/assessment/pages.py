"""The assessment's pages and downloads: the ranking with its charts (page, XLSX, PDF), the dispute
ledger (台账, XLSX), the per-case subsidy (page, level table, a case's level, XLSX), and the
stations' incident counts (form and CSV import).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from markupsafe import Markup

from hub import exports, i18n
from hub.documents import Document, render_template
from hub.errors import HubError, ValidationFailed
from hub.forms import Form
from hub.i18n import N_, gettext
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA, render
from referrals.assessment import figures, ledger, settings, subsidy
from referrals.assessment.views import (
    DIMENSIONS,
    Data,
    assessment,
    assessment_out,
    check_bureau,
    export_table,
    filename,
    ledger_table,
    set_case_difficulty,
    subsidy_data,
    subsidy_table,
)
from referrals.permissions import CasePermission
from referrals.stats import charts

routes = Routes()
TAGS = ("assessment",)
CHART_ITEMS = 15


def _charts(data: Data) -> dict[str, Markup]:
    def bars(dimension: str, figure: str, title: str) -> Markup:
        ranked = [
            (data.name(dimension, key), round(getattr(group, figure) * 100, 1))
            for _rank, key, group in figures.ranking(data.result.groups(dimension), figure)
            if getattr(group, figure) is not None
        ][:CHART_ITEMS]
        svg = charts.bar_chart(ranked, title=title, empty=gettext("No figures in this period."))
        return Markup(svg)  # noqa: S704 - charts.py escapes every text it writes

    return {
        "station_chart": bars("station", "referral_rate", gettext("Referral rate by police station")),
        "body_chart": bars("body", "success_rate", gettext("Success rate by receiving body")),
    }


@routes.page("GET", "/assessment", perm=CasePermission.view_cases, name="assessment")
async def assessment_page(ctx: Ctx) -> web.Response:
    data = await assessment(ctx)
    out = assessment_out(data)
    query = ctx.request.query_string
    extra: dict[str, Any] = dict(_charts(data))
    return render(
        ctx,
        "referrals/assessment.html",
        out=out,
        sections=[
            ("station", DIMENSIONS["station"], out.by_station),
            ("town", DIMENSIONS["town"], out.by_town),
            ("body", DIMENSIONS["body"], out.by_body),
        ],
        rank_by={d: data.rank_by(d) for d in figures.DIMENSIONS},
        figures=figures.FIGURES,
        query=f"?{query}" if query else "",
        can_manage=ctx.must.allows(CasePermission.manage_assessment),
        **extra,
    )


@routes.page(
    "GET",
    "/assessment.xlsx",
    perm=CasePermission.view_cases,
    summary="The assessment's ranking as XLSX; query start, end, rank",
    produces=exports.XLSX_TYPE,
    tags=TAGS,
)
async def assessment_xlsx(ctx: Ctx) -> web.Response:
    data = await assessment(ctx)
    header, rows = export_table(data)
    r = data.result
    body = exports.xlsx_bytes(header, rows, name=f"{r.start.isoformat()}~{r.end.isoformat()}")
    return exports.download(body, exports.XLSX_TYPE, filename(r.start, r.end, "assessment", "xlsx"))


@routes.page(
    "GET",
    "/assessment.pdf",
    perm=CasePermission.view_cases,
    summary="The assessment's ranking with its charts as PDF; query start, end, rank",
    produces="application/pdf",
    tags=TAGS,
)
async def assessment_pdf(ctx: Ctx) -> web.Response:
    data = await assessment(ctx)
    token = i18n.current_locale.set("zh_CN")  # an official paper: Chinese whoever asks
    try:
        header, rows = export_table(data)
        chart_svgs = _charts(data)
    finally:
        i18n.current_locale.reset(token)
    r = data.result
    html = render_template(
        ctx.request.app[JINJA],
        "referrals/documents/assessment.html",
        start=r.start,
        end=r.end,
        header=header,
        rows=rows,
        made=utcnow().astimezone(ctx.config.zone),
        **chart_svgs,
    )
    name = filename(r.start, r.end, "assessment", "pdf")
    return await Document(html, f"公调对接考核-{r.start.isoformat()}-{r.end.isoformat()}.pdf", name).response(
        ctx.request
    )


@routes.page(
    "GET",
    "/assessment/ledger.xlsx",
    perm=CasePermission.view_cases,
    summary="矛盾纠纷排查调处台账 as XLSX, one row per case taken in; query start, end",
    produces=exports.XLSX_TYPE,
    tags=TAGS,
)
async def ledger_xlsx(ctx: Ctx) -> web.Response:
    start, end, header, rows = await ledger_table(ctx)
    body = exports.xlsx_bytes(header, rows, name="台账")
    download = f"{ledger.period_title(start, end)}.xlsx"
    response = exports.download(body, exports.XLSX_TYPE, download)
    return response


async def _subsidy_page(ctx: Ctx, status: int = 200, error: str | None = None) -> web.Response:
    data = await subsidy_data(ctx)
    header, rows = subsidy_table(data)
    query = ctx.request.query_string
    return render(
        ctx,
        "referrals/assessment_subsidy.html",
        status=status,
        data=data,
        header=header,
        rows=rows,
        error=error,
        names={lv.code: lv.name for lv in data.levels},
        query=f"?{query}" if query else "",
        can_manage=ctx.must.allows(CasePermission.manage_assessment),
    )


@routes.page("GET", "/assessment/subsidy", perm=CasePermission.view_cases, name="assessment_subsidy")
async def subsidy_page(ctx: Ctx) -> web.Response:
    return await _subsidy_page(ctx)


@routes.page(
    "GET",
    "/assessment/subsidy.xlsx",
    perm=CasePermission.view_cases,
    summary="The per-case subsidy per mediator per month as XLSX; query start, end",
    produces=exports.XLSX_TYPE,
    tags=TAGS,
)
async def subsidy_xlsx(ctx: Ctx) -> web.Response:
    data = await subsidy_data(ctx)
    header, rows = subsidy_table(data)
    body = exports.xlsx_bytes(header, rows, name="以案定补")
    return exports.download(body, exports.XLSX_TYPE, filename(data.start, data.end, "subsidy", "xlsx"))


@routes.page("POST", "/assessment/subsidy/levels", perm=CasePermission.manage_assessment)
async def levels_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        await check_bureau(ctx)
        chosen = []
        for code, name, amount in zip(
            form.getall("code"), form.getall("name"), form.getall("amount"), strict=False
        ):
            if code.strip():
                chosen.append(
                    subsidy.Level(code.strip()[:16], name.strip()[:40] or code, settings.level_amount(amount))
                )
        async with ctx.write() as (s, _outbox):
            await settings.set_levels(s, ctx.user.actor, chosen, utcnow())
    except HubError as exc:
        return await _subsidy_page(ctx, status=exc.status, error=exc.text())
    raise web.HTTPSeeOther("/assessment/subsidy")


@routes.page("POST", "/assessment/cases/{id}/difficulty", perm=CasePermission.manage_assessment)
async def difficulty_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    level = form.raw("level").strip() or None
    try:
        await set_case_difficulty(ctx, ctx.match_int("id"), level, form.text("reason"))
    except HubError as exc:
        return await _subsidy_page(ctx, status=exc.status, error=exc.text())
    back = form.raw("back")
    raise web.HTTPSeeOther(back if back.startswith("/assessment/subsidy") else "/assessment/subsidy")


async def _incidents_page(ctx: Ctx, status: int = 200, **extra: Any) -> web.Response:
    today = utcnow().astimezone(ctx.config.zone).date()
    async with ctx.db.read() as s:
        stations = await settings.station_keys(s, ctx.must.scope)
        rows = await settings.incident_rows(s, ctx.must.scope, today.replace(day=1) - timedelta(days=370))
    names = sorted({name: agency_id for name, agency_id in stations.items() if not name.isascii()}.items())
    return render(
        ctx,
        "referrals/assessment_incidents.html",
        status=status,
        stations=names,
        rows=rows,
        month=today.strftime("%Y-%m"),
        **{"error": None, "saved": None, **extra},
    )


@routes.page(
    "GET", "/assessment/incidents", perm=CasePermission.manage_assessment, name="assessment_incidents"
)
async def incidents_page(ctx: Ctx) -> web.Response:
    return await _incidents_page(ctx)


@routes.page("POST", "/assessment/incidents", perm=CasePermission.manage_assessment)
async def incidents_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        async with ctx.db.read() as s:
            stations = await settings.station_keys(s, ctx.must.scope)
        if form.raw("csv").strip():
            items = settings.parse_incidents_csv(form.raw("csv"), stations)
        else:
            count = form.number("count")
            agency_id = form.number("agency_id")
            if count is None or agency_id is None:
                raise ValidationFailed(N_("Choose a station and give the month's count."))
            items = [settings.IncidentInput(agency_id, settings.parse_month(form.raw("month")), count)]
        async with ctx.write() as (s, _outbox):
            saved = await settings.set_incidents(s, ctx.user.actor, ctx.must.scope, items, utcnow())
    except HubError as exc:
        return await _incidents_page(ctx, status=exc.status, error=exc.text())
    return await _incidents_page(ctx, saved=saved)
