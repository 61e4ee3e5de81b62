"""This part of referrals (filled in by its slice)."""

from hub.demo_context import DemoContext


async def demo(ctx: DemoContext) -> None:
    """Demo data of this part; called by referrals.demo after the cases exist."""
    return None
