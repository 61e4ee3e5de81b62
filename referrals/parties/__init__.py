"""A case's parties after intake: changing them (with the audit row of what changed) and each
party's own consent to mediation, whose refusal stops the case."""
