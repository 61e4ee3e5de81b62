"""Follow-up visits (回访) announced to the parties by SMS: when the visits are scheduled, each party
with a mobile number is told, at 09:00 the day before, the visiting body, the day and its number
(a local gateway receives it); the notice expires with the day, and a past visit is not announced."""

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub.config import Config
from hub.db import Database
from hub.models import Agency
from hub.orm import utcnow
from hub.outbound.models import OutboundMessage
from referrals import visit_notices
from referrals.models import Case, FollowUp, Party
from tests.hub.outbound_helpers import manual_worker, sms_config
from tests.support.outbound import LocalGateway

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("day", "sent", "expires"),
    [
        (
            date(2026, 12, 14),
            datetime(2026, 12, 13, 9, 0, tzinfo=ZONE),
            datetime(2026, 12, 15, 0, 0, tzinfo=ZONE),
        ),
        (
            date(2027, 1, 1),
            datetime(2026, 12, 31, 9, 0, tzinfo=ZONE),
            datetime(2027, 1, 2, 0, 0, tzinfo=ZONE),
        ),
    ],
)
def test_the_notice_goes_the_morning_before_and_expires_with_the_day(
    day: date, sent: datetime, expires: datetime
) -> None:
    assert visit_notices.notice_times(day, ZONE) == (sent, expires)


@pytest.fixture
async def gateway() -> AsyncIterator[LocalGateway]:
    local = LocalGateway()
    await local.start()
    yield local
    await local.stop()


async def test_each_party_with_a_mobile_is_told_of_the_visit_once(
    db: Database, config: Config, gateway: LocalGateway
) -> None:
    async with db.write() as s:
        demo = await s.scalar(select(FollowUp).order_by(FollowUp.id).limit(1))
        assert demo is not None
        visit = FollowUp(
            case_id=demo.case_id,
            agreement_id=demo.agreement_id,
            agency_id=demo.agency_id,
            due_date=utcnow().astimezone(ZONE).date() + timedelta(days=5),
        )
        s.add(visit)
        await s.flush()
        case = await s.get(Case, visit.case_id)
        assert case is not None
        agency = await s.get(Agency, visit.agency_id)
        assert agency is not None and agency.phone
        parties = (await s.scalars(select(Party).where(Party.case_id == case.id))).all()
        with_mobiles = [p for p in parties if p.phone.startswith("1")]
        assert with_mobiles, "the demo's parties have mobile numbers"
        assert await visit_notices.tell_parties(s, case, [visit]) == len(with_mobiles)
        assert await visit_notices.tell_parties(s, case, [visit]) == 0  # told once
        gone = FollowUp(
            case_id=case.id, agreement_id=visit.agreement_id, agency_id=agency.id, due_date=date(2026, 1, 5)
        )
        assert await visit_notices.tell_parties(s, case, [gone]) == 0  # a past visit is not announced
        due, phone, name = visit.due_date, agency.phone, agency.name
    sent, expires = visit_notices.notice_times(due, ZONE)
    async with db.read() as s:
        rows = (
            await s.scalars(
                select(OutboundMessage).where(OutboundMessage.dedupe_key.startswith(f"followup:{visit.id}:"))
            )
        ).all()
    assert {(m.next_attempt_at, m.expires_at, m.template) for m in rows} == {
        (sent, expires, "party.followup_visit")
    }

    async with manual_worker(db, sms_config(config, gateway)) as worker:
        await worker.run_once(sent - timedelta(minutes=1))
        assert gateway.requests == []
        await worker.run_once(sent + timedelta(minutes=1))
    day = f"{due.year}年{due.month}月{due.day}日"
    text = f"您好，{name[:24]}将于{day}就调解协议的履行情况对您进行回访。如有疑问请致电{phone}。"
    assert sorted(gateway.texts()) == [text] * len(with_mobiles)
    assert sorted(r.json["to"] for r in gateway.accepted.values()) == sorted(p.phone for p in with_mobiles)
