"""Scheduling a video mediation from the pages: the case page and the queue offer it to the body
that mediates the case (and to nobody else), /mediations/new without a case lists the cases to
choose from, scheduling sends each party their link by SMS and prints a QR slip for everyone,
and moving or cancelling the session tells the parties and says so on the page."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from hub.db import Database
from hub.models import Role, User
from hub.outbound.models import OutboundMessage
from referrals.models import Referral
from rtc.models import MediationSession
from tests.referrals.helpers import Person
from tests.rtc.helpers import case_in_mediation


async def page(person: Person, path: str) -> str:
    status, body = await person.get(path)
    assert status == 200, path
    return str(body.decode())


async def form(person: Person, path: str, fields: list[tuple[str, str]]) -> tuple[int, str, str]:
    response = await person.client.post(path, data=[*fields, ("_csrf", person.csrf)], allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


async def sms_of(db: Database, session_id: int, template: str) -> list[OutboundMessage]:
    async with db.read() as s:
        query = select(OutboundMessage).where(
            OutboundMessage.dedupe_key.startswith(f"mediation:{session_id}:"),
            OutboundMessage.template == template,
        )
        return list((await s.scalars(query)).all())


async def sender_liaison(db: Database, case_id: int) -> str:
    async with db.read() as s:
        referral = await s.scalar(select(Referral).where(Referral.case_id == case_id).order_by(Referral.id))
        assert referral is not None
        users = (await s.scalars(select(User).where(User.agency_id == referral.from_agency_id))).all()
    return next(u.username for u in users if Role.liaison in u.role_names)


async def test_the_case_page_queue_and_picker_offer_scheduling_to_the_mediating_body_only(
    client: TestClient, db: Database
) -> None:
    found = await case_in_mediation(db)
    mediator = await Person.login(client, found.mediator_username)
    case_page = await page(mediator, f"/cases/{found.case_id}")
    assert f'href="/mediations/new?case_id={found.case_id}" data-testid="schedule-video"' in case_page
    assert "视频调解" in case_page

    picker = await page(mediator, "/mediations/new")  # no case chosen: a list, not an error page
    assert 'data-testid="case-picker"' in picker
    rows = re.findall(r'data-testid="pick-(\d+)"', picker)
    assert str(found.case_id) in rows
    assert f'data-testid="yours-{found.case_id}"' in picker  # the mediator's own cases come first
    assert rows[0] == str(found.case_id) or f'data-testid="yours-{rows[0]}"' in picker
    assert 'data-testid="schedule-new"' in await page(mediator, "/mediations")

    room = await Person.login(client, "liaison_sr01")  # the room's liaison: may schedule too
    queue = await page(room, "/referrals")
    assert re.search(r'data-testid="schedule-video-\d+"', queue)

    police = await Person.login(
        client, await sender_liaison(db, found.case_id)
    )  # sees it, may not schedule it
    assert 'data-testid="schedule-video"' not in await page(police, f"/cases/{found.case_id}")
    assert f'data-testid="pick-{found.case_id}"' not in await page(police, "/mediations/new")


async def test_scheduling_sends_links_prints_qr_slips_and_moving_or_cancelling_tells_the_parties(
    client: TestClient, db: Database
) -> None:
    found = await case_in_mediation(db)
    mediator = await Person.login(client, found.mediator_username)
    new = await page(mediator, f"/mediations/new?case_id={found.case_id}")
    parties = re.findall(r'name="party" value="(\d+)"', new)
    assert len(parties) >= 2
    fields = [("case_id", str(found.case_id)), ("start", "2026-12-09T09:30")]
    fields += [("party", p) for p in parties] + [("extra_name", "王译"), ("extra_role", "interpreter")]
    status, _, html = await form(mediator, "/mediations/new", fields)
    assert status == 200
    slips = html.split('data-testid="slip"')[1:]
    assert len(slips) == len(parties) + 1  # every party, and the interpreter
    assert all("<svg" in slip and "/join/" in slip for slip in slips)
    interpreter = next(slip for slip in slips if "王译" in slip)
    assert "未登记手机号" in interpreter  # no SMS for them: the slip is their way in
    assert sum("已同时发送短信" in slip for slip in slips) == len(parties)
    session_id = int(re.search(r'href="/mediations/(\d+)" data-testid="to-session"', html).group(1))  # type: ignore[union-attr]
    links = await sms_of(db, session_id, "party.video_invitation")
    assert len(links) == len(parties)  # the demo's parties have mobile numbers; the interpreter none
    assert f"已发送短信邀请 {len(parties)} 份" in html

    status, where, _ = await form(
        mediator, f"/mediations/{session_id}/reschedule", [("start", "2026-12-10T14:00")]
    )
    assert (status, where) == (303, f"/mediations/{session_id}")
    shown = await page(mediator, where)
    assert 'data-testid="flash"' in shown and "已通过短信告知" in shown
    assert 'data-testid="flash"' not in await page(mediator, where)  # shown once
    assert len(await sms_of(db, session_id, "party.hearing_moved")) == len(parties)

    status, where, _ = await form(mediator, f"/mediations/{session_id}/cancel", [])
    assert status == 303
    assert "已取消" in await page(mediator, where)
    assert len(await sms_of(db, session_id, "party.hearing_cancelled")) == len(parties)


async def test_sending_the_scheduling_form_again_leads_to_the_session_it_made(
    client: TestClient, db: Database
) -> None:
    """A reload of the invitations page sends the form again: its one-time key finds the session
    the first sending made, and the second sending makes nothing."""
    found = await case_in_mediation(db)
    mediator = await Person.login(client, found.mediator_username)
    new = await page(mediator, f"/mediations/new?case_id={found.case_id}")
    key = re.search(r'name="submission_key" value="([0-9a-f]{32})"', new)
    assert key is not None
    shown_again = await page(mediator, f"/mediations/new?case_id={found.case_id}")
    assert key.group(1) not in shown_again  # one key per form shown
    fields = [("case_id", str(found.case_id)), ("submission_key", key.group(1))]
    fields += [("party", p) for p in re.findall(r'name="party" value="(\d+)"', new)]

    query = select(MediationSession.id).where(MediationSession.case_id == found.case_id)
    async with db.read() as s:
        before = set((await s.scalars(query)).all())

    status, _, html = await form(mediator, "/mediations/new", fields)
    assert status == 200 and 'data-testid="slip"' in html
    status, where, _ = await form(mediator, "/mediations/new", fields)
    async with db.read() as s:
        made = set((await s.scalars(query)).all()) - before
    assert len(made) == 1
    session_id = made.pop()
    assert (status, where) == (303, f"/mediations/{session_id}")
    shown = await page(mediator, where)
    assert 'data-testid="flash"' in shown and "已经安排" in shown and "新链接" in shown
    assert len(await sms_of(db, session_id, "party.video_invitation")) == len(fields) - 2  # sent once
