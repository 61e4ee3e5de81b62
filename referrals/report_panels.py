"""Dashboard cards about reports and warnings (filled in by its slice)."""

from hub.plugins import Panel
from hub.routing import Ctx


async def panels(ctx: Ctx) -> list[Panel]:
    return []
