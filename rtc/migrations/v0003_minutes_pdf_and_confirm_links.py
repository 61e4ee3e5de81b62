"""调解笔录: the frozen minutes' PDF kept once rendered; a confirmation-only link per party

Revision ID: v0003
Revises: v0002
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v0003"
down_revision: str | Sequence[str] | None = "v0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Minutes frozen before this revision have no PDF kept: the first download renders and keeps it.
    with op.batch_alter_table("mediation_minutes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("mediation_minutes", schema=None) as batch_op:
        batch_op.alter_column("pdf_sha256", server_default=None)
    with op.batch_alter_table("mediation_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirm_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("confirm_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_mediation_participants_confirm_hash"), ["confirm_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("mediation_participants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_mediation_participants_confirm_hash"), type_="unique")
        batch_op.drop_column("confirm_expires_at")
        batch_op.drop_column("confirm_hash")
    with op.batch_alter_table("mediation_minutes", schema=None) as batch_op:
        batch_op.drop_column("pdf_sha256")
        batch_op.drop_column("pdf")
