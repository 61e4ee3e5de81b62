"""referrals: pauses of a referral's mediation period (a medical appraisal's days not counted)

Revision ID: r0006
Revises: r0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0006"
down_revision: str | Sequence[str] | None = "r0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_pauses_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_referral_pauses_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_pauses")),
    )
    with op.batch_alter_table("referral_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_pauses_referral_id"), ["referral_id"], unique=False)


def downgrade() -> None:
    op.drop_table("referral_pauses")
