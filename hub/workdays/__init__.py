"""The statutory calendar: working days and holidays in China (see ``calendar``), the days an
administrator adds or corrects (``models``, ``service``) and their admin page and API (``routes``)."""

from hub.workdays.calendar import BUILTIN, HOLIDAY_NAMES, Override, Pause, StatutoryCalendar

__all__ = ["BUILTIN", "HOLIDAY_NAMES", "Override", "Pause", "StatutoryCalendar"]
