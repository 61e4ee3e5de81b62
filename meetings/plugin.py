"""Joint liaison meetings plug into the hub here (models now; routes and demo data as they land)."""

from hub.plugins import Plugin

plugin = Plugin(name="meetings", package="meetings", models="meetings.models", order=20)
