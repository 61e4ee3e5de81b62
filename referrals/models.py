"""Tables of the referrals package: cases and their parties and evidence, referrals and their moves,
routing rules, deadline policies, agreements and their terms, follow-ups, mediator profiles, reports.

Codes (categories, states, flags) are English strings checked by the pure modules and pydantic;
people read them through ``hub.labels``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.cache import directory_data
from hub.orm import Base, utcnow


class Case(Base):
    """A dispute taken in by a police station (or another agency)."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("created_agency_id", "idempotency_key"),
        Index("ix_cases_category_id", "category", "id"),
        Index("ix_cases_current_state_id", "current_state", "id"),
        Index("ix_cases_current_state_category_id", "current_state", "category", "id"),
        Index("ix_cases_current_due_id", "current_due", "id"),
        Index("ix_cases_current_receiver_id", "current_receiver_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    incident_no: Mapped[str] = mapped_column(String(64), default="", index=True)  # 警情号
    channel: Mapped[str] = mapped_column(String(24))  # how it came in
    category: Mapped[str] = mapped_column(String(32))  # indexed with id (ix_cases_category_id)
    summary: Mapped[str] = mapped_column(Text)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    group_dispute: Mapped[bool] = mapped_column(default=False)
    violence_risk: Mapped[bool] = mapped_column(default=False)
    minor_criminal: Mapped[bool] = mapped_column(default=False)
    vulnerable_party: Mapped[bool] = mapped_column(default=False)
    # Consent to mediation (no referral without it): who, when, how.
    consent_by: Mapped[str] = mapped_column(String(200), default="")
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    consent_method: Mapped[str] = mapped_column(String(24), default="")
    created_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    # The current referral (the case's latest), copied here in each move's transaction
    # (``referrals.case_index``) so that lists filter and page on the case alone.
    current_referral_id: Mapped[int | None] = mapped_column(default=None)
    current_state: Mapped[str | None] = mapped_column(String(24), default=None)
    current_receiver_id: Mapped[int | None] = mapped_column(default=None)
    current_due: Mapped[datetime | None] = mapped_column(default=None)  # views.current_due

    parties: Mapped[list[Party]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Party.id", back_populates="case"
    )

    @property
    def flags(self) -> list[str]:
        return [
            f
            for f in ("group_dispute", "violence_risk", "minor_criminal", "vulnerable_party")
            if getattr(self, f)
        ]

    @property
    def party_count(self) -> int:
        return len(self.parties)


class CaseAgency(Base):
    """An agency that may see a case (``referrals.visibility``' rule, kept as rows): the one that
    took it in, both ends of each of its referrals, and the courts its applications went to."""

    __tablename__ = "case_agencies"
    __table_args__ = (Index("ix_case_agencies_case_id", "case_id"),)

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)


class CaseGram(Base):
    """The one- and two-character pieces of a case's number, 警情号 and party names, for searching
    them by any part (a surname alone, a given name of two characters), and the four-digit pieces
    of their runs of digits (a number's tail: pairs of digits are in too many cases)."""

    __tablename__ = "case_grams"
    __table_args__ = (Index("ix_case_grams_case_id", "case_id"),)

    gram: Mapped[str] = mapped_column(String(4), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)


class Party(Base):
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # applicant, respondent, third_party
    name: Mapped[str] = mapped_column(String(100), index=True)
    id_number: Mapped[str] = mapped_column(String(32), default="", index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")  # for invitations by e-mail
    address: Mapped[str] = mapped_column(String(200), default="")  # 住址, or 住所地 of an organisation
    # What a mediation paper and a court need of a party (codes in referrals.codes):
    kind: Mapped[str] = mapped_column(String(16), default="person")  # person | organisation
    id_type: Mapped[str] = mapped_column(String(24), default="resident_id")  # credit_code for organisations
    sex: Mapped[str] = mapped_column(String(8), default="")  # male | female
    ethnicity: Mapped[str] = mapped_column(String(16), default="")  # 民族, e.g. 汉族
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    occupation: Mapped[str] = mapped_column(String(100), default="")  # 职业或工作单位
    # An organisation acts through its 法定代表人 (legal representative) or 负责人 (person in charge).
    representative_role: Mapped[str] = mapped_column(String(24), default="")
    representative_name: Mapped[str] = mapped_column(String(100), default="")
    representative_title: Mapped[str] = mapped_column(String(50), default="")  # 职务
    # Consent to mediation, each party its own (People's Mediation Law art. 17: any one may refuse).
    consent: Mapped[str] = mapped_column(String(16), default="pending")  # pending | given | refused
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    consent_method: Mapped[str] = mapped_column(String(16), default="")  # in_person, phone, written, online
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    case: Mapped[Case] = relationship(back_populates="parties")
    agents: Mapped[list[PartyAgent]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="PartyAgent.id", lazy="selectin"
    )


class PartyAgent(Base):
    """A 委托代理人: who acts for a party, on what footing, with which authority."""

    __tablename__ = "party_agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # A relative or colleague (关系) or a lawyer (律师事务所).
    relation: Mapped[str] = mapped_column(String(100), default="")
    law_firm: Mapped[str] = mapped_column(String(100), default="")
    authority: Mapped[str] = mapped_column(String(16), default="general")  # general | special
    scope: Mapped[str] = mapped_column(String(500), default="")  # 代理权限, e.g. 代为承认、放弃、变更调解请求

    party: Mapped[Party] = relationship(back_populates="agents")


class RightsAcknowledgement(Base):
    """A party acknowledged the 人民调解权利义务告知书 (People's Mediation Law arts. 23, 24): who,
    when, how (signed, read out, online), recorded by whom. One row per party and case file."""

    __tablename__ = "rights_acknowledgements"
    __table_args__ = (UniqueConstraint("party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    acknowledged_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(16))  # signed, read_aloud, online
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """A file captured at the scene (现场取证), stored content-addressed under the data dir."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))  # photo, audio, video, document
    original_name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    captured_at: Mapped[datetime | None] = mapped_column(default=None)
    captured_by: Mapped[str] = mapped_column(String(100), default="")
    captured_place: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """One hop of a case from one agency to another; onward referrals chain through ``parent_id``."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_to_state", "to_agency_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    state: Mapped[str] = mapped_column(String(24), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("routing_rules.id"))
    # Why this target: the rule and the conditions that matched, as the liaison saw it.
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    accept_due: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    mediation_due: Mapped[datetime | None] = mapped_column(default=None)
    extension_reason: Mapped[str] = mapped_column(String(500), default="")
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)  # resolved or failed
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the sweep's window
    last_reason: Mapped[str] = mapped_column(String(500), default="")


class ReferralEvent(Base):
    """Every move of a referral: old and new state, who, when, why (the 'Flip' of healthchecks)."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(24), default="")
    to_state: Mapped[str] = mapped_column(String(24))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the sweep's window
    reason: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReferralPause(Base):
    """Days not counted in a referral's mediation period (both included), e.g. a medical
    appraisal (医疗损害鉴定): who recorded them, when, why."""

    __tablename__ = "referral_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


@directory_data
class RoutingRule(Base):
    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    priority: Mapped[int] = mapped_column(default=100, index=True)  # lower is tried first
    active: Mapped[bool] = mapped_column(default=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any
    area_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # an area matches its sub-areas too
    amount_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    amount_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    parties_min: Mapped[int | None] = mapped_column(default=None)
    parties_max: Mapped[int | None] = mapped_column(default=None)
    flags_all: Mapped[list[str]] = mapped_column(JSON, default=list)  # every listed flag must be set
    target_kind: Mapped[str] = mapped_column(String(24))  # "agency" or "stationed_room_of_sender"
    target_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    is_fallback: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


@directory_data
class DeadlinePolicy(Base):
    """Deadlines for one kind of receiving agency; kinds without a row use the defaults."""

    __tablename__ = "deadline_policies"

    agency_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    accept_hours: Mapped[int] = mapped_column(default=24)
    mediation_days: Mapped[int] = mapped_column(default=30)
    mediation_max_days: Mapped[int] = mapped_column(default=60)
    confirmation_days: Mapped[int] = mapped_column(default=30)
    followup_days: Mapped[int] = mapped_column(default=3)
    soon_hours: Mapped[int] = mapped_column(default=24)


class MediatorProfile(Base):
    """What a mediator is good at, for proposing who should take a case."""

    __tablename__ = "mediator_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_load: Mapped[int] = mapped_column(default=15)


class Agreement(Base):
    """The mediation agreement (调解协议书) and its judicial confirmation (司法确认)."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    facts: Mapped[str] = mapped_column(Text, default="")
    other_terms: Mapped[str] = mapped_column(Text, default="")
    effective_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    court_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    confirmation_applied_at: Mapped[datetime | None] = mapped_column(default=None)
    court_outcome: Mapped[str] = mapped_column(String(16), default="")  # confirmed, refused
    court_decided_at: Mapped[datetime | None] = mapped_column(default=None)
    court_reference: Mapped[str] = mapped_column(String(80), default="")
    # Replaced by a new or changed agreement after the court refused it (kept on file).
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
    # 人民调解法 art. 29: the matters in dispute and each party's responsibility, beside the facts.
    issues: Mapped[str] = mapped_column(Text, default="")  # 争议事项
    liabilities: Mapped[str] = mapped_column(Text, default="")  # 各方当事人的责任
    copies: Mapped[int | None] = mapped_column(default=None)  # 一式N份; parties + 1 when not given
    recorder: Mapped[str] = mapped_column(String(100), default="")  # 记录人
    # The committee that issued it and its number (〔2026〕青调字第12号), given once at the first save
    # and kept (``referrals.agreements.numbering``).
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_committees.id"), default=None)
    document_number: Mapped[str] = mapped_column(String(64), default="")

    terms: Mapped[list[AgreementTerm]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgreementTerm.position"
    )
    confirmations: Mapped[list[PartyConfirmation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PartyConfirmation.id"
    )


class AgreementTerm(Base):
    __tablename__ = "agreement_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    obligor_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    obligee_party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    description: Mapped[str] = mapped_column(String(500))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    # How it is performed (履行方式; codes in referrals.agreements.terms): the kind of obligation,
    # the manner of a payment, the place, and a payment's instalments [{"due": ISO date, "amount": "yuan"}].
    kind: Mapped[str] = mapped_column(String(16), default="act")  # payment, act, omission, apology, other
    method: Mapped[str] = mapped_column(String(16), default="")  # transfer, cash, or ""
    place: Mapped[str] = mapped_column(String(200), default="")
    instalments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class PartyConfirmation(Base):
    """A party confirmed the agreement (online or in person): who, when, how, recorded by whom."""

    __tablename__ = "party_confirmations"
    __table_args__ = (UniqueConstraint("agreement_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[str] = mapped_column(String(16))  # online, in_person
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CourtApplication(Base):
    """An application for judicial confirmation (司法确认申请) as the court handles it: received,
    accepted with the court's case number (案号), a correction asked for and supplied (补正), the
    decision clock and its approved extension, the ruling (裁定书) or the reason for refusing."""

    __tablename__ = "court_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), unique=True, index=True
    )
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    court_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    applied_at: Mapped[datetime]
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    court_case_number: Mapped[str] = mapped_column(String(80), default="")  # 案号
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    correction_note: Mapped[str] = mapped_column(String(1000), default="")  # what is missing
    correction_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    correction_reply: Mapped[str] = mapped_column(String(1000), default="")  # what the room supplied
    corrected_at: Mapped[datetime | None] = mapped_column(default=None)
    # The president's approval of 10 more days: who approved, when, why.
    extension_approved_by: Mapped[str] = mapped_column(String(100), default="")
    extension_approved_at: Mapped[datetime | None] = mapped_column(default=None)
    extension_reason: Mapped[str] = mapped_column(String(500), default="")
    decision_due: Mapped[date | None] = mapped_column(Date, default=None, index=True)
    decision_warned_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="")  # confirmed, refused
    ruling_number: Mapped[str] = mapped_column(String(80), default="")  # 裁定书 number
    ruling_date: Mapped[date | None] = mapped_column(Date, default=None)
    refusal_reason: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MediationCommittee(Base):
    """A people's mediation committee (人民调解委员会): the 调解组织 a court checks, and the only body
    with a seal. Stationed rooms, village committees, specialised bodies and judicial offices mediate
    as a committee's workplace (``CommitteeAgency``); the papers name the committee."""

    __tablename__ = "mediation_committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)  # 青川区东湖街道人民调解委员会
    seal_text: Mapped[str] = mapped_column(String(120), default="")  # what the seal reads; the name if empty
    # The basic court of its district, where its agreements go for judicial confirmation.
    court_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), default=None)
    number_prefix: Mapped[str] = mapped_column(String(32), default="")  # 青调字
    number_format: Mapped[str] = mapped_column(String(64), default="〔{year}〕{prefix}第{seq}号")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeAgency(Base):
    """Which committee an agency mediates for (one each; an agency without a row names itself)."""

    __tablename__ = "committee_agencies"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_committees.id", ondelete="CASCADE"), index=True
    )


class DocumentCounter(Base):
    """The last number a committee gave in one series of documents in one year."""

    __tablename__ = "document_counters"

    committee_id: Mapped[int] = mapped_column(
        ForeignKey("mediation_committees.id", ondelete="CASCADE"), primary_key=True
    )
    series: Mapped[str] = mapped_column(String(24), primary_key=True)  # "agreement"
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class FollowUp(Base):
    """A follow-up visit (回访) on an agreement's performance."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    term_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_terms.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(16), default="")  # performed, partly, not_performed
    notes: Mapped[str] = mapped_column(String(1000), default="")
    visited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Report(Base):
    """A periodic, zero, special or direct report from an agency."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_agency_period", "agency_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(16))  # periodic, zero, special, direct
    period: Mapped[date] = mapped_column(Date)  # the day (or period start) reported on
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class GridAssignment(Base):
    """The grid cells (网格) a grid worker screens: the areas whose reports they see and follow."""

    __tablename__ = "grid_assignments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True, index=True)


class GridReport(Base):
    """What a grid worker reported from the grid (网格员上报): a dispute or a hidden risk (隐患),
    how urgent, and where (the grid, and the phone's position if the person allowed it). The case
    it became holds the summary, the parties, the address and the photos."""

    __tablename__ = "grid_reports"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # dispute, hidden_risk (codes.GridKind)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")  # normal, urgent
    grid_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6), default=None)
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6), default=None)
    accuracy_m: Mapped[int | None] = mapped_column(default=None)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ReportingSettings(Base):
    """The district's reporting calendar (one row, id 1): the daily report's hour on working days,
    the weekly and monthly cycles where the bureau has set them, and the 专报 time limit."""

    __tablename__ = "reporting_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    daily_hour: Mapped[int] = mapped_column(default=18)
    weekly_weekday: Mapped[int | None] = mapped_column(default=None)  # 0 Monday ... 6 Sunday; None: off
    weekly_hour: Mapped[int] = mapped_column(default=17)
    monthly_day: Mapped[int | None] = mapped_column(default=None)  # the day of the next month; None: off
    monthly_hour: Mapped[int] = mapped_column(default=17)
    special_hours: Mapped[int] = mapped_column(default=2)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SensitivePeriod(Base):
    """Dates the bureau marked sensitive (敏感时期): the daily report is due every day, weekends and
    holidays included, at an earlier hour."""

    __tablename__ = "sensitive_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    first: Mapped[date] = mapped_column(Date, index=True)
    last: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(default=12)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentCount(Base):
    """A police station's incidents (警情数) in one month, entered or imported: what the referral
    rate of the assessment (考核) is measured against."""

    __tablename__ = "incident_counts"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SubsidyLevel(Base):
    """A difficulty level of the per-case subsidy (以案定补) and its amount per settled case."""

    __tablename__ = "subsidy_levels"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)  # simple, ordinary, hard, major
    name: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CaseDifficulty(Base):
    """The difficulty a person set for a settled case, replacing the rule's (``assessment.subsidy``)."""

    __tablename__ = "case_difficulties"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
