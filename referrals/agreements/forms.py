"""The agreement builder's form, pure: the fields of a saved agreement, what was typed (to show it
again when refused) and the body for ``AgreementIn``. The term rows are plain repeated fields
(``TERM_FIELDS``), so the page works without script; ``static/js/agreements.js`` only adds and
removes rows. A payment's instalments are one text box per row, one instalment a line:
``2026-12-20 2000``. There is no effective-date field: the last party's confirmation sets it.
"""

from __future__ import annotations

from typing import Any

from hub.forms import Form
from hub.i18n import N_
from hub.routing import validate
from referrals.agreements.schemas import AgreementIn
from referrals.agreements.terms import Kind, Method
from referrals.models import Agreement

TERM_FIELDS = (
    "kind",
    "obligor",
    "obligee",
    "description",
    "amount",
    "due_date",
    "method",
    "place",
    "instalments",
)
# What makes a row a term; a row with none of these is the spare row.
CONTENT = ("description", "amount", "due_date", "place", "instalments")
TEXT_FIELDS = ("facts", "issues", "liabilities", "other_terms", "recorder")

KINDS = (
    (Kind.payment, N_("Payment")),
    (Kind.act, N_("An act")),
    (Kind.omission, N_("Not to do something")),
    (Kind.apology, N_("Apology")),
    (Kind.other, N_("Other (the sentence as written)")),
)
METHODS = (("", N_("(not stated)")), (Method.transfer, N_("Bank transfer")), (Method.cash, N_("Cash")))


def instalments_text(rows: list[dict[str, str]]) -> str:
    return "\n".join(f"{r['due']} {r['amount']}" for r in rows)


def parse_instalments(text: str) -> list[dict[str, str]]:
    """``2026-12-20 2000`` a line (a comma or 、 also separates); pydantic judges the values."""
    out = []
    for line in text.replace("\r", "").split("\n"):
        parts = line.replace(",", " ").replace("，", " ").replace("、", " ").split()
        if parts:
            out.append({"due": parts[0], "amount": parts[1] if len(parts) > 1 else ""})
    return out


def draft_of(agreement: Agreement | None) -> dict[str, Any]:
    """What the builder's fields hold: the saved agreement (or nothing yet)."""
    if agreement is None:
        return {**{name: "" for name in TEXT_FIELDS}, "copies": "", "terms": []}
    return {
        **{name: getattr(agreement, name) for name in TEXT_FIELDS},
        "copies": str(agreement.copies or ""),
        "terms": [
            {
                "kind": t.kind,
                "obligor": str(t.obligor_party_id),
                "obligee": str(t.obligee_party_id or ""),
                "description": t.description,
                "amount": "" if t.amount is None else str(t.amount),
                "due_date": t.due_date.isoformat() if t.due_date else "",
                "method": t.method,
                "place": t.place,
                "instalments": instalments_text(t.instalments or []),
            }
            for t in agreement.terms
        ],
    }


def draft_from_form(raw: Form) -> dict[str, Any]:
    columns = {name: raw.getall(name) for name in TERM_FIELDS}
    count = max((len(c) for c in columns.values()), default=0)
    rows = [
        {name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in TERM_FIELDS}
        for i in range(count)
    ]
    return {
        **{name: raw.raw(name) for name in TEXT_FIELDS},
        "copies": raw.text("copies"),
        # A row with nothing to say is a spare row, not a term.
        "terms": [r for r in rows if any(r[name] for name in CONTENT)],
    }


def body_of(draft: dict[str, Any]) -> AgreementIn:
    return validate(
        AgreementIn,
        {
            **{name: draft[name] for name in TEXT_FIELDS},
            "copies": draft["copies"] or None,
            "terms": [
                {
                    "kind": r.get("kind") or None,
                    "obligor_party_id": r["obligor"] or None,
                    "obligee_party_id": r["obligee"] or None,
                    "description": r["description"],
                    "amount": r["amount"] or None,
                    "due_date": r["due_date"] or None,
                    "method": r.get("method", ""),
                    "place": r.get("place", ""),
                    "instalments": parse_instalments(r.get("instalments", "")),
                }
                for r in draft["terms"]
            ],
        },
    )
