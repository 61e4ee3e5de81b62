"""Statistics: the page with its charts, the CSV and XLSX downloads, and the JSON API (the figures
come from ``views``).
"""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from hub import exports
from hub.i18n import gettext
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals.permissions import CasePermission
from referrals.stats import charts
from referrals.stats.schemas import StatsOut, StatsQuery
from referrals.stats.views import DIMENSIONS, Figures, export_table, figures, stats_out

routes = Routes()
TAGS = ("statistics",)


def _filename(data: Figures, extension: str) -> str:
    return f"stats-{data.result.start.isoformat()}-{data.result.end.isoformat()}.{extension}"


@routes.page(
    "GET",
    "/stats.csv",
    perm=CasePermission.view_cases,
    summary="Statistics as CSV (UTF-8 with BOM); query start, end",
    produces="text/csv",
    tags=TAGS,
)
async def stats_csv(ctx: Ctx) -> web.Response:
    data = await figures(ctx)
    header, rows = export_table(data)
    return exports.download(exports.csv_bytes(header, rows), exports.CSV_TYPE, _filename(data, "csv"))


@routes.page(
    "GET",
    "/stats.xlsx",
    perm=CasePermission.view_cases,
    summary="Statistics as an XLSX workbook; query start, end",
    produces=exports.XLSX_TYPE,
    tags=TAGS,
)
async def stats_xlsx(ctx: Ctx) -> web.Response:
    data = await figures(ctx)
    header, rows = export_table(data)
    name = f"{data.result.start.isoformat()}~{data.result.end.isoformat()}"
    body = exports.xlsx_bytes(header, rows, name=name)
    return exports.download(body, exports.XLSX_TYPE, _filename(data, "xlsx"))


@routes.api(
    "GET",
    "/api/v1/stats",
    perm=CasePermission.view_cases,
    summary="Statistics of the cases you may see, by category, agency and area",
    query=StatsQuery,
    response=StatsOut,
    tags=TAGS,
)
async def stats_api(ctx: Ctx, query: StatsQuery) -> StatsOut:
    return stats_out(await figures(ctx))


@routes.page("GET", "/stats", perm=CasePermission.view_cases, name="stats")
async def stats_page(ctx: Ctx) -> web.Response:
    data = await figures(ctx)
    out = stats_out(data)
    r = data.result
    bar = charts.bar_chart(
        [(g.name, g.received) for g in out.by_category],
        title=gettext("Cases received by category"),
        empty=gettext("No cases in this period."),
    )
    line = charts.line_chart(
        [d.day for d in r.daily],
        [
            charts.Series(gettext("Received"), tuple(d.received for d in r.daily)),
            charts.Series(gettext("Resolved"), tuple(d.resolved for d in r.daily)),
        ],
        title=gettext("Cases by day"),
    )
    query = ctx.request.query_string
    return render(
        ctx,
        "referrals/stats.html",
        out=out,
        sections=[
            (DIMENSIONS["category"], out.by_category),
            (DIMENSIONS["agency"], out.by_agency),
            (DIMENSIONS["area"], out.by_area),
        ],
        bar_chart=Markup(bar),  # noqa: S704 - charts.py escapes every text it writes
        line_chart=Markup(line),  # noqa: S704
        query=f"?{query}" if query else "",
    )
