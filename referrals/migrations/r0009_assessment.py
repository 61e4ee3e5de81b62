"""referrals: the assessment (incident counts, subsidy levels and case difficulties) and the
reporting calendar (settings, sensitive periods)

Revision ID: r0009
Revises: r0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0009"
down_revision: str | Sequence[str] | None = "r0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))


def upgrade() -> None:
    op.create_table(
        "reporting_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("daily_hour", sa.Integer(), nullable=False),
        sa.Column("weekly_weekday", sa.Integer(), nullable=True),
        sa.Column("weekly_hour", sa.Integer(), nullable=False),
        sa.Column("monthly_day", sa.Integer(), nullable=True),
        sa.Column("monthly_hour", sa.Integer(), nullable=False),
        sa.Column("special_hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _user("reporting_settings", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_settings")),
    )
    op.create_table(
        "sensitive_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("last", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user("sensitive_periods", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensitive_periods")),
    )
    with op.batch_alter_table("sensitive_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sensitive_periods_first"), ["first"], unique=False)
    op.create_table(
        "incident_counts",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_incident_counts_agency_id_agencies")
        ),
        _user("incident_counts", "updated_by_id"),
        sa.PrimaryKeyConstraint("agency_id", "month", name=op.f("pk_incident_counts")),
    )
    op.create_table(
        "subsidy_levels",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _user("subsidy_levels", "updated_by_id"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_subsidy_levels")),
    )
    op.create_table(
        "case_difficulties",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_difficulties_case_id_cases"), ondelete="CASCADE"
        ),
        _user("case_difficulties", "set_by_id"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_difficulties")),
    )


def downgrade() -> None:
    op.drop_table("case_difficulties")
    op.drop_table("subsidy_levels")
    op.drop_table("incident_counts")
    with op.batch_alter_table("sensitive_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensitive_periods_first"))
    op.drop_table("sensitive_periods")
    op.drop_table("reporting_settings")
