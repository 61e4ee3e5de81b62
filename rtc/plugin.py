"""Video mediation plugs into the hub here (routes, models, demo data arrive with issue #5)."""

from hub.plugins import Plugin

plugin = Plugin(name="rtc", package="rtc", order=30)
