"""The bureau's assessment (考核): figures per station, town and receiving body, the ranking, the
dispute ledger (台账) and the per-case mediator subsidy (以案定补)."""
