"""JSON shapes of evidence: the metadata sent beside the file, and a stored piece of evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from hub.schemas import Input, Output
from referrals.evidence.sniff import Kind


class EvidenceMeta(Input):
    """The form fields sent with the file (multipart/form-data), all optional."""

    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    captured_at: datetime | None = Field(
        default=None,
        description="When it was captured; without a time zone it is read in the hub's zone (Asia/Shanghai)",
    )
    captured_by: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    captured_place: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""

    @field_validator("captured_at", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class EvidenceOut(Output):
    id: int
    case_id: int
    sha256: str = Field(description="SHA-256 of the content, hex")
    size: int = Field(description="Bytes")
    media_type: str = Field(description="Media type found from the content, not the name")
    kind: Kind
    original_name: str
    description: str
    captured_at: datetime | None
    captured_by: str
    captured_place: str
    uploaded_by_id: int | None
    uploaded_by: str
    uploaded_agency_id: int | None
    uploaded_agency: str
    uploaded_at: datetime
    download_url: str
