"""调解笔录 as a legal record: face-to-face sessions, the 记录人, rights acknowledged, 回避, statements

Revision ID: v0002
Revises: v0001
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v0002"
down_revision: str | Sequence[str] | None = "v0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = (
    ("mode", 16, "video"),
    ("place", 200, ""),
    ("recorded_media", 8, ""),
    ("recusal", 16, ""),
    ("recusal_note", 500, ""),
)


def upgrade() -> None:
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        for name, length, default in _TEXT:
            # The server default fills the rows there are; the model gives new rows their values.
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default=default)
            )
        batch_op.add_column(sa.Column("recorder_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_mediation_sessions_recorder_id_users"), "users", ["recorder_id"], ["id"]
        )
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        for name, _length, _default in _TEXT:
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("mediation_participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rights_acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "mediation_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["mediation_participants.id"],
            name=op.f("fk_mediation_statements_participant_id_mediation_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mediation_sessions.id"],
            name=op.f("fk_mediation_statements_session_id_mediation_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_statements")),
    )
    with op.batch_alter_table("mediation_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_statements_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mediation_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_statements_session_id"))
    op.drop_table("mediation_statements")
    with op.batch_alter_table("mediation_participants", schema=None) as batch_op:
        batch_op.drop_column("rights_acknowledged_at")
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_mediation_sessions_recorder_id_users"), type_="foreignkey")
        batch_op.drop_column("recorder_id")
        for name, _length, _default in reversed(_TEXT):
            batch_op.drop_column(name)
