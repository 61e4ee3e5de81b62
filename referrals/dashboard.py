"""The referrals package's cards on the dashboard."""

from hub.plugins import Panel
from hub.routing import Ctx
from referrals import report_panels


async def panels(ctx: Ctx) -> list[Panel]:
    return [*await report_panels.panels(ctx)]
