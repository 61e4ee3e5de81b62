"""视频调解: the scheduling form's one-time key, so that sending the form again makes no second session

Revision ID: v0004
Revises: v0003
Create Date: 2026-12-06 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v0004"
down_revision: str | Sequence[str] | None = "v0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Sessions scheduled before this revision have no key: nothing can be a resubmission of them.
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_mediation_sessions_created_by_id"), ["created_by_id", "submission_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_mediation_sessions_created_by_id"), type_="unique")
        batch_op.drop_column("submission_key")
