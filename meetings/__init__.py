"""meetings: see docs/architecture.md."""
