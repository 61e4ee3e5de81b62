"""The court as a user: its queue of applications for judicial confirmation and its steps."""
