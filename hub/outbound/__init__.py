"""Messages that reach people (SMS, e-mail) and word back to agencies' systems (webhooks)."""
