"""Minutes of a meeting, with the database: assemble a draft from the record, edit it, circulate it
to the attendees for comments, approve it (the chair) and freeze it by its hash. The pure parts
(assembly, text, hashing, revision numbers) are ``meetings.minutes``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import lock_row
from hub.errors import (
    MinutesChanged,
    MinutesMissing,
    MinutesNotCirculated,
    ValidationFailed,
)
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, User
from hub.notifications import notify
from hub.orm import utcnow
from hub.permissions import Principal
from meetings import cases
from meetings.errors import MINUTES_CHANGED, NO_MINUTES, NOT_CIRCULATED, MinutesFrozen
from meetings.minutes.minutes import (
    ActionRecord,
    AgendaRecord,
    Attendance,
    AttendeeRecord,
    MeetingIdentity,
    MinutesRecord,
    MinutesStatus,
    assemble,
    freeze,
    intact,
    normalise,
    render_text,
    revision_for_edit,
)
from meetings.models import ActionItem, Decision, Meeting, Minutes, MinutesComment
from meetings.permissions import check_chair
from meetings.record import proceedings
from meetings.timezones import to_local, to_utc
from meetings.views import actions_in, decisions_of, owner_names, people

MAX_TEXT = 200_000


async def number_of(s: AsyncSession, meeting: Meeting) -> str:
    """``2026年第11次``: how many of the organiser's meetings (not cancelled) began that year up to
    this one."""
    local = to_local(meeting.start, meeting.time_zone)
    year_start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    count = await s.scalar(
        select(func.count(Meeting.id)).where(
            Meeting.organiser_agency_id == meeting.organiser_agency_id,
            Meeting.status != "cancelled",
            Meeting.start >= to_utc(year_start, meeting.time_zone),
            Meeting.start <= meeting.start,
        )
    )
    return f"{local.year}年第{count or 1}次"


def _action(a: ActionItem, owners: dict[int, str], numbers: dict[int, str]) -> ActionRecord:
    return ActionRecord(a.text, owners.get(a.id, ""), a.due, a.status, numbers.get(a.case_id or 0, ""))


async def record_of(s: AsyncSession, meeting: Meeting, now: datetime) -> MinutesRecord:
    """Everything the minutes say, read from the record of the meeting."""
    users = await people(
        s, {i.user_id for i in meeting.invitees} | {meeting.chair_id or 0, meeting.secretary_id or 0}
    )
    agency_ids = {u.agency_id for u in users.values()} | {meeting.organiser_agency_id}
    agencies = dict((await s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)))).all())
    decisions: Sequence[Decision] = await decisions_of(s, meeting.id)
    actions = list(await actions_in(s, meeting.id))
    carried = list(await proceedings.open_actions_before(s, meeting))
    owners = await owner_names(s, actions + carried)
    wanted = {c for item in meeting.agenda for c in item.case_ids} | {
        a.case_id for a in actions + carried if a.case_id
    }
    numbers = await cases.case_numbers(s, meeting, wanted, now)

    def name(user_id: int | None) -> str:
        return users[user_id].display_name if user_id in users else ""

    attendance = tuple(
        AttendeeRecord(
            name(i.user_id),
            agencies.get(users[i.user_id].agency_id, ""),
            Attendance(i.attendance),
            i.proxy_name,
        )
        for i in meeting.invitees
        if i.user_id in users
    )
    agenda = tuple(
        AgendaRecord(
            item.kind,
            item.title,
            item.presenter,
            item.minutes,
            item.notes,
            tuple(numbers.get(c, f"#{c}") for c in item.case_ids),
            tuple(d.text for d in decisions if d.agenda_item_id == item.id),
            tuple(_action(a, owners, numbers) for a in actions if a.agenda_item_id == item.id),
        )
        for item in meeting.agenda
    )
    identity = MeetingIdentity(
        title=meeting.title,
        number=await number_of(s, meeting),
        start=meeting.start,
        end=meeting.end,
        place=meeting.place,
        organiser=agencies.get(meeting.organiser_agency_id, ""),
        chair=name(meeting.chair_id),
        secretary=name(meeting.secretary_id),
        zone=meeting.time_zone,
    )
    return MinutesRecord(
        identity,
        attendance,
        agenda,
        tuple(d.text for d in decisions if d.agenda_item_id is None),
        tuple(_action(a, owners, numbers) for a in actions if a.agenda_item_id is None),
        tuple(_action(a, owners, numbers) for a in carried),
    )


async def latest(s: AsyncSession, meeting_id: int, *, drafts: bool = True) -> Minutes | None:
    """The latest revision; ``drafts=False`` for readers who do not run the meeting, who see the
    minutes only once circulated (a draft is the secretary's and the chair's working copy)."""
    query = select(Minutes).where(Minutes.meeting_id == meeting_id)
    if not drafts:
        query = query.where(Minutes.status != "draft")
    return await s.scalar(query.order_by(Minutes.revision.desc()).limit(1))


async def _latest_for_change(s: AsyncSession, meeting: Meeting) -> Minutes | None:
    """The latest minutes, read afresh after locking the meeting's row: saves, circulation,
    comments and approval of one meeting's minutes then happen one after the other. (Without
    it, on PostgreSQL a save waiting behind the chair's approval would write its text into
    the approved row, under a hash of the text before.)"""
    await lock_row(s, Meeting, meeting.id)
    query = select(Minutes).where(Minutes.meeting_id == meeting.id).order_by(Minutes.revision.desc()).limit(1)
    return await s.scalar(query.execution_options(populate_existing=True))


async def revisions(s: AsyncSession, meeting_id: int, *, drafts: bool = True) -> Sequence[Minutes]:
    query = select(Minutes).where(Minutes.meeting_id == meeting_id)
    if not drafts:
        query = query.where(Minutes.status != "draft")
    return (await s.scalars(query.order_by(Minutes.revision))).all()


async def comments(s: AsyncSession, minutes_id: int) -> list[tuple[MinutesComment, str]]:
    rows = await s.execute(
        select(MinutesComment, User.display_name)
        .join(User, User.id == MinutesComment.user_id)
        .where(MinutesComment.minutes_id == minutes_id)
        .order_by(MinutesComment.id)
    )
    return [(c, n) for c, n in rows.all()]


async def _save(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    text: str,
    structure: dict[str, Any] | None,
    new_revision: bool,
    seen: str | None = None,
) -> Minutes:
    if len(text) > MAX_TEXT:
        raise ValidationFailed(N_("The minutes are too long."))
    current = await _latest_for_change(s, meeting)
    _check_seen(current, seen)
    if current is None:
        current = Minutes(meeting_id=meeting.id, revision=1, status="draft", text="", structure={})
        s.add(current)
    else:
        revision = revision_for_edit(current.revision, current.status, new_revision=new_revision)
        if revision != current.revision:
            current = Minutes(meeting_id=meeting.id, revision=revision, status="draft", text="", structure={})
            s.add(current)
    current.text = normalise(text)
    if structure is not None:
        current.structure = structure
    current.updated_at = utcnow()
    await s.flush()
    await audit.record(
        s,
        actor,
        "minutes.saved",
        "meeting",
        meeting.id,
        {"revision": current.revision, "chars": len(current.text)},
    )
    return current


async def draft(
    s: AsyncSession, actor: audit.Actor, meeting: Meeting, now: datetime, *, new_revision: bool = False
) -> Minutes:
    """(Re)assemble the draft from the record: replaces the text of a draft, or starts a revision."""
    assembled = assemble(await record_of(s, meeting, now), to_local(now, meeting.time_zone).date())
    return await _save(s, actor, meeting, render_text(assembled), assembled.as_dict(), new_revision)


async def edit(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    text: str,
    *,
    new_revision: bool = False,
    seen: str | None = None,
) -> Minutes:
    """The secretary's edit. Approved minutes are frozen (``minutes_frozen``) unless a new,
    numbered revision is asked for. ``seen``: the SHA-256 of the text the editor started from;
    if the minutes changed since (a second secretary saved), the edit is refused, not lost."""
    if not text.strip():
        raise ValidationFailed(N_("The minutes cannot be empty."))
    return await _save(s, actor, meeting, text, None, new_revision, seen)


def _check_seen(current: Minutes | None, seen: str | None) -> None:
    if current is not None and seen and not intact(current.text, seen):
        raise MinutesChanged(MINUTES_CHANGED)


async def _existing(s: AsyncSession, meeting: Meeting) -> Minutes:
    current = await _latest_for_change(s, meeting)
    if current is None:
        raise MinutesMissing(NO_MINUTES)
    return current


async def circulate(s: AsyncSession, actor: audit.Actor, meeting: Meeting, outbox: Outbox) -> Minutes:
    """Send the draft to the attendees (and the chair) for comments."""
    current = await _existing(s, meeting)
    if MinutesStatus(current.status) is MinutesStatus.approved:
        raise MinutesFrozen()
    current.status, current.circulated_at = "circulated", utcnow()
    await s.flush()
    await audit.record(s, actor, "minutes.circulated", "meeting", meeting.id, {"revision": current.revision})
    came = [i.user_id for i in meeting.invitees if i.attendance in ("present", "proxy")]
    readers = set(came or [i.user_id for i in meeting.invitees]) | {meeting.chair_id or 0}
    readers.discard(0)
    await notify(
        s,
        outbox,
        readers,
        "meeting.minutes_circulated",
        N_("The minutes of %(meeting)s are circulated for your comments"),
        f"/meetings/{meeting.id}/minutes",
        meeting=meeting.title,
    )
    return current


async def comment(s: AsyncSession, actor: audit.Actor, meeting: Meeting, text: str) -> MinutesComment:
    current = await _existing(s, meeting)
    if current.status != "circulated":
        raise MinutesNotCirculated(NOT_CIRCULATED)
    if not text.strip():
        raise ValidationFailed(N_("Write the comment."))
    assert actor.user_id is not None
    row = MinutesComment(minutes_id=current.id, user_id=actor.user_id, text=text.strip()[:5000])
    s.add(row)
    await s.flush()
    await audit.record(s, actor, "minutes.commented", "meeting", meeting.id, {"revision": current.revision})
    return row


async def approve(
    s: AsyncSession, principal: Principal, meeting: Meeting, outbox: Outbox, *, seen: str | None = None
) -> Minutes:
    """The chair approves: the text is frozen by its SHA-256; the meeting counts as held.
    ``seen``: the SHA-256 of the text the chair read; approval of a text changed since is refused."""
    check_chair(principal, meeting)
    current = await _existing(s, meeting)
    _check_seen(current, seen)
    if current.status == "approved":
        raise MinutesFrozen()
    current.status = "approved"
    current.sha256 = freeze(current.text)
    current.approved_by_id, current.approved_at = principal.user_id, utcnow()
    if meeting.status == "scheduled":
        meeting.status = "held"
    await s.flush()
    await audit.record(
        s,
        principal.actor,
        "minutes.approved",
        "meeting",
        meeting.id,
        {"revision": current.revision, "sha256": current.sha256},
    )
    if meeting.secretary_id:
        await notify(
            s,
            outbox,
            [meeting.secretary_id],
            "meeting.minutes_approved",
            N_("The minutes of %(meeting)s were approved"),
            f"/meetings/{meeting.id}/minutes",
            meeting=meeting.title,
        )
    return current
