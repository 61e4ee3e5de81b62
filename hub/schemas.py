"""JSON shapes of the core API (pydantic): validation and the OpenAPI document come from here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.models import AgencyKind, Role, Specialty

T = TypeVar("T")

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]


class Input(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Output, Generic[T]):
    items: list[T]
    total: int


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, program-readable error code")
    message: str = Field(description="Human-readable message in the caller's language")
    details: list[dict[str, str]] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok"]
    database: str


class Me(Output):
    id: int
    username: str
    display_name: str
    agency_id: int
    agency_name: str
    roles: list[str]
    is_superuser: bool
    locale: str


class AgencyOut(Output):
    id: int
    code: str
    name: str
    kind: AgencyKind
    parent_id: int | None
    host_agency_id: int | None
    area_id: int | None
    specialties: list[str] = Field(validation_alias="specialty_names")
    phone: str
    address: str
    active: bool


class AgencyIn(Input):
    code: Code
    name: Name
    kind: AgencyKind
    parent_id: int | None = None
    host_agency_id: int | None = None
    area_id: int | None = None
    specialties: list[Specialty] = Field(default_factory=list, max_length=20)
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    address: Annotated[str, StringConstraints(max_length=200)] = ""


class AgencyQuery(Input):
    kind: AgencyKind | None = None


class AreaOut(Output):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class UserOut(Output):
    id: int
    username: str
    display_name: str
    agency_id: int
    roles: list[str] = Field(validation_alias="role_names")
    locale: str
    active: bool
    is_superuser: bool
    last_login_at: datetime | None


class UserIn(Input):
    username: Username
    display_name: Name
    agency_id: int
    roles: list[Role] = Field(min_length=1, max_length=6)
    password: Password
    locale: Literal["zh_CN", "en"] = "zh_CN"
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    email: Annotated[str, StringConstraints(max_length=200)] = ""


class UserPatch(Input):
    display_name: Name | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=6)
    active: bool | None = None
    locale: Literal["zh_CN", "en"] | None = None
    password: Password | None = None


class TokenOut(Output):
    id: int
    agency_id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Input):
    user_id: int
    name: Name
    expires_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="The bearer token. Shown once; only its hash is kept.")


class NotificationOut(Output):
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None


class ReadIn(Input):
    ids: list[int] | None = Field(default=None, description="Which to mark read; all when omitted")
