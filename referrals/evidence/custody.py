"""Chain of custody of a case's evidence: the upload and every download of each piece, oldest
first, from the evidence rows and the audit log (``AuditEvent`` rows of object type "evidence"),
and the same as a table for the CSV export (times in the hub's zone, each audit row's content
digest, ``audit.content_digest``: known at once, while its chain link comes after commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, directory
from hub.exports import Cell
from hub.i18n import gettext
from hub.labels import label
from hub.models import Agency, User
from hub.templating import local_time
from referrals.evidence.records import DOWNLOADED, OBJECT_TYPE, UPLOADED
from referrals.models import Evidence


@dataclass(frozen=True)
class CustodyEvent:
    at: datetime
    action: str
    evidence: Evidence
    person: str
    agency: str
    audit_hash: str


async def custody(s: AsyncSession, case_id: int) -> list[CustodyEvent]:
    """The upload and every download of each piece of the case's evidence, oldest first."""
    pieces = {e.id: e for e in (await s.scalars(select(Evidence).where(Evidence.case_id == case_id))).all()}
    if not pieces:
        return []
    events = (
        await s.scalars(
            select(audit.AuditEvent)
            .where(
                audit.AuditEvent.action.in_([UPLOADED, DOWNLOADED]),
                audit.AuditEvent.object_type == OBJECT_TYPE,
                audit.AuditEvent.object_id.in_([str(i) for i in pieces]),
            )
            .order_by(audit.AuditEvent.id)
        )
    ).all()
    users = await directory.names(s, User, {e.uploaded_by_id for e in pieces.values()})
    users |= await directory.names(s, User, {e.actor_user_id for e in events})
    agencies = await directory.names(s, Agency, {e.uploaded_agency_id for e in pieces.values()})
    agencies |= await directory.names(s, Agency, {e.actor_agency_id for e in events})
    upload_hash = {e.object_id: audit.content_digest(e) for e in events if e.action == UPLOADED}
    out = [
        CustodyEvent(
            e.uploaded_at,
            UPLOADED,
            e,
            users.get(e.uploaded_by_id or 0, ""),
            agencies.get(e.uploaded_agency_id or 0, ""),
            upload_hash.get(str(e.id), ""),
        )
        for e in pieces.values()
    ]
    out += [
        CustodyEvent(
            e.created_at,
            DOWNLOADED,
            pieces[int(e.object_id)],
            users.get(e.actor_user_id or 0, ""),
            agencies.get(e.actor_agency_id or 0, ""),
            audit.content_digest(e),
        )
        for e in events
        if e.action == DOWNLOADED
    ]
    return sorted(out, key=lambda c: (c.at, c.action != UPLOADED, c.evidence.id))


def table(events: list[CustodyEvent], zone: str) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows for ``exports.csv_bytes``, in the reader's language."""
    header = [
        gettext("Time"),
        gettext("Event"),
        gettext("Evidence no."),
        gettext("Original file name"),
        "SHA-256",
        gettext("Size (bytes)"),
        gettext("Type"),
        gettext("Captured at"),
        gettext("Captured by"),
        gettext("Captured where"),
        gettext("Person"),
        gettext("Agency"),
        gettext("Audit record hash"),
    ]
    rows: list[list[Cell]] = [
        [
            local_time(c.at, zone, "%Y-%m-%d %H:%M:%S"),
            label(c.action),
            c.evidence.id,
            c.evidence.original_name,
            c.evidence.sha256,
            c.evidence.size,
            c.evidence.media_type,
            local_time(c.evidence.captured_at, zone),
            c.evidence.captured_by,
            c.evidence.captured_place,
            c.person,
            c.agency,
            c.audit_hash,
        ]
        for c in events
    ]
    return header, rows
