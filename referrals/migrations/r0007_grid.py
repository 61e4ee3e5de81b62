"""referrals: grid workers' grids and their reports (网格员上报)

Revision ID: r0007
Revises: r0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0007"
down_revision: str | Sequence[str] | None = "r0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grid_assignments",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_grid_assignments_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_grid_assignments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "area_id", name=op.f("pk_grid_assignments")),
    )
    with op.batch_alter_table("grid_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_assignments_area_id"), ["area_id"], unique=False)
    op.create_table(
        "grid_reports",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("accuracy_m", sa.Integer(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_grid_reports_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_grid_reports_grid_id_areas")),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_grid_reports_reported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_grid_reports")),
    )
    with op.batch_alter_table("grid_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_reports_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_reports_reported_at"), ["reported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_reports_reported_by_id"), ["reported_by_id"], unique=False)


def downgrade() -> None:
    op.drop_table("grid_reports")
    op.drop_table("grid_assignments")
