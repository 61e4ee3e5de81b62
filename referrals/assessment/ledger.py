"""The dispute ledger (矛盾纠纷排查调处台账), pure: one row per case in the column order bureaus
keep it (docs/ledger.md says where each column comes from and why it is there).

Rows in, table out; the loader (``service.ledger_cases``) fills ``LedgerCase`` from the database.
Every text is Chinese whatever the reader's language: the ledger is an official record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from referrals.stats.stats import AGREED

COLUMNS = (
    "序号",
    "登记日期",
    "案件编号",
    "警情号",
    "纠纷类型",
    "当事人",
    "纠纷简要情况",
    "纠纷发生地",
    "来源/移交单位",
    "受理单位",
    "受理日期",
    "调解员",
    "调解结果",
    "协议金额（元）",
    "是否司法确认",
    "回访情况",
    "结案日期",
    "备注",
)
ROLES = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
RESULTS = {
    "": "未移交",
    "sent": "待受理",
    "accepted": "已受理",
    "in_mediation": "调解中",
    "declined": "不予受理",
    "expired": "逾期未受理",
    "withdrawn": "已撤回",
    "referred_onward": "已转交",
    "failed": "调解不成功",
    **{state: "调解成功" for state in AGREED},  # settled by agreement, whatever the court did since
}
CONFIRMATION = {"confirmed": "是", "applied": "已申请", "refused": "不予确认", "": "否"}
VISIT_OUTCOMES = {"performed": "已履行", "partly": "部分履行", "not_performed": "未履行"}
FLAGS = {
    "group_dispute": "群体性纠纷",
    "violence_risk": "有民转刑风险",
    "minor_criminal": "涉轻微刑事",
    "vulnerable_party": "涉弱势群体",
}


@dataclass(frozen=True)
class LedgerCase:
    number: str
    created_at: datetime
    incident_no: str
    category_name: str
    parties: tuple[tuple[str, str], ...]  # (role, name)
    summary: str
    address: str
    source: str  # the agency that took it in (or referred it first)
    receiver: str = ""  # the body handling it (the latest referral's)
    accepted_at: datetime | None = None
    mediator: str = ""
    state: str = ""  # the latest referral's state, "" when never referred
    agreed_amount: Decimal | None = None
    confirmation: str = ""  # "", applied, confirmed, refused
    visits: tuple[tuple[datetime, str], ...] = ()  # (done at, outcome) of the visits done
    closed_at: datetime | None = None  # decided (resolved or failed) or closed
    flags: tuple[str, ...] = ()
    onward: int = 0  # how many times it was referred onward or sent again


def _day(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat() if moment is not None else ""


def parties_text(parties: Iterable[tuple[str, str]]) -> str:
    """申请人：王芳；被申请人：李雷、张三 (the roles in the order they first appear)."""
    by_role: dict[str, list[str]] = {}
    for role, name in parties:
        by_role.setdefault(role, []).append(name)
    return "；".join(f"{ROLES.get(role, role)}：{'、'.join(names)}" for role, names in by_role.items())


def visits_text(visits: Sequence[tuple[datetime, str]], resolved: bool) -> str:
    if not resolved:
        return ""
    if not visits:
        return "未回访"
    last = sorted(visits)[-1][1]
    found = VISIT_OUTCOMES.get(last, "")
    return f"已回访{len(visits)}次" + (f"，{found}" if found else "")


def row(index: int, case: LedgerCase, zone: ZoneInfo) -> list[str | int | float | None]:
    result = RESULTS.get(case.state, case.state)
    notes = [FLAGS[f] for f in case.flags if f in FLAGS]
    if case.onward:
        notes.append(f"移交{case.onward + 1}次")
    return [
        index,
        _day(case.created_at, zone),
        case.number,
        case.incident_no,
        case.category_name,
        parties_text(case.parties),
        case.summary,
        case.address,
        case.source,
        case.receiver,
        _day(case.accepted_at, zone),
        case.mediator,
        result,
        float(case.agreed_amount) if case.agreed_amount is not None else None,
        CONFIRMATION.get(case.confirmation, case.confirmation) if result == "调解成功" else "",
        visits_text(case.visits, result == "调解成功"),
        _day(case.closed_at, zone),
        "；".join(notes),
    ]


def table(
    cases: Iterable[LedgerCase], zone: ZoneInfo
) -> tuple[list[str], list[list[str | int | float | None]]]:
    """The ledger's header and rows, the cases in the order they were registered."""
    ordered = sorted(cases, key=lambda c: (c.created_at, c.number))
    return list(COLUMNS), [row(i, c, zone) for i, c in enumerate(ordered, start=1)]


def period_title(start: date, end: date) -> str:
    return f"矛盾纠纷排查调处台账（{start.isoformat()}至{end.isoformat()}）"
