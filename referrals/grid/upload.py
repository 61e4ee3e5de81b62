"""Reading a grid worker's report as it arrives from the phone: a multipart form of short fields
and up to ``MAX_PHOTOS`` photos, streamed into the evidence store like any evidence
(``evidence.store``), each photo's type decided from its content (``evidence.sniff``).

Photos are held as unfinished uploads until the caller keeps them (``Upload.keep``), so a report
refused for a missing field leaves no file behind: leaving ``receive`` discards what was not kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from hub.errors import UnsupportedMediaType, ValidationFailed
from hub.keys import CONFIG
from referrals.errors import (
    SEND_MULTIPART,
    EvidenceExtensionMismatch,
    EvidenceTypeRefused,
    NotAPhoto,
    TooManyPhotos,
)
from referrals.evidence import sniff
from referrals.evidence.records import Received, clean_name
from referrals.evidence.schemas import EvidenceMeta
from referrals.evidence.store import BlobStore, Incoming, too_large

MAX_PHOTOS = 4
PHOTO_FIELD = "photos"
FIELD_BYTES = 8 * 1024  # a summary of 2,000 Chinese characters is 6,000 bytes
MAX_FIELDS = 60
CHUNK = 64 * 1024


@dataclass
class Upload:
    """The form's fields (a name may repeat: one per party) and the photos received so far."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    photos: list[tuple[Incoming, sniff.FileType, str]] = field(default_factory=list)

    async def keep(self, meta: EvidenceMeta) -> list[Received]:
        """Move the photos to their content addresses; what ``evidence.records.attach`` records."""
        return [Received(await p.keep(), file_type, name, meta) for p, file_type, name in self.photos]


def _invalid(name: str, kind: str, message: str) -> ValidationFailed:
    return ValidationFailed(details=[{"field": name, "type": kind, "message": message}])


async def _text(part: BodyPartReader) -> str:
    data = b""
    while chunk := await part.read_chunk(1024):
        data += chunk
        if len(data) > FIELD_BYTES:
            raise _invalid(part.name or "", "string_too_long", f"at most {FIELD_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(part.name or "", "string_unicode", "not UTF-8") from None


@contextlib.asynccontextmanager
async def receive(request: web.Request, store: BlobStore) -> AsyncIterator[Upload]:
    """Read the whole form; photos not kept inside the ``async with`` are removed on leaving it."""
    limit = request.app[CONFIG].max_evidence_bytes
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType(SEND_MULTIPART)
    whole = MAX_PHOTOS * limit + MAX_FIELDS * FIELD_BYTES
    if request.content_length is not None and request.content_length > whole:
        raise too_large(limit)
    upload = Upload()
    async with contextlib.AsyncExitStack() as stack:
        reader = await request.multipart()
        count = 0
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise _invalid("", "multipart", "nested multipart is not accepted")
            count += 1
            if count > MAX_FIELDS + MAX_PHOTOS:
                raise _invalid("", "too_many_fields", f"at most {MAX_FIELDS} fields")
            name = part.name or ""
            if name != PHOTO_FIELD:
                upload.fields.setdefault(name, []).append(await _text(part))
                continue
            filename = clean_name(part.filename or "")
            incoming = await stack.enter_async_context(store.incoming(limit))
            while chunk := await part.read_chunk(CHUNK):
                await incoming.write(chunk)
            if incoming.size == 0:
                continue  # the file input left empty
            if len(upload.photos) >= MAX_PHOTOS:
                raise TooManyPhotos(count=MAX_PHOTOS)
            await incoming.finish()
            try:
                file_type = sniff.match_name(sniff.identify(incoming.head), filename)
            except (EvidenceTypeRefused, EvidenceExtensionMismatch):
                raise NotAPhoto(name=filename or "?") from None
            if file_type.kind is not sniff.Kind.photo:
                raise NotAPhoto(name=filename or "?")
            upload.photos.append((incoming, file_type, filename))
        yield upload
