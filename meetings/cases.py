"""Cases on a meeting's agenda, known only through the published ``referrals.for_meetings`` functions.

A joint meeting reviews the cases of the agencies around the table: the organiser's and the invited
agencies', each with the agencies below it (a sub-bureau brings its stations, the justice bureau
its mediation rooms). That is the scope handed to ``cases_for_joint_review``.

Only a top-level agency's meeting (the district's bureaus, which convene the joint meetings) is
widened by its invitations. Any meeting manager may invite anyone, so a station's own meeting that
invites the bureaus still reviews only the station's cases: an invitation is not a way to read the
district's cases (security finding, #15).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import ValidationFailed
from hub.i18n import N_
from hub.models import Agency
from hub.permissions import Scope, descendants
from meetings import conflicts
from meetings.models import Meeting
from meetings.schemas import ProposedCase
from referrals import for_meetings as _referrals  # the published functions of the referrals package

PROPOSED = 30


async def review_scope(s: AsyncSession, meeting: Meeting) -> Scope:
    """The agencies whose cases this meeting may review."""
    tree = dict((await s.execute(select(Agency.id, Agency.parent_id))).all())
    roots = {meeting.organiser_agency_id}
    if tree.get(meeting.organiser_agency_id) is None:  # a top-level agency convenes
        roots |= await conflicts.invited_agencies(s, meeting)
    return Scope(frozenset(a for root in roots for a in descendants(tree, root)))


async def proposed_cases(s: AsyncSession, meeting: Meeting, now: datetime) -> list[ProposedCase]:
    """Cases needing joint attention (overdue or escalated referrals, failed mediations, group
    disputes, open warnings), most reasons first."""
    found = await _referrals.cases_for_joint_review(s, await review_scope(s, meeting), now, limit=PROPOSED)
    return [
        ProposedCase(
            case_id=c.case_id,
            number=c.number,
            category=c.category,
            summary=c.summary,
            state=c.state,
            reasons=list(c.reasons),
        )
        for c in found
    ]


async def case_numbers(
    s: AsyncSession, meeting: Meeting, ids: Iterable[int], now: datetime
) -> dict[int, str]:
    """Case id -> number, for the cases this meeting may review; others are shown by their id."""
    wanted = set(ids)
    numbers = {i: f"#{i}" for i in wanted}
    if not wanted:
        return numbers
    scope = await review_scope(s, meeting)
    numbers.update(await _referrals.case_numbers(s, scope, sorted(wanted)))
    return numbers


async def check_case(s: AsyncSession, meeting: Meeting, case_id: int | None) -> None:
    """An action may concern only a case this meeting may review (an unknown or foreign id would
    raise warnings on, and bring to other meetings, a case nobody here should touch)."""
    if case_id is None:
        return
    scope = await review_scope(s, meeting)
    if case_id not in await _referrals.case_numbers(s, scope, [case_id]):
        raise ValidationFailed(N_("That case is not one this meeting may review."))
