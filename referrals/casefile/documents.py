"""The forms of a case file, filled in from its data in the layout of the justice ministry's
人民调解文书格式 (official text: Chinese whoever asks):

- 人民调解申请书 (``application``): the parties, the dispute, what is asked, the applicant's signature;
- 人民调解受理登记表 (``registration``): where the case came from, the parties, their consent, who
  registered it and when;
- 人民调解权利义务告知书 (``rights``): the rights and duties of People's Mediation Law arts. 23 and 24,
  and each party's acknowledgement (who, when, how, recorded by whom);
- 不予受理告知书 (``refusal``): a party refused mediation (art. 17), so it is not taken up;
- 终止人民调解告知书 (``termination``): the mediation failed or was withdrawn (art. 26);
- 人民调解回访记录 (``followups``): one page per visit made.

``applicable`` says which of them a case has; a form a case does not have is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import jinja2

from hub.documents import Document, render_template
from hub.plaintext import day_text
from referrals.casefile.context import ACKNOWLEDGED_BY, FileFacts, PartyLine
from referrals.errors import FormNotApplicable

BLANK_DATE = "　　　　年　　月　　日"
TITLES = {
    "application": "人民调解申请书",
    "registration": "人民调解受理登记表",
    "rights": "人民调解权利义务告知书",
    "refusal": "不予受理告知书",
    "termination": "终止人民调解告知书",
    "followups": "人民调解回访记录",
}
OUTCOMES = {"performed": "已履行", "partly": "部分履行", "not_performed": "未履行"}
CONSENT = {"given": "同意调解", "refused": "明确拒绝调解", "pending": "尚未表示"}
RETURNED = ("failed", "withdrawn")


def date_cn(day: date | None) -> str:
    return day_text(day) if day else BLANK_DATE


def refused(f: FileFacts) -> bool:
    return any(p.consent == "refused" for p in f.parties)


def terminated(f: FileFacts) -> bool:
    return f.accepted and f.referral is not None and f.referral.state in RETURNED


def applicable(f: FileFacts) -> list[str]:
    """The forms this case has, in the order of the file."""
    has = {
        "application": bool(f.parties),
        "registration": f.accepted,
        "rights": f.accepted,
        "refusal": refused(f),
        "termination": terminated(f),
        "followups": any(v.done_at for v in f.followups),
    }
    return [name for name in TITLES if has[name]]


# --- the forms' own facts --------------------------------------------------------------------------


def _application(f: FileFacts) -> dict[str, Any]:
    applicants = [p for p in f.parties if p.role == "applicant"] or f.parties[:1]
    given = [p.consent_at for p in applicants if p.consent_at] or [f.case.consent_at or f.case.created_at]
    return {"applied_on": date_cn(f.day(min(given)))}


def _consent(f: FileFacts, party: PartyLine) -> tuple[str, str]:
    """What a party said to mediation, and when: its own answer, or the case's consent that names it
    (cases taken in before consent was recorded per party)."""
    if party.consent != "pending":
        return CONSENT.get(party.consent, ""), date_cn(f.day(party.consent_at)) if party.consent_at else ""
    if f.case.consent_at is not None and party.name in f.case.consent_by:
        return CONSENT["given"], date_cn(f.day(f.case.consent_at))
    return CONSENT["pending"], ""


def _registration(f: FileFacts) -> dict[str, Any]:
    assert f.referral is not None
    consent = []
    for p in f.parties:
        text, at = _consent(f, p)
        consent.append({"party": p, "text": text, "at": at})
    return {"accepted_on": date_cn(f.day(f.referral.accepted_at)), "consent": consent}


def _rights(f: FileFacts) -> dict[str, Any]:
    rows = []
    for p in f.parties:
        ack = f.acknowledgements.get(p.id)
        rows.append(
            {
                "party": p,
                "method": ACKNOWLEDGED_BY.get(ack.method, ack.method) if ack else "",
                "at": local_minute(f, ack.acknowledged_at) if ack else "",
                "recorded_by": f.person(ack.recorded_by_id) if ack else "",
            }
        )
    assert f.referral is not None
    return {"rows": rows, "given_on": date_cn(f.day(f.referral.accepted_at))}


def _refusal(f: FileFacts) -> dict[str, Any]:
    refusing = [p for p in f.parties if p.consent == "refused"]
    others = [p for p in f.parties if p.consent != "refused"] or refusing
    when = max((p.consent_at for p in refusing if p.consent_at), default=None)
    return {
        "refusing": "、".join(p.name for p in refusing),
        "addressees": "、".join(p.name for p in others),
        "refused_on": date_cn(f.day(when)),
        "received_on": date_cn(f.day(f.referral.sent_at if f.referral else f.case.created_at)),
        "issued_on": date_cn(f.day(when)),
    }


def _termination(f: FileFacts) -> dict[str, Any]:
    assert f.referral is not None
    withdrawn = f.referral.state == "withdrawn"
    reason = f.ended_reason.rstrip("。；;，, ") or (
        "当事人撤回调解申请" if withdrawn else "各方未能达成调解协议"
    )
    return {
        "accepted_on": date_cn(f.day(f.referral.accepted_at)),
        "reason": reason,
        "withdrawn": withdrawn,
        "ended_on": date_cn(f.day(f.ended_at or f.referral.decided_at)),
    }


def _followups(f: FileFacts) -> dict[str, Any]:
    names = {p.id: p.name for p in f.parties}
    terms = {t.id: t for t in f.agreement.terms} if f.agreement else {}
    visits = []
    for v in f.followups:
        if v.done_at is None:
            continue
        term = terms.get(v.term_id or 0)
        visits.append(
            {
                "at": local_minute(f, v.done_at),
                "visitor": f.person(v.visited_by_id),
                "subject": f"{names.get(term.obligor_party_id, '')}：{term.description}"
                if term
                else "调解协议履行情况",
                "outcome": OUTCOMES.get(v.outcome, v.outcome),
                "notes": v.notes,
            }
        )
    effective = f.agreement.effective_date if f.agreement else None
    return {"visits": visits, "effective": date_cn(effective)}


def local_minute(f: FileFacts, at: Any) -> str:
    local = at.astimezone(f.zone)
    return f"{day_text(local.date())} {local:%H:%M}"


FACTS: dict[str, Callable[[FileFacts], dict[str, Any]]] = {
    "application": _application,
    "registration": _registration,
    "rights": _rights,
    "refusal": _refusal,
    "termination": _termination,
    "followups": _followups,
}


def form_document(env: jinja2.Environment, f: FileFacts, form: str) -> Document:
    """One form as a ``Document`` (render its PDF after the read transaction)."""
    if form not in TITLES or form not in applicable(f):
        raise FormNotApplicable(form=TITLES.get(form, form))
    html = render_template(
        env,
        f"referrals/casefile/{form}.html",
        f=f,
        title=TITLES[form],
        date_cn=date_cn,
        **FACTS[form](f),
    )
    number = f.case.number
    return Document(html, f"{TITLES[form]}-{number}.pdf", f"{form}-{number}.pdf")
