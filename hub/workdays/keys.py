"""Where the app keeps its statutory calendar (apart from ``hub.keys``, which the calendar's own
page imports through the templates: no cycle)."""

from aiohttp import web

from hub.workdays.service import CalendarCache

CALENDAR = web.AppKey("statutory_calendar", CalendarCache)
