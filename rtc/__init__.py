"""rtc: see docs/architecture.md."""
