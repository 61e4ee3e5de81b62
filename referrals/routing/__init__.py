"""Routing: which body should receive a case and why (rules, pure), the proposal for a case, and
the district's administration of routing rules and deadline policies."""
