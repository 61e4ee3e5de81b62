"""Demo: a finished video mediation three days ago, as the hub would have recorded it: the mediator
and two parties, consent, a private talk (背对背) with the applicant, chat, the mediator's notes,
one WAV file per person and room segment made from synthetic speech, their speaking segments found
by the same voice detection as live, and the minutes drafted from it all.

The recordings need the data directory; without one (the tests' template database) the session is
left out.
"""

from __future__ import annotations

import array
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.demo_context import DemoContext
from hub.models import User
from hub.permissions import Scope
from referrals import for_mediation
from rtc.minutes import service as minutes_service
from rtc.models import (
    ChatMessage,
    MediationSession,
    MediatorNote,
    Participant,
    Recording,
    SessionEvent,
)
from rtc.recorder import WavWriter
from rtc.recordings import add_speech, relative
from rtc.synth import RATE, noise, speech
from rtc.vad import segments_from_wav

DONE_STATES = ("resolved", "confirmation_applied", "confirmed", "closed")


@dataclass(frozen=True)
class Turn:
    who: str  # "m" mediator, "a" applicant, "b" respondent
    start: float  # seconds from the start of its segment
    seconds: float


# Who speaks when, per room segment (seconds from the segment's start).
MAIN_1 = [Turn("m", 1, 6), Turn("a", 8, 7), Turn("b", 16, 6), Turn("m", 23, 4), Turn("b", 28, 5)]
CAUCUS = [Turn("m", 1, 4), Turn("a", 6, 6), Turn("m", 13, 3)]
MAIN_2 = [Turn("m", 1, 5), Turn("a", 7, 3), Turn("b", 11, 3), Turn("m", 15, 3)]
LENGTHS = {"main-1": 35.0, "caucus-1": 18.0, "main-2": 20.0}


def _track(turns: list[Turn], who: str, length: float, seed: int) -> bytes:
    samples = noise(length, seed=seed)
    for k, turn in enumerate(t for t in turns if t.who == who):
        voice = speech(turn.seconds, seed=seed + k)
        at = int(turn.start * RATE)
        for i, v in enumerate(voice):
            if at + i < len(samples):
                samples[at + i] = max(-32768, min(32767, samples[at + i] + v))
    return array.array("h", samples).tobytes()


async def load(ctx: DemoContext) -> None:
    if ctx.data_dir is None:
        return
    async with ctx.db.write() as s:
        found = await for_mediation.cases_in_mediation(s, DONE_STATES, agreed=True)
        if not found:
            return
        case = await for_mediation.case_for_mediation(s, Scope(None), found[0])
        parties = sorted(case.parties, key=lambda p: p.party_id)
        if len(parties) < 2 or case.mediator_id is None or case.mediating_agency_id is None:
            return
        mediator = await s.get(User, case.mediator_id)
        assert mediator is not None
        start = (ctx.now - timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
        caucus_at = start + timedelta(seconds=LENGTHS["main-1"])
        back_at = caucus_at + timedelta(seconds=LENGTHS["caucus-1"])
        end = back_at + timedelta(seconds=LENGTHS["main-2"])
        session = MediationSession(
            case_id=case.case_id,
            referral_id=case.referral_id,
            agency_id=case.mediating_agency_id,
            mediator_id=mediator.id,
            title=case.number,
            scheduled_start=start,
            status="ended",
            started_at=start,
            ended_at=end,
            outcome="agreed",
            created_by_id=mediator.id,
            created_at=start - timedelta(days=1),
        )
        s.add(session)
        await s.flush()
        m = Participant(
            session_id=session.id, role="mediator", display_name=mediator.display_name, user_id=mediator.id
        )
        people = {"m": m}
        for key, party in zip(("a", "b"), parties[:2], strict=True):
            people[key] = Participant(
                session_id=session.id,
                role="party",
                display_name=party.name,
                party_id=party.party_id,
                identity_check="id_last4",
                identity_checked_at=start - timedelta(minutes=3),
                token_created_at=start - timedelta(days=1),
                token_used_at=start - timedelta(minutes=3),
                token_expires_at=start + timedelta(days=2),
            )
        for p in people.values():
            p.consent, p.consent_at = "given", start - timedelta(minutes=2)
            p.joined_at, p.admitted_at = start - timedelta(minutes=2), start
            s.add(p)
        await s.flush()
        ids = {k: p.id for k, p in people.items()}
        timeline = [
            (start - timedelta(days=1), None, "scheduled", "main", {}),
            (start - timedelta(minutes=3), ids["a"], "link_opened", "main", {}),
            (start - timedelta(minutes=3), ids["b"], "link_opened", "main", {}),
            *[(start - timedelta(minutes=2), ids[k], "consent_given", "main", {}) for k in "mab"],
            *[(start - timedelta(minutes=2), ids[k], "joined", "main", {"state": "lobby"}) for k in "ab"],
            (start, ids["m"], "started", "main", {}),
            (start, ids["a"], "admitted", "main", {}),
            (start, ids["b"], "admitted", "main", {}),
            (start, None, "recording_started", "main", {}),
            (caucus_at, ids["m"], "caucus_started", "caucus-1", {"members": [ids["m"], ids["a"]]}),
            (back_at, ids["m"], "caucus_ended", "caucus-1", {"summary": "申请人同意分两期收取赔偿款。"}),
            (end, None, "ended", "main", {"outcome": "agreed"}),
        ]
        for at, pid, kind, room, data in timeline:
            s.add(
                SessionEvent(
                    session_id=session.id, participant_id=pid, at=at, kind=kind, room=room, data=data
                )
            )
        for at, pid, text in (
            (start + timedelta(seconds=12), ids["b"], "我这边网络有点卡，能听清。"),
            (start + timedelta(seconds=30), ids["a"], "医药费票据我已经拍照上传了。"),
        ):
            s.add(ChatMessage(session_id=session.id, participant_id=pid, at=at, room="main", text=text))
        s.add(
            MediatorNote(
                session_id=session.id,
                author_id=mediator.id,
                at=start + timedelta(seconds=20),
                room="main",
                text="双方对事实无争议，争议在赔偿数额。",
            )
        )
        await _recordings(s, ctx.data_dir, session.id, ids, start, caucus_at, back_at)
        actor = audit.Actor(user_id=mediator.id, agency_id=case.mediating_agency_id)
        await audit.record(
            s, actor, "mediation.ended", "mediation_session", session.id, {"outcome": "agreed", "demo": True}
        )
        await minutes_service.draft(s, actor, session, now=end + timedelta(minutes=5), zone="Asia/Shanghai")


async def _recordings(
    s: AsyncSession,
    data_dir: Path,
    session_id: int,
    ids: dict[str, int],
    start: datetime,
    caucus_at: datetime,
    back_at: datetime,
) -> None:
    folder = data_dir / "recordings" / str(session_id)
    folder.mkdir(parents=True, exist_ok=True)
    segments = [
        ("main", "main-1", MAIN_1, start, "mab"),
        ("caucus-1", "caucus-1", CAUCUS, caucus_at, "ma"),
        ("main", "main-2-outside", [], caucus_at, "b"),  # the respondent waits, recorded in main
        ("main", "main-2", MAIN_2, back_at, "mab"),
    ]
    index: dict[str, int] = {}
    for room, key, turns, began, who in segments:
        length = LENGTHS["caucus-1"] if key == "main-2-outside" else LENGTHS[key]
        for k in who:
            pid = ids[k]
            index[k] = index.get(k, 0) + 1
            path = folder / f"p{pid}-{index[k]:02d}-{room}.wav"
            writer = WavWriter(path)
            writer.write(_track(turns, k, length, seed=pid * 10 + index[k]))
            file = writer.close()
            row = Recording(
                session_id=session_id,
                participant_id=pid,
                room=room,
                path=relative(path, data_dir),
                started_at=began,
                ended_at=began + timedelta(seconds=file.duration_seconds),
                duration_seconds=file.duration_seconds,
                sha256=file.sha256,
                size=file.size,
            )
            s.add(row)
            await s.flush()
            add_speech(s, row, segments_from_wav(path))
