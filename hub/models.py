"""Areas, agencies and people: the core's own tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.cache import directory_data
from hub.orm import Base, utcnow


class AreaLevel(StrEnum):
    district = "district"
    town = "town"  # town or street (乡镇/街道)
    village = "village"  # village or community (村/社区)
    grid = "grid"  # grid cell (网格)


class AgencyKind(StrEnum):
    police_bureau = "police_bureau"
    police_station = "police_station"
    justice_bureau = "justice_bureau"
    judicial_office = "judicial_office"
    mediation_committee = "mediation_committee"
    stationed_room = "stationed_room"
    specialised_body = "specialised_body"
    court = "court"


class Specialty(StrEnum):
    neighbour = "neighbour"
    family = "family"
    labour = "labour"
    land_acquisition = "land_acquisition"
    medical = "medical"
    environmental = "environmental"
    enterprise_restructuring = "enterprise_restructuring"
    education = "education"
    traffic = "traffic"
    property_management = "property_management"
    consumer = "consumer"
    contract = "contract"
    minor_injury = "minor_injury"


class Role(StrEnum):
    admin = "admin"
    liaison = "liaison"
    mediator = "mediator"
    secretary = "secretary"
    supervisor = "supervisor"
    grid_worker = "grid_worker"


class NotifyBy(StrEnum):
    """How a person wants to hear of what concerns them, besides the inbox (hub.outbound)."""

    sms = "sms"
    email = "email"
    both = "both"
    none = "none"


@directory_data
class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)


@directory_data
class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # The agency that supervises this one; admins and supervisors see their whole subtree.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # A stationed mediation room sits inside a police station: this names the host.
    host_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    specialties: Mapped[list[AgencySpecialty]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgencySpecialty.specialty"
    )

    @property
    def specialty_names(self) -> list[str]:
        return [s.specialty for s in self.specialties]


@directory_data
class AgencySpecialty(Base):
    __tablename__ = "agency_specialties"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(32), primary_key=True)


@directory_data
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    notify_by: Mapped[str] = mapped_column(
        String(8), default=NotifyBy.email.value, server_default=NotifyBy.email.value
    )
    active: Mapped[bool] = mapped_column(default=True)
    # The platform operator: may manage every agency. Ordinary admins manage their own subtree.
    is_superuser: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )
    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.roles]


@directory_data
class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


@directory_data
class ApiToken(Base):
    """A bearer token for an agency's own systems (e.g. the police incident system).

    Only the SHA-256 of the token is stored: the token has 256 bits of entropy, so a fast hash is
    enough and lets us look it up by index.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A browser login. The cookie holds a random key; only its hash is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


class Setting(Base):
    """Small key/value facts about this installation (e.g. that demo data was loaded)."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(2000), default="")
