"""What the core's demo loader hands each domain package's demo step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hub.db import Database


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    agency: str
    note: str = ""


@dataclass
class DemoContext:
    db: Database
    now: datetime
    # Where files of the demo (evidence, recordings) go: the installation's data directory.
    data_dir: Path | None = None
    # Codes of what the core created, for domain packages to build on: agency code -> id,
    # username -> user id, area code -> id.
    agencies: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    areas: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
