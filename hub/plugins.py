"""How domain packages (referrals, meetings, rtc) plug into the core.

A package declares a ``Plugin`` in the ``gongtiao.packages`` entry-point group (see pyproject.toml).
The core then imports its models, finds its migrations and templates, lets it add routes, demo
data and CLI commands. The core never imports a domain package by name.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.demo_context import DemoContext
    from hub.i18n import InContext
    from hub.routing import Ctx, Routes

ENTRY_POINT_GROUP = "gongtiao.packages"


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # English message id
    permission: str
    # Shown only to people of these kinds of agency (empty: any), as the page itself checks: the
    # district's routing rules are for the top-level agencies' administrators.
    agency_kinds: frozenset[str] = frozenset()
    # Shown only to those whose own roles hold the permission: the pages of a job (a grid worker's
    # grids), which the platform's operator may open by right but has nothing in. The menu lists
    # what the person can open and use, not every door their rights unlock.
    by_role: bool = False


@dataclass(frozen=True)
class CaseLink:
    """A way another package offers to work on a case, shown on the case page and in the queue's
    rows to the people of the body the case is with (the receiving agency of its open referral),
    while that referral is in one of ``states``, to those holding ``permission``."""

    href: str  # with ``{case_id}``, e.g. "/mediations/new?case_id={case_id}"
    label: str  # English message id
    permission: str
    states: frozenset[str]
    testid: str

    def url(self, case_id: int) -> str:
        return self.href.format(case_id=case_id)


@dataclass(frozen=True)
class Panel:
    """A dashboard card: a template of the package and what it shows."""

    template: str
    context: dict[str, Any]
    order: int = 100


@dataclass(frozen=True)
class CaseFileSection:
    """A part another package adds to a case's file (一案一档), such as the 调解笔录 of a video
    session: its title in the file's contents list, its date, and the filled-in paper as HTML (a
    ``hub.documents.Document``'s ``html``), laid out with the volume's page numbers by the package
    that binds the file."""

    title: str
    day: date | None
    html: str


# ``(app, session, case_id) -> sections``: what a package adds to the case file of a case, read in
# the caller's read transaction (the app gives the templates and the config).
CaseFileContributor = Callable[[web.Application, "AsyncSession", int], Awaitable[list[CaseFileSection]]]
# The contributions of every package, gathered once by the app factory (tests may add their own).
CASEFILE_SECTIONS = web.AppKey("casefile_sections", list[CaseFileContributor])


@dataclass(frozen=True)
class Plugin:
    name: str
    package: str
    # Module whose import registers the package's tables on hub.orm.Base.
    models: str | None = None
    # The package's route modules (each with a ``routes`` table), registered in this order: the
    # router tries routes in the order they were added (``/cases/new`` before ``/cases/{id}``).
    routes: tuple[str, ...] = ()
    # The package's permissions (name -> roles holding it), joined with the core's by the app.
    permissions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Human names of the package's codes (English message ids), for hub.labels.label.
    labels: Mapping[str, str | InContext] = field(default_factory=dict)
    setup: Callable[[web.Application], None] | None = None
    demo: Callable[[DemoContext], Awaitable[None]] | None = None
    add_commands: Callable[[argparse._SubParsersAction[Any]], None] | None = None
    # Links in the main menu, shown to those holding the permission.
    nav: tuple[NavItem, ...] = ()
    # Ways to work on a case the package offers on the case page and in the queue (CaseLink).
    case_links: tuple[CaseLink, ...] = ()
    # Cards on the dashboard for the person asking.
    dashboard: Callable[[Ctx], Awaitable[list[Panel]]] | None = None
    # Parts of a case's file (一案一档) that this package holds (the 调解笔录 of video sessions).
    casefile_sections: CaseFileContributor | None = None
    # Lower runs first (demo data that others build on).
    order: int = 100

    @property
    def root(self) -> Path:
        module = importlib.import_module(self.package)
        assert module.__file__ is not None
        return Path(module.__file__).parent

    @property
    def migrations(self) -> Path | None:
        path = self.root / "migrations"
        return path if path.is_dir() else None

    @property
    def templates(self) -> Path | None:
        path = self.root / "templates"
        return path if path.is_dir() else None


@cache
def plugins() -> tuple[Plugin, ...]:
    found = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for plugin in found:
        if not isinstance(plugin, Plugin):
            raise TypeError(f"entry point in {ENTRY_POINT_GROUP} is not a hub.plugins.Plugin: {plugin!r}")
    return tuple(sorted(found, key=lambda p: (p.order, p.name)))


def load_models() -> None:
    importlib.import_module("hub.models")
    importlib.import_module("hub.audit")
    importlib.import_module("hub.notifications")
    importlib.import_module("hub.early_warnings")
    importlib.import_module("hub.workdays.models")
    importlib.import_module("hub.outbound.models")
    for plugin in plugins():
        if plugin.models:
            importlib.import_module(plugin.models)


def route_tables(plugin: Plugin) -> list[Routes]:
    """The plugin's route tables, in its order."""
    return [importlib.import_module(name).routes for name in plugin.routes]


def casefile_contributors() -> list[CaseFileContributor]:
    """Every package's contribution to a case file, in the plugins' order."""
    return [p.casefile_sections for p in plugins() if p.casefile_sections is not None]


def case_links() -> list[CaseLink]:
    """Every package's ways to work on a case, in the plugins' order."""
    return [link for p in plugins() for link in p.case_links]


def migration_dirs() -> list[Path]:
    return [p.migrations for p in plugins() if p.migrations is not None]
