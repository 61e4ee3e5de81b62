"""The record of a meeting: attendance, agenda and notes, decisions, actions and who owns them, and
the sweep that warns of overdue actions."""
