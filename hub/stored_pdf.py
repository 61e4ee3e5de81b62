"""Documents rendered once and kept: the PDF of minutes whose text is frozen (approved 会议纪要,
confirmed 调解笔录) is rendered when the text is frozen, stored with the SHA-256 of its bytes, and
served from storage after that, with the hash as its ETag (a browser that has it gets 304).

Drafts are still rendered on each request (``hub.documents.Document.response``): they change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from aiohttp import web

from hub import etags
from hub.documents import inline_disposition


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def etag(sha256: str) -> str:
    return f'"{sha256}"'


@dataclass(frozen=True)
class StoredPdf:
    """A kept PDF: its bytes, their SHA-256 and the file names it is served under."""

    body: bytes
    sha256: str
    filename: str
    fallback: str

    def response(self, request: web.Request) -> web.Response:
        """The PDF, or 304 when the browser already holds these bytes. ``no-cache``: kept, but
        asked about again each time (``hub.etags``) (a new revision of the minutes is another document)."""
        return etags.respond(
            request,
            self.body,
            etag=etag(self.sha256),
            content_type="application/pdf",
            headers={"Content-Disposition": inline_disposition(self.filename, self.fallback)},
        )
