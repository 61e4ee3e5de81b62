"""What the referral pages show, worked out without I/O: why a rule chose a body (in words), which
deadline counts now and whether it is overdue or due soon, and which forms a side may use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.i18n import N_, gettext
from hub.labels import label
from hub.permissions import Guard
from hub.plugins import CaseLink
from referrals import deadlines, states, word_back

# Event kinds the live pages listen to (see referrals.moves.announce and hub.notifications).
LIVE_KINDS = " ".join(
    [
        *(states.kind_of(a) for a in states.Action),
        "referral.mediator_assigned",
        "referral.extended",
        "case.created",
        "notification",
    ]
)


OVERDUE = "overdue"
DUE_SOON = "due_soon"
# Forms on the case page that are not state changes but are offered beside them.
ASSIGN = "assign_mediator"
EXTEND = "extend"
WORKING = (states.State.accepted, states.State.in_mediation)

# What the page says once a form on the case page has done its work (hub.flash).
DONE: dict[str, str] = {
    states.Action.accept: N_("Accepted: the case is yours to mediate."),
    states.Action.decline: N_("Declined: the case goes back to the sender."),
    states.Action.start_mediation: N_("Mediation has started."),
    states.Action.resolve: N_("The case is marked resolved."),
    states.Action.fail: N_("Mediation is recorded as failed."),
    states.Action.withdraw: N_("The referral is withdrawn."),
    states.Action.refer_onward: N_("The case is referred onward."),
    states.Action.close: N_("The case is closed."),
    ASSIGN: N_("The mediator is assigned."),
    EXTEND: N_("The mediation period is extended."),
}


def done_message(action: str) -> str:
    return DONE.get(action, N_("Done."))


@dataclass(frozen=True)
class Link:
    href: str
    label: str  # English message id
    testid: str


def links_for(
    guard: Guard, case_id: int, state: str | None, to_agency_id: int | None, offered: Iterable[CaseLink]
) -> list[Link]:
    """The other packages' ways to work on the case (``hub.plugins.CaseLink``) that the viewer
    gets: the case is with the viewer's body, in a state the link is for, and the viewer holds its
    permission."""
    if state is None or not guard.scope.covers(to_agency_id):
        return []
    return [
        Link(link.url(case_id), link.label, link.testid)
        for link in offered
        if state in link.states and guard.allows(link.permission)
    ]


# --- why this body --------------------------------------------------------------------------


def _names(values: Sequence[Any], names: Mapping[int, str]) -> str:
    return "、".join(names.get(v, str(v)) if isinstance(v, int) else label(str(v)) for v in values)


def _range(low: Any, high: Any, value: Any, words: tuple[str, str, str]) -> str:
    at_least, at_most, between = words
    if low is not None and high is not None:
        return gettext(between) % {"min": low, "max": high, "value": value}
    if low is not None:
        return gettext(at_least) % {"min": low, "value": value}
    return gettext(at_most) % {"max": high, "value": value}


def describe(condition: Mapping[str, Any], area_names: Mapping[int, str]) -> str:
    """One condition of a routing rule in words, e.g. "Category: Neighbour disputes"."""
    name = condition.get("name")
    expected = condition.get("expected")
    actual = condition.get("actual")
    if name == "category":
        return gettext(N_("Category: %(value)s")) % {"value": label(str(actual))}
    if name == "area":
        here = _names(actual or [], area_names) or "—"
        return gettext(N_("Area: %(value)s, within %(areas)s")) % {
            "value": here,
            "areas": _names(expected or [], area_names),
        }
    if name == "amount":
        low, high = (list(expected or []) + [None, None])[:2]
        words = (
            N_("Amount ≥ %(min)s (this case: %(value)s)"),
            N_("Amount ≤ %(max)s (this case: %(value)s)"),
            N_("Amount between %(min)s and %(max)s (this case: %(value)s)"),
        )
        return _range(low, high, actual if actual is not None else "—", words)
    if name == "parties":
        low, high = (list(expected or []) + [None, None])[:2]
        words = (
            N_("At least %(min)s parties (this case: %(value)s)"),
            N_("At most %(max)s parties (this case: %(value)s)"),
            N_("Between %(min)s and %(max)s parties (this case: %(value)s)"),
        )
        return _range(low, high, actual, words)
    if name == "flags":
        return gettext(N_("Flags: %(value)s")) % {"value": _names(expected or [], area_names)}
    return f"{name}: {actual}"


@dataclass(frozen=True)
class Why:
    rule_name: str
    fallback: bool
    reasons: tuple[str, ...]
    overridden: bool = False


def why(explanation: Mapping[str, Any], area_names: Mapping[int, str]) -> Why:
    """A referral's (or a proposal's) explanation, as the liaison reads it."""
    return Why(
        rule_name=str(explanation.get("rule_name", "")),
        fallback=bool(explanation.get("fallback")),
        reasons=tuple(describe(c, area_names) for c in explanation.get("conditions", [])),
        overridden="overridden_from" in explanation,
    )


def area_ids(explanation: Mapping[str, Any]) -> set[int]:
    """The area ids a description will need names for."""
    found: set[int] = set()
    for c in explanation.get("conditions", []):
        if c.get("name") == "area":
            found.update(
                v for v in [*(c.get("expected") or []), *(c.get("actual") or [])] if isinstance(v, int)
            )
    return found


# --- deadlines ------------------------------------------------------------------------------


def current_due(state: str, accept_due: datetime | None, mediation_due: datetime | None) -> datetime | None:
    """The deadline that counts now: acceptance while sent, mediation while being worked on."""
    if state == states.State.sent:
        return accept_due
    if state in WORKING:
        return mediation_due
    return None


def step_of(state: str) -> str:
    """Which deadline's warning window applies (``word_back.warn_before``)."""
    return "acceptance" if state == states.State.sent else "mediation"


def badge(
    due: datetime | None,
    now: datetime,
    policy: deadlines.Policy = deadlines.DEFAULT,
    step: str = "mediation",
) -> str | None:
    """Overdue, due soon (inside the same warning window as the messages that say so: for
    acceptance at most a quarter of the time allowed, so a referral just sent is not "due soon"),
    or nothing."""
    if deadlines.is_overdue(due, now):
        return OVERDUE
    window = word_back.warn_before(step, policy.soon_hours, policy.accept_hours)
    if deadlines.is_due_soon(due, now, policy, window=window):
        return DUE_SOON
    return None


@dataclass(frozen=True)
class Deadline:
    kind: str  # "accept" or "mediation"
    due: datetime
    badge: str | None  # only for the deadline that counts now


def deadline_rows(
    state: str,
    accept_due: datetime | None,
    mediation_due: datetime | None,
    now: datetime,
    policy: deadlines.Policy = deadlines.DEFAULT,
) -> list[Deadline]:
    rows = []
    if accept_due is not None:
        live = state == states.State.sent
        soon = badge(accept_due, now, policy, "acceptance") if live else None
        rows.append(Deadline("accept", accept_due, soon))
    if mediation_due is not None:
        live = state in WORKING
        rows.append(Deadline("mediation", mediation_due, badge(mediation_due, now, policy) if live else None))
    return rows


# --- what a side may do ---------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    action: str  # a states.Action, or ASSIGN / EXTEND
    needs_reason: bool = False


def offers(state: str, sides: set[states.Side]) -> list[Offer]:
    """The forms to show for a referral in this state to someone standing on these sides."""
    found = [
        Offer(a, states.ACTIONS[a].needs_reason)
        for a in states.allowed_actions(state)
        if states.ACTIONS[a].side in sides
        and states.ACTIONS[a].side is not states.Side.system
        and a not in states.COURT_STEPS
    ]
    if states.Side.receiver in sides and state in WORKING:
        found.insert(0, Offer(ASSIGN))
        found.append(Offer(EXTEND, needs_reason=True))
    return found


# --- areas ----------------------------------------------------------------------------------

LEVEL_DEPTH = {"district": 0, "town": 1, "village": 2, "grid": 3}


@dataclass(frozen=True)
class AreaGroup:
    label: str  # the town's name; empty for the district itself (shown before the groups)
    options: list[tuple[int, str]]  # (id, name as shown: the town, its villages, their grids)


def area_groups(areas: Iterable[Any]) -> list[AreaGroup]:
    """Areas (rows with id, name, level, parent_id) grouped for a <select>: one <optgroup> per town
    holding the town itself, its villages and, under each, its grids, indented and each grid with
    its village's name (so a filter on "幸福村" finds the village's grids too). Pure."""
    rows = list(areas)
    by_id = {a.id: a for a in rows}
    children: dict[int | None, list[Any]] = {}
    for a in rows:
        children.setdefault(a.parent_id if a.parent_id in by_id else None, []).append(a)
    top = AreaGroup("", [])
    groups = [top]

    def walk(area: Any, group: AreaGroup, prefix: str) -> None:
        depth = max(0, LEVEL_DEPTH.get(area.level, 0) - 1)
        shown = f"{prefix} · {area.name}" if prefix and area.level == "grid" else area.name
        group.options.append((area.id, "\u3000" * depth + shown))
        for child in children.get(area.id, []):
            walk(child, group, area.name)

    for root in children.get(None, []):
        if root.level == "district":
            top.options.append((root.id, root.name))
            for town in children.get(root.id, []):
                group = AreaGroup(town.name, [])
                groups.append(group)
                walk(town, group, "")
        else:  # an area whose district is not listed: a group of its own
            group = AreaGroup(root.name, [])
            groups.append(group)
            walk(root, group, "")
    return [g for g in groups if g.options]


def indented(level: str, name: str) -> str:
    """An area's name indented by its level, for a plain <select> (options take no markup)."""
    return "\u3000" * LEVEL_DEPTH.get(level, 0) + name
