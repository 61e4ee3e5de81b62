"""What the referrals package hands the video rooms (``referrals.for_mediation``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.db import Database
from referrals import for_mediation
from referrals.models import Agreement, AgreementTerm

pytestmark = pytest.mark.pg


async def test_the_minutes_quote_the_terms_as_the_agreement_words_them(db: Database) -> None:
    async with db.read() as s:
        case_id = await s.scalar(
            select(Agreement.case_id)
            .join(AgreementTerm, AgreementTerm.agreement_id == Agreement.id)
            .where(AgreementTerm.due_date.isnot(None), AgreementTerm.amount.isnot(None))
            .order_by(Agreement.id)
            .limit(1)
        )
        assert case_id is not None, "the demo has an agreement with a payment by a day"
        summary = await for_mediation.agreement_summary(s, case_id)
    assert summary is not None and summary.terms
    payment = next(line for line in summary.terms if "人民币" in line)
    # A sentence of the 人民调解协议书 (于…前（含当日）向…支付…), not "name: description (amount)".
    assert "前（含当日）" in payment and "支付" in payment and ": " not in payment
