"""referrals: cases, parties, evidence, referrals, rules, agreements, follow-ups, reports

Revision ID: r0001
Revises: (none; depends on the core's 0002)
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("referrals",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "deadline_policies",
        sa.Column("agency_kind", sa.String(length=32), nullable=False),
        sa.Column("accept_hours", sa.Integer(), nullable=False),
        sa.Column("mediation_days", sa.Integer(), nullable=False),
        sa.Column("mediation_max_days", sa.Integer(), nullable=False),
        sa.Column("confirmation_days", sa.Integer(), nullable=False),
        sa.Column("followup_days", sa.Integer(), nullable=False),
        sa.Column("soon_hours", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_kind", name=op.f("pk_deadline_policies")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("incident_no", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("group_dispute", sa.Boolean(), nullable=False),
        sa.Column("violence_risk", sa.Boolean(), nullable=False),
        sa.Column("minor_criminal", sa.Boolean(), nullable=False),
        sa.Column("vulnerable_party", sa.Boolean(), nullable=False),
        sa.Column("consent_by", sa.String(length=200), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_method", sa.String(length=24), nullable=False),
        sa.Column("created_agency_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_cases_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["created_agency_id"], ["agencies.id"], name=op.f("fk_cases_created_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_cases_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("created_agency_id", "idempotency_key", name=op.f("uq_cases_created_agency_id")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_created_agency_id"), ["created_agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_incident_no"), ["incident_no"], unique=False)
    op.create_table(
        "mediator_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("max_load", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mediator_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mediator_profiles")),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("area_ids", sa.JSON(), nullable=False),
        sa.Column("amount_min", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("amount_max", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("parties_min", sa.Integer(), nullable=True),
        sa.Column("parties_max", sa.Integer(), nullable=True),
        sa.Column("flags_all", sa.JSON(), nullable=False),
        sa.Column("target_kind", sa.String(length=24), nullable=False),
        sa.Column("target_agency_id", sa.Integer(), nullable=True),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_agency_id"], ["agencies.id"], name=op.f("fk_routing_rules_target_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_routing_rules_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
    )
    with op.batch_alter_table("routing_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_rules_priority"), ["priority"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("captured_by", sa.String(length=100), nullable=False),
        sa.Column("captured_place", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_agency_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_agency_id"], ["agencies.id"], name=op.f("fk_evidence_uploaded_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_evidence_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_parties_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_parties_name"), ["name"], unique=False)
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("override_reason", sa.String(length=500), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mediation_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.String(length=500), nullable=False),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_agency_id"], ["agencies.id"], name=op.f("fk_referrals_from_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(["mediator_id"], ["users.id"], name=op.f("fk_referrals_mediator_id_users")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["referrals.id"], name=op.f("fk_referrals_parent_id_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["routing_rules.id"], name=op.f("fk_referrals_rule_id_routing_rules")
        ),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], name=op.f("fk_referrals_sent_by_id_users")),
        sa.ForeignKeyConstraint(
            ["to_agency_id"], ["agencies.id"], name=op.f("fk_referrals_to_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_from_agency_id"), ["from_agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_mediator_id"), ["mediator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_to_agency_id"), ["to_agency_id"], unique=False)
        batch_op.create_index("ix_referrals_to_state", ["to_agency_id", "state"], unique=False)
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_reports_agency_id_agencies")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reports_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_reports_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_agency_period", ["agency_id", "period"], unique=False)
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("other_terms", sa.Text(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("court_agency_id", sa.Integer(), nullable=True),
        sa.Column("confirmation_applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("court_outcome", sa.String(length=16), nullable=False),
        sa.Column("court_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("court_reference", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_agreements_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["court_agency_id"], ["agencies.id"], name=op.f("fk_agreements_court_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_agreements_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_agreements_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreements_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_referral_id"), ["referral_id"], unique=False)
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=False),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_agency_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_agency_id"], ["agencies.id"], name=op.f("fk_referral_events_actor_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_referral_events_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_events_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_events")),
    )
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_events_referral_id"), ["referral_id"], unique=False)
    op.create_table(
        "agreement_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("obligor_party_id", sa.Integer(), nullable=False),
        sa.Column("obligee_party_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_terms_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["obligee_party_id"], ["parties.id"], name=op.f("fk_agreement_terms_obligee_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["obligor_party_id"], ["parties.id"], name=op.f("fk_agreement_terms_obligor_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_terms")),
    )
    with op.batch_alter_table("agreement_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_terms_agreement_id"), ["agreement_id"], unique=False)
    op.create_table(
        "party_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_party_confirmations_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_confirmations_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_party_confirmations_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_confirmations")),
        sa.UniqueConstraint("agreement_id", "party_id", name=op.f("uq_party_confirmations_agreement_id")),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=False),
        sa.Column("visited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_follow_ups_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_follow_ups_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_follow_ups_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["agreement_terms.id"], name=op.f("fk_follow_ups_term_id_agreement_terms")
        ),
        sa.ForeignKeyConstraint(
            ["visited_by_id"], ["users.id"], name=op.f("fk_follow_ups_visited_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_due_date"), ["due_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_due_date"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_case_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_agreement_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_agency_id"))
    op.drop_table("follow_ups")
    op.drop_table("party_confirmations")
    with op.batch_alter_table("agreement_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_terms_agreement_id"))
    op.drop_table("agreement_terms")
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_events_referral_id"))
    op.drop_table("referral_events")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreements_referral_id"))
        batch_op.drop_index(batch_op.f("ix_agreements_case_id"))
    op.drop_table("agreements")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_agency_period")
    op.drop_table("reports")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_to_state")
        batch_op.drop_index(batch_op.f("ix_referrals_to_agency_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_state"))
        batch_op.drop_index(batch_op.f("ix_referrals_sent_at"))
        batch_op.drop_index(batch_op.f("ix_referrals_mediator_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_from_agency_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_case_id"))
    op.drop_table("referrals")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_name"))
        batch_op.drop_index(batch_op.f("ix_parties_id_number"))
        batch_op.drop_index(batch_op.f("ix_parties_case_id"))
    op.drop_table("parties")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_case_id"))
    op.drop_table("evidence")
    with op.batch_alter_table("routing_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_rules_priority"))
    op.drop_table("routing_rules")
    op.drop_table("mediator_profiles")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_incident_no"))
        batch_op.drop_index(batch_op.f("ix_cases_created_at"))
        batch_op.drop_index(batch_op.f("ix_cases_created_agency_id"))
        batch_op.drop_index(batch_op.f("ix_cases_category"))
        batch_op.drop_index(batch_op.f("ix_cases_area_id"))
    op.drop_table("cases")
    op.drop_table("deadline_policies")
