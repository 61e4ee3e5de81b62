"""meetings: the approved minutes' PDF kept once rendered

Revision ID: m0003
Revises: m0002
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m0003"
down_revision: str | Sequence[str] | None = "m0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Minutes approved before this revision have no PDF kept: the first download renders and keeps it.
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.alter_column("pdf_sha256", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("meeting_minutes", schema=None) as batch_op:
        batch_op.drop_column("pdf_sha256")
        batch_op.drop_column("pdf")
