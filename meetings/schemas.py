"""JSON shapes of the meetings API (pydantic): validation and the OpenAPI document come from here.

Times may be sent with an offset (an instant) or without one (the wall clock in the meeting's time
zone); answers give instants in UTC and the zone beside them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from hub.schemas import Input, Output

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Zone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Ids = Annotated[list[int], Field(default_factory=list, max_length=500)]
Rsvp = Literal["accepted", "declined", "tentative"]
AttendanceStatus = Literal["present", "absent", "excused", "proxy"]
AgendaKind = Literal["report", "discussion", "decision", "case_review"]
ActionStatus = Literal["open", "in_progress", "done", "dropped"]


class MeetingIn(Input):
    title: Title
    organiser_agency_id: int | None = Field(default=None, description="Default: your agency")
    start: datetime = Field(description="With an offset, or the wall clock in time_zone")
    end: datetime
    time_zone: Zone = "Asia/Shanghai"
    place: Short = ""
    secretary_id: int | None = Field(default=None, description="Default: you")
    chair_id: int | None = None
    invite_user_ids: Ids
    invite_agency_ids: Ids
    invite_roles: list[str] = Field(default_factory=list, max_length=6, description="Of invited agencies")


class SeriesIn(Input):
    title: Title
    organiser_agency_id: int | None = None
    rrule: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] = Field(
        description="RFC 5545 RRULE value, e.g. FREQ=MONTHLY;BYDAY=1TU"
    )
    time_zone: Zone = "Asia/Shanghai"
    first_start: datetime = Field(description="The first meeting: wall clock in time_zone, or an instant")
    duration_minutes: int = Field(ge=-100_000, le=100_000)
    place: Short = ""
    secretary_id: int | None = None
    chair_id: int | None = None
    horizon_months: int | None = Field(
        default=None, description="How far to plan a rule that never ends (required for such a rule)"
    )
    holidays: Literal["flag", "skip"] = Field(
        default="flag",
        description="Meetings on a public holiday or rest day (statutory calendar): flagged, or skipped",
    )
    invite_user_ids: Ids
    invite_agency_ids: Ids
    invite_roles: list[str] = Field(default_factory=list, max_length=6)


class MeetingPatch(Input):
    title: Title | None = None
    start: datetime | None = None
    end: datetime | None = None
    place: Short | None = None
    notes: Text | None = None


class CancelIn(Input):
    reason: Short = ""


class InviteIn(Input):
    user_ids: Ids
    agency_ids: Ids
    roles: list[str] = Field(default_factory=list, max_length=6)
    whole_series: bool = Field(default=False, description="Also every later occurrence of the series")


class RsvpIn(Input):
    answer: Rsvp


class AttendanceIn(Input):
    invitee_id: int
    status: AttendanceStatus
    proxy_name: Short = ""


class AgendaIn(Input):
    kind: AgendaKind
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    presenter: Short = ""
    minutes: int = Field(default=10, ge=-10_000, le=10_000)
    case_ids: list[int] = Field(default_factory=list, max_length=50)


class NotesIn(Input):
    notes: Text


class DecisionIn(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    agenda_item_id: int | None = None


class ActionIn(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    due: date
    owner_agency_id: int | None = None
    owner_user_id: int | None = None
    agenda_item_id: int | None = None
    case_id: int | None = None


class ActionPatch(Input):
    status: ActionStatus


class MeetingQuery(Input):
    start: datetime | None = Field(default=None, alias="from", description="Meetings ending after")
    end: datetime | None = Field(default=None, alias="to", description="Meetings starting before")
    status: Literal["scheduled", "held", "cancelled"] | None = None
    series_id: int | None = None
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


# --- answers --------------------------------------------------------------------------------------


class ConflictOut(Output):
    agency_id: int
    agency_name: str
    meeting_id: int | None
    title: str
    start: datetime
    end: datetime
    proposed_start: datetime


class MeetingSummary(Output):
    id: int
    uid: str
    series_id: int | None
    recurrence_id: datetime | None
    title: str
    organiser_agency_id: int
    start: datetime
    end: datetime
    time_zone: str
    place: str
    status: str
    moved: bool
    skipped_for: str = Field(default="", description="The holiday its series skipped it for (cancelled)")
    sequence: int


class InviteeOut(Output):
    id: int
    user_id: int
    name: str
    agency_id: int
    via_agency_id: int | None
    rsvp: str
    attendance: str
    proxy_name: str


class AgendaItemOut(Output):
    id: int
    position: int
    kind: str
    title: str
    presenter: str
    minutes: int
    case_ids: list[int]
    notes: str
    carried_action_id: int | None


class DecisionOut(Output):
    id: int
    agenda_item_id: int | None
    text: str
    created_at: datetime


class ActionOut(Output):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    text: str
    owner_agency_id: int | None
    owner_user_id: int | None
    owner: str = ""
    due: date
    status: str
    case_id: int | None
    done_at: datetime | None


class MeetingOut(MeetingSummary):
    secretary_id: int | None
    chair_id: int | None
    notes: str
    invitees: list[InviteeOut]
    agenda: list[AgendaItemOut]
    decisions: list[DecisionOut]
    actions: list[ActionOut]
    may_manage: bool
    is_chair: bool
    my_invitee_id: int | None


class MeetingChanged(Output):
    meeting: MeetingOut
    conflicts: list[ConflictOut] = Field(description="Invited agencies already booked then (a warning)")


class SeriesOut(Output):
    id: int
    uid: str
    title: str
    organiser_agency_id: int
    rrule: str
    time_zone: str
    first_start: datetime
    duration_minutes: int
    place: str
    secretary_id: int | None
    chair_id: int | None
    sequence: int
    cancelled: bool
    holidays: str = Field(default="flag", description="Meetings on holidays: flag or skip")


class SeriesCreated(Output):
    series: SeriesOut
    meetings: list[MeetingSummary]
    conflicts: list[ConflictOut]


class Invited(Output):
    meeting_ids: list[int]
    user_ids: list[int]
    conflicts: list[ConflictOut]


class ProposedCase(Output):
    case_id: int
    number: str
    category: str
    summary: str
    state: str
    reasons: list[str]


class FeedIn(Input):
    agency_id: int | None = Field(default=None, description="An agency's feed; default: your own meetings")


class FeedOut(Output):
    id: int
    user_id: int | None
    agency_id: int | None
    created_at: datetime
    revoked_at: datetime | None


class FeedCreated(FeedOut):
    token: str = Field(description="Shown once; only its hash is kept")
    url: str


# --- minutes --------------------------------------------------------------------------------------


class DraftIn(Input):
    new_revision: bool = Field(default=False, description="Start revision N+1 of approved minutes")


class MinutesTextIn(Input):
    text: Annotated[str, StringConstraints(max_length=200_000)]
    new_revision: bool = Field(default=False, description="Approved minutes change only as a new revision")


class CommentIn(Input):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class CommentOut(Output):
    id: int
    user_id: int
    name: str
    text: str
    created_at: datetime


class RevisionOut(Output):
    revision: int
    status: str
    sha256: str
    approved_at: datetime | None


class MinutesOut(Output):
    id: int
    meeting_id: int
    revision: int
    status: str
    text: str
    sha256: str = Field(description="SHA-256 of the approved text (empty before approval)")
    approved_by_id: int | None
    approved_at: datetime | None
    circulated_at: datetime | None
    updated_at: datetime
    comments: list[CommentOut] = Field(default_factory=list)
    revisions: list[RevisionOut] = Field(default_factory=list)
