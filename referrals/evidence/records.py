"""Evidence captured at the scene (现场取证): receive, check, keep, list, hand out, account for.

- ``receive`` streams a multipart upload into the content-addressed store (``store``),
  never through ``request.post()`` and its 1 MiB body limit: at most ``MAX_EVIDENCE_BYTES`` per
  file, the type decided from the content (``sniff``), the metadata validated, nothing left behind
  when anything is refused.
- ``attach`` records the evidence row and its audit row (with the hash) in the caller's transaction.
- Who may add evidence: the agency that took the case in, and the agency now handling its referral
  (``may_upload``). Everyone who sees the case may list and download; each download is audited.
- The chain of custody (each upload and download, in time order) is ``custody``; the demo files
  are made in ``demo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.config import Config
from hub.errors import NotFound, UnsupportedMediaType, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.input_limits import check_query
from hub.keys import CONFIG
from hub.models import Agency, User
from hub.permissions import Guard
from hub.routing import validate
from referrals.errors import SEND_MULTIPART, EvidenceEmpty, EvidenceFileMissing
from referrals.evidence import sniff
from referrals.evidence.schemas import EvidenceMeta, EvidenceOut
from referrals.evidence.store import Blob, BlobStore, too_large
from referrals.models import Case, Evidence, Referral
from referrals.permissions import CasePermission
from referrals.states import State

logger = logging.getLogger(__name__)

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
FIELD_BYTES = 2048  # one metadata field (500 Chinese characters are 1,500 bytes)
FORM_SLACK = 64 * 1024  # multipart framing and metadata beside the file
CHUNK = 64 * 1024
CLOCK_SKEW = timedelta(minutes=10)
UPLOADED, DOWNLOADED = "evidence.uploaded", "evidence.downloaded"
OBJECT_TYPE = "evidence"
# Referrals whose receiving agency no longer handles the case.
_LET_GO = frozenset({State.declined, State.expired, State.withdrawn, State.referred_onward})
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# Control and shell characters, and the bidirectional marks and overrides (U+200E/F, U+202A-E,
# U+2066-9, U+061C) that can make "x.png" read as "x.docx" on screen.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"<>|*?\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def store_for(config: Config) -> BlobStore:
    return BlobStore(config.data_dir / "evidence")


def may_upload(guard: Guard, case: Case, referral: Referral | None) -> bool:
    """The taking-in agency (take_in), or the receiving agency of the current referral (act_on_referrals)."""
    if guard.allows(CasePermission.take_in) and guard.scope.covers(case.created_agency_id):
        return True
    return (
        referral is not None
        and referral.state not in _LET_GO
        and guard.allows(CasePermission.act_on_referrals)
        and guard.scope.covers(referral.to_agency_id)
    )


def clean_name(raw: str) -> str:
    """The file's own name without any folder, control or shell characters, at most 200 characters."""
    if _PERCENT.search(raw):  # some clients (aiohttp, old browsers) percent-encode the name
        with contextlib.suppress(UnicodeDecodeError):
            raw = unquote(raw, errors="strict")
    name = _UNSAFE_NAME.sub("", re.split(r"[\\/]", raw)[-1]).strip().lstrip(".")
    if len(name) > 200:
        ext = sniff.extension_of(name)
        name = name[: 199 - len(ext)] + "." + ext if ext else name[:200]
    return name


# --- receiving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    blob: Blob
    file_type: sniff.FileType
    filename: str
    meta: EvidenceMeta


def _invalid(field: str, kind: str, message: str) -> ValidationFailed:
    return ValidationFailed(details=[{"field": field, "type": kind, "message": message}])


async def _read_field(part: BodyPartReader) -> str:
    data = b""
    while chunk := await part.read_chunk(1024):
        data += chunk
        if len(data) > FIELD_BYTES:
            raise _invalid(part.name or "", "string_too_long", f"at most {FIELD_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(part.name or "", "string_unicode", "not UTF-8") from None


async def receive(request: web.Request, store: BlobStore, *, zone: tzinfo, now: datetime) -> Received:
    """Stream the multipart upload into the store; refuse (and remove) anything not acceptable."""
    limit = request.app[CONFIG].max_evidence_bytes
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType(SEND_MULTIPART)
    if request.content_length is not None and request.content_length > limit + FORM_SLACK:
        raise too_large(limit)
    reader = await request.multipart()
    fields: dict[str, str] = {}
    filename: str | None = None
    async with store.incoming(limit) as upload:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise _invalid("", "multipart", "nested multipart is not accepted")
            name = part.name or ""
            if name == "file":
                if filename is not None:
                    raise _invalid("file", "too_many_files", "send one file per request")
                filename = clean_name(part.filename or "")
                while chunk := await part.read_chunk(CHUNK):
                    await upload.write(chunk)
            elif name == "_csrf":
                await part.release()
            elif name in EvidenceMeta.model_fields and name not in fields:
                fields[name] = await _read_field(part)
                check_query([(name, fields[name])])  # NUL refused, as in every form
            else:
                raise _invalid(name, "extra_forbidden", "unknown or repeated field")
        if filename is None:
            raise _invalid("file", "missing", "choose a file")
        meta = _normalise(validate(EvidenceMeta, fields), zone, now)
        await upload.finish()
        if upload.size == 0:
            raise EvidenceEmpty()
        file_type = await _check_type(upload.head, upload.path, filename)
        blob = await upload.keep()
    return Received(blob, file_type, filename, meta)


def _normalise(meta: EvidenceMeta, zone: tzinfo, now: datetime) -> EvidenceMeta:
    at = meta.captured_at
    if at is None:
        return meta
    if at.tzinfo is None:  # datetime-local from the form: the hub's zone
        at = at.replace(tzinfo=zone)
    if at > now + CLOCK_SKEW:
        raise _invalid("captured_at", "future", "the capture time is in the future")
    return meta.model_copy(update={"captured_at": at.astimezone(UTC)})


async def _check_type(head: bytes, path: Path | None, filename: str) -> sniff.FileType:
    assert path is not None
    file_type = sniff.match_name(sniff.identify(head), filename)
    if file_type.check is sniff.Check.zip:
        file_type = sniff.match_name(sniff.office_type(await asyncio.to_thread(_zip_names, path)), filename)
    elif file_type.check is sniff.Check.text and not await asyncio.to_thread(_all_text, path):
        raise sniff.EvidenceTypeRefused(N_("not clean UTF-8 text"))
    return file_type


def _zip_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise sniff.EvidenceTypeRefused(N_("a damaged ZIP archive")) from None


def _all_text(path: Path) -> bool:
    check = sniff.TextCheck()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            if not check.feed(chunk):
                return False
    return check.finish()


# --- recording and reading ------------------------------------------------------------------------


async def attach(
    s: AsyncSession,
    actor: audit.Actor,
    case: Case,
    received: Received,
    referral: Referral | None,
    outbox: Outbox,
) -> Evidence:
    meta, blob = received.meta, received.blob
    row = Evidence(
        case_id=case.id,
        sha256=blob.sha256,
        size=blob.size,
        media_type=received.file_type.media_type,
        kind=received.file_type.kind,
        original_name=received.filename,
        description=meta.description,
        captured_at=meta.captured_at,
        captured_by=meta.captured_by,
        captured_place=meta.captured_place,
        uploaded_by_id=actor.user_id,
        uploaded_agency_id=actor.agency_id,
    )
    s.add(row)
    await s.flush()
    data = {
        "case_id": case.id,
        "sha256": blob.sha256,
        "size": blob.size,
        "media_type": row.media_type,
        "original_name": row.original_name,
    }
    await audit.record(s, actor, UPLOADED, OBJECT_TYPE, row.id, data)
    agencies = {case.created_agency_id} | ({referral.to_agency_id} if referral else set())
    for agency_id in agencies:
        outbox.add(f"agency:{agency_id}", UPLOADED, actor.user_id, case_id=case.id, evidence_id=row.id)
    return row


_ROW_FIELDS = (
    "id",
    "case_id",
    "sha256",
    "size",
    "media_type",
    "kind",
    "original_name",
    "description",
    "captured_at",
    "captured_by",
    "captured_place",
    "uploaded_by_id",
    "uploaded_agency_id",
    "uploaded_at",
)


def evidence_out(row: Evidence, uploaded_by: str | None, agency: str | None) -> EvidenceOut:
    return EvidenceOut.model_validate(
        {
            **{k: getattr(row, k) for k in _ROW_FIELDS},
            "uploaded_by": uploaded_by or "",
            "uploaded_agency": agency or "",
            "download_url": f"/cases/{row.case_id}/evidence/{row.id}",
        }
    )


async def list_for_case(s: AsyncSession, case_id: int) -> list[EvidenceOut]:
    rows = await s.execute(
        select(Evidence, User.display_name, Agency.name)
        .outerjoin(User, User.id == Evidence.uploaded_by_id)
        .outerjoin(Agency, Agency.id == Evidence.uploaded_agency_id)
        .where(Evidence.case_id == case_id)
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    return [evidence_out(row, by, agency) for row, by, agency in rows.all()]


async def get(s: AsyncSession, case_id: int, evidence_id: int) -> Evidence:
    row = await s.get(Evidence, evidence_id)
    if row is None or row.case_id != case_id:
        raise NotFound()
    return row


async def stored_file(store: BlobStore, row: Evidence) -> Path:
    """Where the evidence's content is; a row whose file is gone is an operator's problem, logged."""
    if not await store.exists(row.sha256):
        logger.error("evidence file missing", extra={"evidence_id": row.id, "sha256": row.sha256})
        raise EvidenceFileMissing()
    return store.path_of(row.sha256)


async def record_download(s: AsyncSession, actor: audit.Actor, row: Evidence) -> None:
    data = {"case_id": row.case_id, "sha256": row.sha256}
    await audit.record(s, actor, DOWNLOADED, OBJECT_TYPE, row.id, data)


def download_name(row: Evidence) -> str:
    """The original name, or ``evidence-<id>.<ext>`` when there was none; always with an extension."""
    name = row.original_name or f"evidence-{row.id}"
    if not sniff.extension_of(name):
        key = next((t for t in sniff.TYPES.values() if t.media_type == row.media_type), None)
        name += f".{key.extensions[0]}" if key else ""
    return name
