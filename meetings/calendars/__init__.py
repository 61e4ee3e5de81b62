"""Meetings as calendars: the iCalendar writer (pure), the files of a meeting or a series, and the
subscription feeds with their tokens."""
