"""referrals: the court's queue (applications for judicial confirmation as the court handles them)
and agreements superseded after a refusal

Revision ID: r0004
Revises: r0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0004"
down_revision: str | Sequence[str] | None = "r0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "court_applications"


def _fk(column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{_TABLE}_{column}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    when = sa.DateTime(timezone=True)
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("court_agency_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", when, nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("court_case_number", sa.String(length=80), nullable=False),
        sa.Column("accepted_at", when, nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("correction_note", sa.String(length=1000), nullable=False),
        sa.Column("correction_requested_at", when, nullable=True),
        sa.Column("correction_reply", sa.String(length=1000), nullable=False),
        sa.Column("corrected_at", when, nullable=True),
        sa.Column("extension_approved_by", sa.String(length=100), nullable=False),
        sa.Column("extension_approved_at", when, nullable=True),
        sa.Column("extension_reason", sa.String(length=500), nullable=False),
        sa.Column("decision_due", sa.Date(), nullable=True),
        sa.Column("decision_warned_at", when, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ruling_number", sa.String(length=80), nullable=False),
        sa.Column("ruling_date", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=500), nullable=False),
        sa.Column("decided_at", when, nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _fk("case_id", "cases.id", "CASCADE"),
        _fk("agreement_id", "agreements.id", "CASCADE"),
        _fk("referral_id", "referrals.id"),
        _fk("court_agency_id", "agencies.id"),
        _fk("applied_by_id", "users.id"),
        _fk("accepted_by_id", "users.id"),
        _fk("decided_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{_TABLE}")),
    )
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{_TABLE}_agreement_id"), ["agreement_id"], unique=True)
        for column in ("case_id", "referral_id", "court_agency_id", "decision_due"):
            batch_op.create_index(batch_op.f(f"ix_{_TABLE}_{column}"), [column], unique=False)
    # Applications recorded before the court had a queue: waiting ones come to the court's queue
    # (it accepts them), decided ones keep what the room recorded.
    op.execute(
        sa.text(
            f"INSERT INTO {_TABLE} (case_id, agreement_id, referral_id, court_agency_id, applied_at, "
            "court_case_number, correction_note, correction_reply, extension_approved_by, extension_reason, "
            "outcome, ruling_number, refusal_reason, decided_at) "
            "SELECT case_id, id, referral_id, court_agency_id, confirmation_applied_at, "
            "court_reference, '', '', '', '', court_outcome, "
            "CASE WHEN court_outcome = 'confirmed' THEN court_reference ELSE '' END, '', court_decided_at "
            "FROM agreements WHERE confirmation_applied_at IS NOT NULL AND court_agency_id IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("superseded_at")
