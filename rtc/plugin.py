"""Video mediation plugs into the hub here: models, routes, the room registry on the app, the menu
entry, the CLI command and demo data."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from hub.demo_context import DemoContext
from hub.i18n import N_
from hub.plugins import CaseFileSection, CaseLink, NavItem, Plugin
from rtc import codes, permissions


def setup(app: web.Application) -> None:
    from rtc.room.host import ROOMS, RoomHost

    app[ROOMS] = RoomHost(app)
    app.on_startup.append(_recover)
    app.on_shutdown.append(_close_rooms)


async def _recover(app: web.Application) -> None:
    """Recordings a crash left unregistered are taken in, in the background (rtc/recovery.py)."""
    from rtc.recovery import recover
    from rtc.room.host import ROOMS

    host = app[ROOMS]
    host.spawn(recover(host.db, host.config.data_dir), "rtc-recover")


async def _close_rooms(app: web.Application) -> None:
    from rtc.room.host import ROOMS

    await app[ROOMS].shutdown()


async def demo(ctx: DemoContext) -> None:
    from rtc.demo import load

    await load(ctx)


async def casefile_sections(app: web.Application, s: AsyncSession, case_id: int) -> list[CaseFileSection]:
    """The 调解笔录 of the case's video sessions, for its case file (一案一档)."""
    from rtc.casefile import sections

    return await sections(app, s, case_id)


def add_commands(sub: object) -> None:
    from rtc.cli import add_commands as add

    add(sub)  # type: ignore[arg-type]


plugin = Plugin(
    name="rtc",
    package="rtc",
    models="rtc.models",
    permissions=permissions.POLICY,
    labels=codes.LABELS,
    routes=(
        "rtc.api",
        "rtc.room.routes",
        "rtc.minutes.api",
        "rtc.minutes.pages",
        "rtc.minutes.confirm_pages",
        "rtc.minutes.entry_api",
        "rtc.minutes.entry_pages",
        "rtc.pages",
    ),
    setup=setup,
    add_commands=add_commands,
    demo=demo,
    casefile_sections=casefile_sections,
    nav=(NavItem("/mediations", N_("Video mediation"), "view_mediations"),),
    case_links=(
        CaseLink(
            "/mediations/new?case_id={case_id}",
            N_("Video mediation"),
            permissions.MediationPermission.run_mediations,
            frozenset({"accepted", "in_mediation"}),
            "schedule-video",
        ),
    ),
    order=30,
)
