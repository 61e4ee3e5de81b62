"""audit chain linked after commit: links in their own append-only table, rows ordered by txid

The hashes move from ``audit_events`` (``prev_hash``, ``hash``) to ``audit_links``, written once
per row by the chainer (hub/audit_chain.py); ``audit_events.txid`` (the writing transaction's id on
PostgreSQL, 0 on SQLite and for the rows already there) gives the chain's order ``(txid, id)``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_TXID = "(pg_current_xact_id()::text::bigint)"
# SQLite drops a table's triggers with it, and batch mode rebuilds audit_events: both come back.
_SQLITE_EVENTS_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
_SQLITE_LINKS_TRIGGERS = [
    """CREATE TRIGGER audit_links_no_update BEFORE UPDATE ON audit_links
       BEGIN SELECT RAISE(ABORT, 'audit_links is append-only'); END""",
    """CREATE TRIGGER audit_links_no_delete BEFORE DELETE ON audit_links
       BEGIN SELECT RAISE(ABORT, 'audit_links is append-only'); END""",
]
_PG_LINKS_TRIGGERS = [
    """CREATE FUNCTION audit_links_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_links is append-only'; END $$""",
    """CREATE TRIGGER audit_links_append_only BEFORE UPDATE OR DELETE ON audit_links
       FOR EACH ROW EXECUTE FUNCTION audit_links_append_only()""",
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "audit_links",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_links")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_links_hash")),
    )
    op.execute(
        "INSERT INTO audit_links (event_id, prev_hash, hash) SELECT id, prev_hash, hash FROM audit_events"
    )
    txid = sa.Column("txid", sa.BigInteger(), nullable=False, server_default="0")
    if _postgresql():
        op.drop_constraint("uq_audit_events_hash", "audit_events", type_="unique")
        op.drop_column("audit_events", "prev_hash")
        op.drop_column("audit_events", "hash")
        op.add_column("audit_events", txid)  # 0 for the rows there: they come first, in id order
        op.alter_column("audit_events", "txid", server_default=sa.text(_PG_TXID))
        statements = _PG_LINKS_TRIGGERS
    else:
        with op.batch_alter_table("audit_events", recreate="always") as batch_op:
            batch_op.drop_constraint("uq_audit_events_hash", type_="unique")
            batch_op.drop_column("prev_hash")
            batch_op.drop_column("hash")
            batch_op.add_column(txid)
        statements = _SQLITE_EVENTS_TRIGGERS + _SQLITE_LINKS_TRIGGERS
    op.create_index("ix_audit_events_txid_id", "audit_events", ["txid", "id"], unique=False)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    unlinked = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM audit_events WHERE id NOT IN (SELECT event_id FROM audit_links)")
    )
    if unlinked:
        raise RuntimeError(f"{unlinked} audit rows are not linked yet: run `gongtiao audit link` first")
    op.drop_index("ix_audit_events_txid_id", table_name="audit_events")
    copy = """UPDATE audit_events SET
        prev_hash = (SELECT prev_hash FROM audit_links WHERE event_id = audit_events.id),
        hash = (SELECT hash FROM audit_links WHERE event_id = audit_events.id)"""
    if _postgresql():
        op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
        op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        op.execute(copy)
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        op.alter_column("audit_events", "prev_hash", nullable=False)
        op.alter_column("audit_events", "hash", nullable=False)
        op.create_unique_constraint("uq_audit_events_hash", "audit_events", ["hash"])
        op.drop_column("audit_events", "txid")
        op.execute("DROP TRIGGER IF EXISTS audit_links_append_only ON audit_links")
        op.execute("DROP FUNCTION IF EXISTS audit_links_append_only()")
    else:
        with op.batch_alter_table("audit_events", recreate="always") as batch_op:
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
            batch_op.drop_column("txid")
        op.execute(copy)  # the rebuilt table has no triggers yet
        with op.batch_alter_table("audit_events", recreate="always") as batch_op:
            batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
            batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
            batch_op.create_unique_constraint("uq_audit_events_hash", ["hash"])
        for statement in _SQLITE_EVENTS_TRIGGERS:
            op.execute(statement)
    op.drop_table("audit_links")
