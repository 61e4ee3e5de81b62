"""The objects the permission matrix works on: found in the demo district, or made at test start
(what each one is: ``tests.hub.permission_matrix_writes``'s docstring)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub import audit
from hub.db import Database
from hub.directory import AgencyInput, UserInput, create_agency, create_token, create_user
from hub.early_warnings import EarlyWarning
from hub.models import Agency, Area, User
from hub.orm import utcnow
from hub.outbound.models import AgencyWebhook, OutboundMessage
from hub.outbound.webhooks import create_webhook
from meetings.models import ActionItem, AgendaItem, CalendarFeedToken, Invitee, Meeting
from referrals.evidence.demo import photo_png
from referrals.models import (
    Agreement,
    Case,
    FollowUp,
    MediationCommittee,
    Party,
    Referral,
    SensitivePeriod,
)
from rtc.models import MediationSession, Participant, Recording
from tests.referrals.helpers import Person


def _case_of(rows: list[Any], station: str, state: str) -> tuple[int, int]:
    """The first case taken in by ``station`` whose current referral is in ``state``: (case, referral)."""
    return next(
        (case, referral) for case, referral, code, found, _ in rows if code == station and found == state
    )


async def objects_of(db: Database) -> dict[str, int]:
    async with db.read() as s:
        codes = dict((await s.execute(select(Agency.id, Agency.code))).all())
        ids = {code: agency for agency, code in codes.items()}
        rows = (
            await s.execute(
                select(Agreement.case_id, Case.created_agency_id, Agreement.court_agency_id)
                .join(Case, Case.id == Agreement.case_id)
                .order_by(Agreement.id)
            )
        ).all()
        meeting = await s.scalar(select(Meeting.id).where(Meeting.status == "held").order_by(Meeting.id))
        session = await s.scalar(select(MediationSession.id).order_by(MediationSession.id))
        users = dict((await s.execute(select(User.username, User.id))).all())
        of = {(codes[agency], court is not None): case for case, agency, court in reversed(rows)}
        party = await s.scalar(
            select(Party.id).where(Party.case_id == of[("PS01", False)]).order_by(Party.id)
        )
        referral = await s.scalar(
            select(Referral.id).where(Referral.case_id == of[("PS01", False)]).order_by(Referral.id.desc())
        )
        current = (
            await s.execute(
                select(Case.id, Referral.id, Agency.code, Referral.state, Referral.to_agency_id)
                .join(Referral, Referral.case_id == Case.id)
                .join(Agency, Agency.id == Case.created_agency_id)
                .order_by(Case.id, Referral.id.desc())
            )
        ).all()
        latest: list[Any] = list({row[0]: tuple(row) for row in reversed(current)}.values())
        latest.sort()
        sent = _case_of(latest, "PS01", "sent")
        accepted = _case_of(latest, "PS01", "accepted")
        mediating = next(
            (c, r)
            for c, r, code, state, to in latest
            if code == "PS01" and state == "in_mediation" and codes[to] == "SR01"
        )
        unsent = await s.scalar(
            select(Case.id)
            .where(Case.created_agency_id == ids["PS02"], ~Case.id.in_(select(Referral.case_id)))
            .order_by(Case.id)
        )
        followup = await s.scalar(
            select(FollowUp.id)
            .where(FollowUp.case_id == of[("PS01", False)], FollowUp.done_at.is_(None))
            .order_by(FollowUp.id)
        )
        mediating_party = await s.scalar(
            select(Party.id).where(Party.case_id == mediating[0]).order_by(Party.id)
        )
        warning = await s.scalar(
            select(EarlyWarning.id).where(EarlyWarning.agency_id == ids["PS01"]).order_by(EarlyWarning.id)
        )
        committee = await s.scalar(select(MediationCommittee.id).order_by(MediationCommittee.id))
        grid = await s.scalar(select(Area.id).where(Area.code == "T01V01G1"))
        series = await s.scalar(select(Meeting.series_id).where(Meeting.id == meeting))
        invitee = await s.scalar(select(Invitee.id).where(Invitee.meeting_id == meeting).order_by(Invitee.id))
        item = await s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting).order_by(AgendaItem.id)
        )
    assert meeting is not None and session is not None and party is not None and referral is not None
    found = {
        "ps01": of[("PS01", False)],
        "ps01_party": party,
        "ps01_referral": referral,
        "ps01_confirmed": of[("PS01", True)],
        "ps02": of[("PS02", True)],
        "ps01_sent_referral": sent[1],
        "ps01_accepted_referral": accepted[1],
        "ps01_mediating": mediating[0],
        "ps01_mediating_referral": mediating[1],
        "ps01_mediating_party": mediating_party,
        "ps01_applied": _case_of(latest, "PS01", "confirmation_applied")[0],
        "ps01_at_court": _case_of(latest, "PS01", "confirmation_accepted")[0],
        "ps01_correcting": _case_of(latest, "PS01", "correction_requested")[0],
        "ps02_refused": _case_of(latest, "PS02", "confirmation_refused")[0],
        "ps02_unsent": unsent,
        "ps01_followup": followup,
        "warning": warning,
        "committee": committee,
        "grid": grid,
        "ps01_agency": ids["PS01"],
        "ps02_agency": ids["PS02"],
        "mc_agency": ids["MC-T01V01"],
        "meeting": meeting,
        "series": series,
        "invitee": invitee,
        "item": item,
        "session": session,
        "ps01_user": users["liaison_ps01"],
        "ps02_user": users["liaison_ps02"],
        "mediator01": users["mediator01"],
        "admin": users["admin"],
        "ps01_admin": users["station_admin_ps01"],
    }
    missing = sorted(name for name, value in found.items() if value is None)
    assert not missing, missing
    return found


async def made(db: Database, objects: dict[str, int]) -> dict[str, int]:
    """What the demo lacks: a police post under PS01 (``{ps01_post}``) and a clerk of PS01
    (``{ps01_clerk}``) to change, PS01's webhook, an undelivered message, a calendar feed, an
    action owned by liaison_ps01, a guest of the video session, and an ended copy of that session
    (``{ended}``) with a party (``{party}``), whose minutes can be drafted."""
    async with db.write() as s:
        actor = audit.Actor(objects["admin"], objects["ps01_agency"])
        post = await create_agency(
            s, actor, AgencyInput("PS01-P", "矩阵警务室", "police_station", parent_id=objects["ps01_agency"])
        )
        clerk = await create_user(
            s, actor, UserInput("matrix_clerk", "矩阵文员", objects["ps01_agency"], ("liaison",), "x")
        )
        _secret, hook = await create_webhook(s, actor, objects["ps01_agency"], "https://example.invalid/1")
        session = await s.get(MediationSession, objects["session"])
        assert session is not None
        party = await s.scalar(select(Party.id).where(Party.case_id == session.case_id).order_by(Party.id))
        ended = MediationSession(
            case_id=session.case_id,
            referral_id=session.referral_id,
            agency_id=session.agency_id,
            mediator_id=session.mediator_id,
            status="ended",
            started_at=utcnow(),
            ended_at=utcnow(),
        )
        rows: dict[str, Any] = {
            "outbound": OutboundMessage(
                uid="matrix",
                channel="sms",
                target="13800000000",
                agency_id=objects["ps01_agency"],
                template="matrix",
                dedupe_key="matrix",
                state="dead",
            ),
            "feed": CalendarFeedToken(
                token_hash="0" * 64, agency_id=objects["ps01_agency"], created_by_id=objects["ps01_admin"]
            ),
            "action": ActionItem(
                meeting_id=objects["meeting"],
                text="矩阵任务",
                owner_user_id=objects["ps01_user"],
                due=date(2027, 1, 1),
            ),
            "guest": Participant(session_id=objects["session"], role="interpreter", display_name="翻译"),
            "ended": ended,
        }
        s.add_all(rows.values())
        await s.flush()
        made = Participant(
            session_id=ended.id, role="party", display_name="当事人", party_id=party, joined_at=utcnow()
        )
        s.add(made)
        await s.flush()
        found = {name: row.id for name, row in rows.items()}
        return found | {"ps01_post": post.id, "ps01_clerk": clerk.id, "webhook": hook.id, "party": made.id}


async def fresh(db: Database, name: str, objects: dict[str, int]) -> int:
    """One of ``{fresh_token}``, ``{fresh_webhook}``, ``{fresh_sensitive}``: a new object to consume."""
    async with db.write() as s:
        actor = audit.Actor(objects["admin"], objects["ps01_agency"])
        if name == "fresh_webhook":
            hook = await s.scalar(
                select(AgencyWebhook.id).where(AgencyWebhook.agency_id == objects["ps01_agency"])
            )
            if hook is not None:
                return int(hook)
            _secret, made = await create_webhook(
                s, actor, objects["ps01_agency"], "https://example.invalid/p"
            )
            return made.id
        if name == "fresh_token":
            user = await s.get(User, objects["ps01_user"])
            assert user is not None
            _token, token = await create_token(s, actor, user, "矩阵")
            return token.id
        period = SensitivePeriod(name="矩阵", first=date(2027, 2, 1), last=date(2027, 2, 2))
        s.add(period)
        await s.flush()
        return period.id


async def evidence(client: TestClient, case_id: int) -> int:
    person = await Person.login(client, "liaison_ps01")
    data = FormData()
    data.add_field("description", "现场照片")
    data.add_field("file", io.BytesIO(photo_png()), filename="scene.png", content_type="image/png")
    response = await client.post(
        f"/api/v1/cases/{case_id}/evidence", data=data, headers={"X-CSRF-Token": person.csrf}
    )
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def recordings(db: Database, data_dir: Path, session_id: int) -> dict[str, int]:
    """Two tracks of the session's mediator: one in the main room, one in a private caucus."""
    now = utcnow()
    ids: dict[str, int] = {}
    async with db.write() as s:
        session = await s.get(MediationSession, session_id)
        assert session is not None
        mediator = Participant(
            session_id=session_id, role="mediator", display_name="调解员", user_id=session.mediator_id
        )
        s.add(mediator)
        await s.flush()
        for key, room in (("main", "main"), ("caucus", "caucus-1")):
            relative = f"recordings/matrix-{room}.webm"
            (data_dir / "recordings").mkdir(parents=True, exist_ok=True)
            (data_dir / relative).write_bytes(b"\x1a\x45\xdf\xa3 track")
            row = Recording(
                session_id=session_id,
                participant_id=mediator.id,
                room=room,
                path=relative,
                started_at=now,
                ended_at=now,
                duration_seconds=1.0,
                sha256="0" * 64,
                size=10,
            )
            s.add(row)
            await s.flush()
            ids[key] = row.id
    return ids
