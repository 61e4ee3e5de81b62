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

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agency, AgencyKind, Area, AreaLevel
from referrals.models import CommitteeAgency, MediationCommittee

SEAL = "（印章）"
DEFAULT_NUMBER_FORMAT = "〔{year}〕{prefix}第{seq}号"  # fields: referrals.agreements.numbering
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
