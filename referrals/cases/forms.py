"""Reading the referral pages' HTML forms, pure: what was typed (to show it again), the body for
the pydantic models in ``referrals.schemas``, and the problems in words for the person at the form.

Forms arrive as ``{name: [values]}`` (``hub.forms.Form`` is one); party rows repeat the same field
names, so a row cloned by the "add party" button needs no renumbering.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.i18n import N_, gettext
from referrals.cases import party_forms
from referrals.cases.intake import CaseInput, ConsentInput
from referrals.cases.schemas import PARTY_PROBLEMS, CaseIn
from referrals.codes import Category, Flag
from referrals.states import State

Raw = Mapping[str, Sequence[str]]
SHOWN_PARTIES = 2
PAGE_SIZE = 25

FIELD_NAMES: dict[str, str] = {
    "incident_no": N_("Incident number"),
    "channel": N_("How it came in"),
    "category": N_("Category"),
    "summary": N_("What happened"),
    "area_id": N_("Area"),
    "address": N_("Address"),
    "amount": N_("Amount in dispute"),
    "parties": N_("Parties"),
    "flags": N_("Risk flags"),
    "consent": N_("Consent to mediation"),
    "consent.by": N_("Consent given by"),
    "consent.at": N_("Consent given at"),
    "consent.method": N_("How consent was given"),
}

PROBLEMS: dict[str, str] = {
    "missing": N_("Fill this in."),
    "string_too_short": N_("Fill this in."),
    "string_too_long": N_("Too long: at most %(max_length)s characters."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "int_parsing": N_("Choose one of the options."),
    "decimal_parsing": N_("Enter an amount such as 1500 or 1500.50."),
    "decimal_type": N_("Enter an amount such as 1500 or 1500.50."),
    "decimal_max_places": N_("At most two decimal places."),
    "greater_than_equal": N_("The amount cannot be negative."),
    "less_than_equal": N_("The amount is too large."),
    "too_short": N_("Name at least one party."),
    "too_long": N_("Too many entries."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "datetime_parsing": N_("Enter a date and time."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "date_parsing": N_("Enter a date."),
    "date_from_datetime_inexact": N_("Enter a date."),
    **PARTY_PROBLEMS,
}
PATTERNS: dict[str, str] = {
    "id_number": N_("Use digits and letters only."),
    "phone": N_("Use digits, spaces, + and - only."),
    "email": N_("Give an e-mail address such as name@example.cn."),
    "agent_phone": N_("Use digits, spaces, + and - only."),
}


def first(raw: Raw, key: str) -> str:
    values = raw.get(key) or [""]
    return str(values[0]).strip()


# --- intake ---------------------------------------------------------------------------------


def blank_intake(idempotency_key: str) -> dict[str, Any]:
    """An empty intake form: two party rows (applicant, respondent)."""
    return {
        **{k: "" for k in ("incident_no", "summary", "area_id", "address", "amount", "consent_by")},
        "channel": "call_110",
        "category": "",
        "flags": [],
        "consent_at": "",
        "consent_method": "",
        "idempotency_key": idempotency_key,
        "parties": [party_forms.blank("applicant"), party_forms.blank("respondent")],
    }


def intake_values(raw: Raw) -> dict[str, Any]:
    """What the person typed, as the form shows it again (at least two party rows)."""
    values: dict[str, Any] = {
        k: first(raw, k)
        for k in (
            "incident_no",
            "channel",
            "category",
            "summary",
            "area_id",
            "address",
            "amount",
            "consent_by",
            "consent_at",
            "consent_method",
            "idempotency_key",
        )
    }
    values["flags"] = [f for f in raw.get("flags", []) if f in Flag.__members__]
    parties = party_forms.rows(raw)
    while len(parties) < SHOWN_PARTIES:
        parties.append(party_forms.blank("applicant" if not parties else "respondent"))
    values["parties"] = parties
    return values


@dataclass
class Checked:
    body: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # form key (e.g. "parties.1.name") -> message
    rows: list[int] = field(default_factory=list)  # body's party index -> form row


def local_datetime(text: str, zone: ZoneInfo) -> datetime:
    """A datetime-local value ("2026-11-28T09:30") read in the hub's time zone."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


def case_body(values: Mapping[str, Any], zone: ZoneInfo) -> Checked:
    """The body for ``CaseIn``; empty party rows are left out, half-given consent is an error."""
    out = Checked()
    body: dict[str, Any] = {
        k: values[k] for k in ("incident_no", "channel", "category", "summary", "address") if values[k]
    }
    if values["area_id"]:
        body["area_id"] = values["area_id"]
    if values["amount"]:
        body["amount"] = values["amount"].replace(",", "").replace("，", "")
    body["flags"] = list(values["flags"])
    parties = []
    for row, p in enumerate(values["parties"]):
        if party_forms.is_blank(p):
            continue
        out.rows.append(row)
        parties.append(party_forms.body(p))
    body["parties"] = parties
    consent = {"by": values["consent_by"], "at": values["consent_at"], "method": values["consent_method"]}
    if any(consent.values()):
        for key, value in consent.items():
            if not value:
                out.errors[f"consent.{key}"] = gettext(PROBLEMS["missing"])
        if consent["at"]:
            try:
                consent["at"] = local_datetime(consent["at"], zone).isoformat()
            except ValueError:
                out.errors["consent.at"] = gettext(PROBLEMS["datetime_parsing"])
        body["consent"] = consent
    if values["idempotency_key"]:
        body["idempotency_key"] = values["idempotency_key"]
    out.body = body
    return out


def problem(error: Mapping[str, Any]) -> str:
    """One pydantic error in the reader's words."""
    kind = str(error.get("type", ""))
    loc = [str(p) for p in error.get("loc", ())]
    if kind == "string_pattern_mismatch" and loc and loc[-1] in PATTERNS:
        return gettext(PATTERNS[loc[-1]])
    if kind.startswith("enum") or kind == "literal_error":
        return gettext(PROBLEMS["enum"])
    msgid = PROBLEMS.get(kind, N_("This value is not valid."))
    text = gettext(msgid)
    return text % dict(error.get("ctx") or {}) if "%(" in text else text


def form_key(loc: Sequence[Any], rows: Sequence[int]) -> str:
    """A pydantic location as the form knows it: party indexes become form rows."""
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "parties" and parts[1].isdigit():
        index = int(parts[1])
        parts[1] = str(rows[index] if index < len(rows) else index)
        if len(parts) >= 3:
            parts[2:] = [party_forms.field_key(parts[2:])]
    return ".".join(parts)


def add_errors(checked: Checked, errors: Iterable[Mapping[str, Any]]) -> None:
    for error in errors:
        key = form_key(error.get("loc", ()), checked.rows)
        checked.errors.setdefault(key, problem(error))


def field_name(key: str) -> str:
    """A form key in words, e.g. "parties.1.name" -> "Party 2: Name"."""
    parts = key.split(".")
    if parts[0] == "parties" and len(parts) >= 3 and parts[1].isdigit():
        what = gettext(party_forms.FIELD_NAMES.get(parts[2], parts[2]))
        return gettext(N_("Party %(n)s: %(field)s")) % {"n": int(parts[1]) + 1, "field": what}
    if parts[0] == "consent" and len(parts) >= 2:
        return gettext(FIELD_NAMES.get(f"consent.{parts[1]}", key))
    return gettext(FIELD_NAMES.get(parts[0], key))


def case_input(body: CaseIn) -> CaseInput:
    """The validated form as the intake use case takes it (as the API does)."""
    return CaseInput(
        channel=body.channel,
        category=body.category,
        summary=body.summary,
        incident_no=body.incident_no,
        area_id=body.area_id,
        address=body.address,
        amount=body.amount,
        flags=frozenset(body.flags),
        parties=tuple(p.to_input() for p in body.parties),
        consent=ConsentInput(body.consent.by, body.consent.at, body.consent.method) if body.consent else None,
        idempotency_key=body.idempotency_key,
    )


# --- the case list --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    state: str = ""
    category: str = ""
    q: str = ""
    overdue: bool = False
    page: int = 1
    after: int | None = None  # the cursor of this page: the ids below it (else ``page`` by offset)

    def query(self, page: int | None = None, after: int | None = None) -> dict[str, str]:
        """The filters as URL query values (for links to other pages of the list)."""
        out = {"state": self.state, "category": self.category, "q": self.q}
        if self.overdue:
            out["overdue"] = "1"
        out["page"] = str(page if page is not None else self.page)
        if after is not None:
            out["after"] = str(after)
        return {k: v for k, v in out.items() if v}


def list_filters(raw: Raw) -> ListFilters:
    """Unknown values are ignored rather than refused: a list always answers."""
    state = first(raw, "state")
    category = first(raw, "category")
    page = first(raw, "page")
    after = first(raw, "after")
    return ListFilters(
        state=state if state in State.__members__ else "",
        category=category if category in Category.__members__ else "",
        q=first(raw, "q")[:100],
        overdue=first(raw, "overdue") in ("1", "on", "true"),
        page=max(1, min(int(page), 10_000)) if page.isdigit() else 1,
        after=int(after) if after.isdigit() and 0 < int(after) < 2**31 else None,
    )
