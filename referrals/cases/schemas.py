"""JSON shapes of the cases API: a case and its parties in and out, the list, the route proposal,
sending, the batch. A referral's own shapes are in ``referrals.cases.referral_schemas``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from hub.i18n import N_
from hub.schemas import Input, Output
from referrals.cases import idcodes
from referrals.cases.intake import AgentInput, CaseInput, ConsentInput, PartyInput
from referrals.codes import Category, Channel, ConsentMethod, Flag, PartyConsentMethod, PartyRole

IdType = Literal["resident_id", "passport", "foreign_permanent_id", "hmt_permit", "credit_code", "other"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[0-9+\- ]*$")]
# One @, a dot in the domain, ASCII only (as ``hub.outbound.contact.is_email``), or nothing.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=200,
        pattern=r"^$|^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
    ),
]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[0-9A-Za-z]*$")]


class AgentIn(Input):
    """A 委托代理人: a relative or colleague (``relation``) or a lawyer (``law_firm``)."""

    name: Name
    id_number: IdNumber = ""
    phone: Phone = ""
    relation: Short = ""
    law_firm: Short = ""
    authority: Literal["general", "special"] = "general"
    scope: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = Field(
        default="", description="代理权限, e.g. 代为承认、放弃、变更调解请求，代签调解协议"
    )


class PartyIn(Input):
    """A party as a mediation paper and a court need it. A person: name, sex, ethnicity, date of
    birth, identity number (checked by its GB 11643 check digit; sex and date of birth are read
    from it when not given), address, phone, occupation or employer. An organisation: name, unified
    social credit code (checked by its GB 32100 check character), domicile, and its legal
    representative or person in charge with their title."""

    role: PartyRole
    name: Name
    kind: Literal["person", "organisation"] = "person"
    id_type: IdType | None = Field(default=None, description="default: resident_id, or credit_code")
    id_number: IdNumber = ""
    phone: Phone = ""
    email: Email = Field(default="", description="For invitations by e-mail (optional)")
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    sex: Literal["male", "female", ""] = ""
    ethnicity: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""
    birth_date: date | None = None
    occupation: Short = ""
    representative_role: Literal["legal_representative", "principal", ""] = ""
    representative_name: Short = ""
    representative_title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    agents: list[AgentIn] = Field(default_factory=list, max_length=5)
    consent: Literal["pending", "given", "refused"] = Field(
        default="pending", description="This party's own consent to mediation (人民调解法 art. 17)"
    )
    consent_at: datetime | None = None
    consent_method: PartyConsentMethod | ConsentMethod | None = Field(
        default=None, description="in_person, phone, written or online (the case-wide ways are taken too)"
    )

    @model_validator(mode="after")
    def _as_the_law_needs(self) -> PartyIn:
        """Every problem at once, each at its field, each a code with an English msgid that the
        API and the forms show in the reader's language (``PARTY_PROBLEMS``)."""
        problems: list[tuple[str, str]] = []
        if self.id_type is None:
            self.id_type = "credit_code" if self.kind == "organisation" else "resident_id"
        if self.kind == "organisation":
            problems += [
                (f, "party_not_a_person") for f in ("sex", "ethnicity", "birth_date") if getattr(self, f)
            ]
            if self.id_type != "credit_code":
                problems.append(("id_type", "party_credit_code_only"))
        else:
            if self.id_type == "credit_code":
                problems.append(("id_type", "party_not_an_organisation"))
            if self.representative_name:
                problems.append(("representative_name", "party_not_an_organisation"))
        if self.id_number:
            self.id_number = idcodes.normalise(self.id_number)
            problem = None
            if self.id_type == "resident_id":
                problem = idcodes.identity_problem(self.id_number)
            elif self.id_type == "credit_code":
                problem = idcodes.credit_code_problem(self.id_number)
            if problem is not None:
                problems.append(("id_number", f"id_{problem}"))
            elif self.id_type == "resident_id":
                sex, born = idcodes.read_identity(self.id_number)
                if not self.sex:
                    self.sex = "male" if sex == "male" else "female"
                self.birth_date = self.birth_date or born
        if self.consent_at is not None and self.consent_at.tzinfo is None:
            problems.append(("consent_at", "aware_datetime"))
        if self.consent != "pending" and (self.consent_at is None or self.consent_method is None):
            problems.append(
                ("consent_at" if self.consent_at is None else "consent_method", "consent_incomplete")
            )
        if problems:
            raise refused(self, problems)
        return self

    def to_input(self) -> PartyInput:
        return PartyInput(
            self.role,
            self.name,
            self.id_number,
            self.phone,
            self.address,
            kind=self.kind,
            id_type=self.id_type or "resident_id",
            sex=self.sex,
            ethnicity=self.ethnicity,
            birth_date=self.birth_date,
            occupation=self.occupation,
            representative_role=self.representative_role,
            representative_name=self.representative_name,
            representative_title=self.representative_title,
            agents=tuple(AgentInput(**a.model_dump()) for a in self.agents),
            email=self.email,
            consent=self.consent,
            consent_at=self.consent_at,
            consent_method=self.consent_method.value if self.consent_method else "",
        )


# Why a party cannot be taken in: error codes and their English msgids (translated by the API's
# error envelope and by the forms, through ``hub.i18n``).
PARTY_PROBLEMS: dict[str, str] = {
    "party_not_a_person": N_("An organisation has no sex, ethnicity or date of birth."),
    "party_credit_code_only": N_("An organisation is identified by its unified social credit code."),
    "party_not_an_organisation": N_(
        "Only an organisation has a credit code or a representative: choose “organisation”."
    ),
    "id_length": N_("Wrong length: the number has 18 characters."),
    "id_characters": N_("The number has characters that cannot be in it."),
    "id_birth_date": N_("There is no such date of birth in this number."),
    "id_check_digit": N_("The check character does not match: a character is mistyped."),
    "aware_datetime": N_("Give the time with its zone, e.g. 2026-11-28T09:30:00+08:00."),
    "consent_incomplete": N_("A given or refused consent needs the time and the way it was taken."),
}


def refused(model: BaseModel, problems: list[tuple[str, str]]) -> ValidationError:
    """One ``ValidationError`` naming each field with its problem's code (``PARTY_PROBLEMS``)."""
    return ValidationError.from_exception_data(
        type(model).__name__,
        [
            InitErrorDetails(
                type=PydanticCustomError(code, PARTY_PROBLEMS[code]),
                loc=(name,),
                input=getattr(model, name),
            )
            for name, code in problems
        ],
    )


class ConsentIn(Input):
    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Who consented, e.g. both parties' names"
    )
    at: datetime
    method: ConsentMethod

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-11-28T09:30:00+08:00")
        return value


class CaseIn(Input):
    incident_no: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    channel: Channel
    category: Category
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    area_id: int | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    amount: Annotated[Decimal, Field(ge=0, le=Decimal("1e11"), decimal_places=2)] | None = None
    parties: list[PartyIn] = Field(min_length=1, max_length=200)
    flags: list[Flag] = Field(default_factory=list, max_length=4)
    consent: ConsentIn | None = None
    idempotency_key: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=80)] | None
    ) = None
    refer: bool = Field(
        default=False,
        description="Refer it in the same transaction: to the proposed body, or to target_agency_id "
        "with an override_reason. If it cannot be referred, nothing is taken in.",
    )
    target_agency_id: int | None = None
    override_reason: Text = ""

    def to_input(self, idempotency_key: str | None = None) -> CaseInput:
        """The case to take in; ``idempotency_key`` when the body names none (the header's)."""
        consent = self.consent
        return CaseInput(
            channel=self.channel,
            category=self.category,
            summary=self.summary,
            incident_no=self.incident_no,
            area_id=self.area_id,
            address=self.address,
            amount=self.amount,
            flags=frozenset(self.flags),
            parties=tuple(p.to_input() for p in self.parties),
            consent=ConsentInput(consent.by, consent.at, consent.method) if consent else None,
            idempotency_key=self.idempotency_key or idempotency_key,
        )


class AgentOut(Output):
    name: str
    relation: str
    law_firm: str
    authority: str
    scope: str


class PartyOut(Output):
    id: int
    role: str
    name: str
    kind: str = "person"
    id_type: str = "resident_id"
    id_number: str
    phone: str
    email: str = ""
    address: str
    sex: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    occupation: str = ""
    representative_role: str = ""
    representative_name: str = ""
    representative_title: str = ""
    agents: list[AgentOut] = Field(default_factory=list)
    consent: str = "pending"
    consent_at: datetime | None = None
    consent_method: str = ""


class CaseOut(Output):
    id: int
    number: str
    incident_no: str
    channel: str
    category: str
    summary: str
    area_id: int | None
    address: str
    amount: Decimal | None
    flags: list[str]
    consent_by: str
    consent_at: datetime | None
    consent_method: str
    created_agency_id: int
    created_at: datetime
    parties: list[PartyOut]
    state: str | None = None
    referral_id: int | None = None


class CaseQuery(Input):
    state: str | None = None
    category: Category | None = None
    q: Annotated[str, StringConstraints(max_length=100)] | None = None
    area_id: int | None = None
    agency_id: int | None = None
    overdue: bool | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, description="Rows to skip; prefer ``after``")
    after: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The next page's cursor: ``next_after`` of the page before",
    )


class CaseListOut(Output):
    items: list[CaseOut]
    total: int = Field(description="Cases found, counted up to 1001; see total_capped")
    total_capped: bool = Field(description="More than 1000 found: total says only that")
    next_after: int | None = Field(description="Pass as ``after`` for the next page; none on the last")


class ConditionOut(Output):
    name: str
    expected: Any
    actual: Any


class ProposalOut(Output):
    target_agency_id: int
    target_agency_name: str
    rule_id: int
    rule_name: str
    fallback: bool
    conditions: list[ConditionOut]


class SendIn(Input):
    target_agency_id: int | None = None
    override_reason: Text = ""


class BatchIn(Input):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=500,
        description="Cases as POST /api/v1/cases takes them, each with its incident_no (警情号); "
        "refer defaults to true here. Each item is checked on its own.",
    )


class ItemErrorOut(Output):
    code: str
    message: str
    details: Any = None


class BatchItemOut(Output):
    index: int
    incident_no: str
    status: str = Field(description="created, existing (this incident number is in already) or failed")
    case_id: int | None = None
    number: str | None = None
    referral_id: int | None = None
    state: str | None = None
    error: ItemErrorOut | None = None


class BatchOut(Output):
    items: list[BatchItemOut]
    created: int
    existing: int
    failed: int
