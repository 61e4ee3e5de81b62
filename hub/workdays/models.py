"""The days an administrator set, and the years they declared complete."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.cache import directory_data
from hub.orm import Base, utcnow


@directory_data
class StatutoryDay(Base):
    """A holiday (``working`` false) or a weekend day made a working day, as the State Council's
    notice for that year says; overrides what the ``chinese-calendar`` package says of the day."""

    __tablename__ = "statutory_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


@directory_data
class StatutoryYear(Base):
    """A year whose holidays an administrator entered in full (the notice is published in December)."""

    __tablename__ = "statutory_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200), default="")  # e.g. 国办发明电〔2026〕7号
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
