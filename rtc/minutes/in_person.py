"""A face-to-face mediation session (现场调解), the rooms' everyday work: the mediator records it from
the case once it has been held (date, time, place, who was present, the 记录人, the result). It is a
session like a video one (same people, same minutes), held already: it ends as it is created, the
referral moves as a video session would move it, and its minutes are drafted at once for the
记录人 to complete (``entries``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from referrals import for_mediation
from referrals.for_mediation import CaseInfo
from rtc import service
from rtc.minutes import service as minutes_service
from rtc.minutes.entries import recorders_of
from rtc.minutes.record import IN_PERSON, MEDIA, OUTCOME_TEXT
from rtc.models import MediationSession
from rtc.rooms import GUEST_ROLES


@dataclass(frozen=True)
class Held:
    """What the mediator says of a session held face to face."""

    start: datetime
    end: datetime
    place: str
    present: frozenset[int]  # the case's parties who came (by party id); the others were absent
    others: tuple[service.GuestSpec, ...] = ()  # agents, interpreters... who came
    outcome: str = "adjourned"
    note: str = ""
    recorder_id: int | None = None  # the 记录人; None: the mediator
    recorded_media: str = ""  # "", audio, video

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("times of a held session must be aware")


def _check(held: Held, info: CaseInfo, now: datetime) -> None:
    if not held.place.strip() or len(held.place) > 200:
        raise ValidationFailed(N_("Say where the session was held."))
    if held.end <= held.start:
        raise ValidationFailed(N_("The session must end after it starts."))
    if held.start > now:
        raise ValidationFailed(N_("A face-to-face session is recorded once it has been held."))
    if not held.outcome or held.outcome not in OUTCOME_TEXT or held.recorded_media not in MEDIA:
        raise ValidationFailed()
    if not held.present <= {p.party_id for p in info.parties}:
        raise ValidationFailed(N_("Only a party of the case can be present as a party."))
    if any(g.role not in GUEST_ROLES or g.role == "party" or not g.name.strip() for g in held.others):
        raise ValidationFailed(N_("Give a name and a role."))


async def record_held(
    s: AsyncSession,
    actor: audit.Actor,
    info: CaseInfo,
    held: Held,
    *,
    mediator_id: int,
    now: datetime,
    zone: str,
    outbox: Outbox,
) -> MediationSession:
    """The session, its people (present or absent), the referral moved, and the first draft."""
    _check(held, info, now)
    guests = [service.GuestSpec("party", p.name, p.party_id) for p in info.parties] + list(held.others)
    session = await service.schedule(
        s, actor, info, mediator_id=mediator_id, start=held.start, guests=guests, record_video=False, now=now
    )
    if held.recorder_id is not None and held.recorder_id not in {
        u.id for u in await recorders_of(s, session.agency_id)
    }:
        raise ValidationFailed(N_("The recorder must be someone of the mediating agency."))
    session.mode, session.place = IN_PERSON, held.place.strip()
    session.recorder_id, session.recorded_media = held.recorder_id, held.recorded_media
    session.status, session.started_at, session.ended_at = "ended", held.start, held.end
    session.outcome, session.outcome_note = held.outcome, held.note.strip()[:500]
    for person in await service.participants(s, session.id):
        if person.party_id is None or person.party_id in held.present:
            person.joined_at = held.start  # the mediator, the others named, the parties who came
    await service.event(s, session.id, "started", at=held.start)
    await service.event(s, session.id, "ended", at=held.end, outcome=held.outcome)
    data = {"case_id": info.case_id, "outcome": held.outcome, "present": sorted(held.present)}
    await audit.record(s, actor, "mediation.held_in_person", "mediation_session", session.id, data)
    await for_mediation.mediation_started(
        s, actor, session.referral_id, now=now, outbox=outbox, via="in_person_session"
    )
    await for_mediation.mediation_ended(
        s, actor, session.referral_id, outcome=held.outcome, note=held.note, now=now, outbox=outbox
    )
    await minutes_service.draft(s, actor, session, now=now, zone=zone)
    return session
