"""The agreement builder's form, pure: the fields of a saved agreement, what was typed (to show it
again when refused) and the body for ``AgreementIn``. The term rows are plain repeated fields
(``obligor``, ``obligee``, ``description``, ``amount``, ``due_date``), so the page works without
script; ``static/js/agreements.js`` only adds and removes rows.
"""

from __future__ import annotations

from typing import Any

from hub.forms import Form
from hub.routing import validate
from referrals.agreements.schemas import AgreementIn
from referrals.models import Agreement

TERM_FIELDS = ("obligor", "obligee", "description", "amount", "due_date")


def draft_of(agreement: Agreement | None) -> dict[str, Any]:
    """What the builder's fields hold: the saved agreement (or nothing yet)."""
    if agreement is None:
        return {"facts": "", "other_terms": "", "effective_date": "", "terms": []}
    return {
        "facts": agreement.facts,
        "other_terms": agreement.other_terms,
        "effective_date": agreement.effective_date.isoformat() if agreement.effective_date else "",
        "terms": [
            {
                "obligor": str(t.obligor_party_id),
                "obligee": str(t.obligee_party_id or ""),
                "description": t.description,
                "amount": "" if t.amount is None else str(t.amount),
                "due_date": t.due_date.isoformat() if t.due_date else "",
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
        "facts": raw.raw("facts"),
        "other_terms": raw.raw("other_terms"),
        "effective_date": raw.text("effective_date"),
        # A row with nothing to say is a spare row, not a term.
        "terms": [r for r in rows if r["description"] or r["amount"] or r["due_date"]],
    }


def body_of(draft: dict[str, Any]) -> AgreementIn:
    return validate(
        AgreementIn,
        {
            "facts": draft["facts"],
            "other_terms": draft["other_terms"],
            "effective_date": draft["effective_date"] or None,
            "terms": [
                {
                    "obligor_party_id": r["obligor"] or None,
                    "obligee_party_id": r["obligee"] or None,
                    "description": r["description"],
                    "amount": r["amount"] or None,
                    "due_date": r["due_date"] or None,
                }
                for r in draft["terms"]
            ],
        },
    )
