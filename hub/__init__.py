"""gongtiao's core: app factory, config, database, people and agencies, auth, audit, events."""
