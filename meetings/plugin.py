"""Joint liaison meetings plug into the hub here (routes, models, demo data arrive with issue #4)."""

from hub.plugins import Plugin

plugin = Plugin(name="meetings", package="meetings", order=20)
