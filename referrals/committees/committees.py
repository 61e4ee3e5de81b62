"""Mediation committees (人民调解委员会): who the 调解组织 of a paper is, its seal, its court.

A stationed mediation room, a judicial office mediating, a village's committee or a specialised
body all mediate as a committee: only the committee has a seal, and a court checks who the
mediation organisation is. Each agency belongs to one committee (``CommitteeAgency``).

What other code calls:

- ``organisation_for(s, agency_id) -> Organisation``: the name, seal line and basic court to print
  for whatever an agency issues. An agency with no committee (or an inactive one) names itself, and
  its papers get no committee number; a committee with no court set goes to the basic court of its
  district (``district_court``).
- ``referrals.agreements.numbering.issue_number(s, organisation, now)``: the next document number of
  the organisation, or "" when it has no committee.
- ``derive_committees(s)``: gives every receiving agency without one the committee a district would
  usually have (the demo's assignment, and a start for a new installation; admins correct it after).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.i18n import N_
from hub.models import Agency, AgencyKind, Area, AreaLevel
from hub.orm import utcnow
from referrals.errors import BadCourt
from referrals.models import CommitteeAgency, MediationCommittee

SEAL = "（印章）"
DEFAULT_NUMBER_FORMAT = "〔{year}〕{prefix}第{seq}号"  # fields: referrals.agreements.numbering
NUMBER_FIELDS = frozenset({"year", "prefix", "seq"})
COMMITTEE = "人民调解委员会"
# Agencies that mediate as a workplace of their town's (street's) committee.
TOWN_WORKPLACES = frozenset({AgencyKind.stationed_room, AgencyKind.judicial_office})
# Agencies that are committees in their own right.
OWN_COMMITTEES = frozenset({AgencyKind.mediation_committee, AgencyKind.specialised_body})


@dataclass(frozen=True)
class Organisation:
    """The 调解组织 as the papers print it."""

    name: str  # 青川区东湖街道人民调解委员会
    seal_line: str  # 青川区东湖街道人民调解委员会（印章）
    court_agency_id: int | None  # the basic court its agreements go to
    committee_id: int | None = None  # None: the agency names itself (no committee recorded)
    number_prefix: str = ""
    number_format: str = DEFAULT_NUMBER_FORMAT


def seal_line(seal_text: str) -> str:
    return f"{seal_text}{SEAL}"


def organisation_of(committee: MediationCommittee, court_agency_id: int | None) -> Organisation:
    return Organisation(
        name=committee.name,
        seal_line=seal_line(committee.seal_text or committee.name),
        court_agency_id=committee.court_agency_id or court_agency_id,
        committee_id=committee.id,
        number_prefix=committee.number_prefix,
        number_format=committee.number_format or DEFAULT_NUMBER_FORMAT,
    )


async def committee_of(s: AsyncSession, agency_id: int) -> MediationCommittee | None:
    """The active committee the agency mediates for, if one is recorded."""
    return await s.scalar(
        select(MediationCommittee)
        .join(CommitteeAgency, CommitteeAgency.committee_id == MediationCommittee.id)
        .where(CommitteeAgency.agency_id == agency_id, MediationCommittee.active.is_(True))
    )


async def organisation_for(s: AsyncSession, agency_id: int, committee_id: int | None = None) -> Organisation:
    """The mediation organisation in whose name the agency issues papers: the committee named
    (the one a paper was issued by, e.g. ``Agreement.committee_id``) or else the agency's."""
    agency = await s.get(Agency, agency_id)
    court = await district_court(s, agency.area_id if agency else None)
    committee = await s.get(MediationCommittee, committee_id) if committee_id else None
    if committee is None:
        committee = await committee_of(s, agency_id)
    if committee is not None:
        return organisation_of(committee, court)
    name = agency.name if agency else ""
    return Organisation(name=name, seal_line=seal_line(name), court_agency_id=court)


async def _areas_up(s: AsyncSession, area_id: int | None) -> list[Area]:
    """The area and those above it, nearest first."""
    chain: list[Area] = []
    while area_id is not None and len(chain) < 8:
        area = await s.get(Area, area_id)
        if area is None:
            break
        chain.append(area)
        area_id = area.parent_id
    return chain


async def district_court(s: AsyncSession, area_id: int | None) -> int | None:
    """The active court nearest above the area (a district has one basic court); else the first court."""
    courts = (
        await s.execute(
            select(Agency.id, Agency.area_id)
            .where(Agency.kind == AgencyKind.court, Agency.active.is_(True))
            .order_by(Agency.id)
        )
    ).all()
    by_area = {a: court_id for court_id, a in reversed(courts)}
    for area in await _areas_up(s, area_id):
        if area.id in by_area:
            return by_area[area.id]
    return courts[0][0] if courts else None


def prefix_for(name: str, district: str) -> str:
    """青川区东湖街道人民调解委员会 -> 东湖调字 (a start: each committee sets its own)."""
    stem = name.removeprefix(district).removesuffix(COMMITTEE)
    for suffix in ("街道", "镇", "乡"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem.removesuffix(suffix)
            break
    return f"{stem or district[:1]}调字"


async def derive_committees(s: AsyncSession) -> int:
    """Give every stationed room and judicial office its town's committee, and every village
    committee and specialised body a committee of its own, where none is recorded. Returns how many
    agencies were assigned."""
    assigned = set(await s.scalars(select(CommitteeAgency.agency_id)))
    existing = {c.name: c for c in await s.scalars(select(MediationCommittee))}
    agencies = await s.scalars(
        select(Agency)
        .where(Agency.kind.in_([*TOWN_WORKPLACES, *OWN_COMMITTEES]), Agency.active.is_(True))
        .order_by(Agency.id)
    )
    count = 0
    for agency in agencies:
        if agency.id in assigned:
            continue
        chain = await _areas_up(s, agency.area_id)
        district = next((a.name for a in chain if a.level == AreaLevel.district), "")
        if agency.kind in TOWN_WORKPLACES:
            town = next((a.name for a in chain if a.level == AreaLevel.town), "")
            if not town:
                continue
            name = f"{district}{town}{COMMITTEE}"
        else:
            name = agency.name
        committee = existing.get(name)
        if committee is None:
            committee = MediationCommittee(
                name=name,
                seal_text=name,
                court_agency_id=await district_court(s, agency.area_id),
                number_prefix=prefix_for(name, district),
                number_format=DEFAULT_NUMBER_FORMAT,
            )
            s.add(committee)
            await s.flush()
            existing[name] = committee
        s.add(CommitteeAgency(agency_id=agency.id, committee_id=committee.id))
        count += 1
    await s.flush()
    return count


async def members(s: AsyncSession, committee_id: int) -> list[Agency]:
    """The agencies that mediate for the committee."""
    rows = await s.scalars(
        select(Agency)
        .join(CommitteeAgency, CommitteeAgency.agency_id == Agency.id)
        .where(CommitteeAgency.committee_id == committee_id)
        .order_by(Agency.code)
    )
    return list(rows.all())


def check_number_format(fmt: str) -> str:
    """The format if it can number documents: only ``{year}``, ``{prefix}``, ``{seq}`` (with a width,
    ``{seq:03d}``), the sequence among them; ValueError otherwise."""
    names = {name for _text, name, _spec, _conv in string.Formatter().parse(fmt) if name is not None}
    if not names <= NUMBER_FIELDS or "seq" not in names:
        raise ValueError(f"{fmt!r}: only {sorted(NUMBER_FIELDS)}, with seq")
    fmt.format(year=2026, prefix="", seq=1)
    return fmt


# --- administration -------------------------------------------------------------------------------


async def update(
    s: AsyncSession, actor: audit.Actor, committee_id: int, changes: dict[str, Any]
) -> MediationCommittee:
    """Change a committee's name, seal text, court, number prefix or format (checked), with its audit row.
    Numbers already given stay as they were printed."""
    committee = await s.get(MediationCommittee, committee_id)
    if committee is None:
        raise NotFound()
    if "number_format" in changes:
        try:
            check_number_format(changes["number_format"])
        except (ValueError, KeyError, IndexError) as exc:
            raise ValidationFailed(
                N_("The number format needs {seq} and may use only {year}, {prefix} and {seq}.")
            ) from exc
    if changes.get("name") and changes["name"] != committee.name:
        taken = await s.scalar(
            select(MediationCommittee.id).where(MediationCommittee.name == changes["name"])
        )
        if taken is not None:
            raise ValidationFailed(N_("Another committee already has this name."))
    if changes.get("court_agency_id") is not None:
        kind = await s.scalar(select(Agency.kind).where(Agency.id == changes["court_agency_id"]))
        if kind != AgencyKind.court:
            raise BadCourt()
    before = {name: getattr(committee, name) for name in changes}
    for name, value in changes.items():
        setattr(committee, name, value)
    committee.updated_at = utcnow()
    await s.flush()
    await audit.record(
        s, actor, "committee.updated", "committee", committee.id, {"before": before, "after": changes}
    )
    return committee


async def assign(s: AsyncSession, actor: audit.Actor, agency_id: int, committee_id: int | None) -> None:
    """Make the agency a workplace of the committee (None: of no committee: it names itself)."""
    if await s.get(Agency, agency_id) is None:
        raise NotFound()
    if committee_id is not None and await s.get(MediationCommittee, committee_id) is None:
        raise NotFound()
    row = await s.get(CommitteeAgency, agency_id)
    before = row.committee_id if row else None
    if row is not None and committee_id is None:
        await s.delete(row)
    elif row is not None and committee_id is not None:
        row.committee_id = committee_id
    elif committee_id is not None:
        s.add(CommitteeAgency(agency_id=agency_id, committee_id=committee_id))
    await s.flush()
    await audit.record(
        s, actor, "committee.assigned", "agency", agency_id, {"before": before, "after": committee_id}
    )
