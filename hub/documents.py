"""PDF documents with WeasyPrint: official layouts in Chinese, rendered off the event loop.

WeasyPrint is imported lazily (the import alone costs ~0.7 s) and every rendering runs in a worker
thread. ``documents.css`` sets the CJK font on ``html`` (not ``body``) so page margin boxes such as
page numbers use the same embedded font. Pages of domain packages extend ``documents/base.html``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from hub import etags, i18n
from hub.templating import TEMPLATES

logger = logging.getLogger(__name__)
STYLESHEET = TEMPLATES / "documents" / "documents.css"
PDF = "application/pdf"
PRIVATE = "private, no-store"
# Raise when a change of ours (not of the HTML) would change the PDFs: it is part of every tag.
DOCUMENT_VERSION = "1"
_lock = threading.Lock()
_weasy: Any = None


def _weasyprint() -> Any:
    global _weasy  # noqa: PLW0603 - one lazy import per process, guarded by a lock
    with _lock:
        if _weasy is None:
            import weasyprint

            _weasy = weasyprint
    return _weasy


@functools.cache
def renderer_key() -> str:
    """What besides the HTML decides a PDF's bytes: WeasyPrint's version and our stylesheet."""
    try:
        version = metadata.version("weasyprint")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        version = "?"
    return f"{DOCUMENT_VERSION}/{version}/{etags.of(STYLESHEET.read_bytes())}"


def render_pdf_sync(html: str, base_url: str | None = None) -> bytes:
    weasyprint = _weasyprint()
    stylesheet = weasyprint.CSS(filename=str(STYLESHEET))
    document = weasyprint.HTML(string=html, base_url=base_url or str(TEMPLATES))
    return bytes(document.write_pdf(stylesheets=[stylesheet]))


def render_pages_sync(html: str, css: str = "") -> Any:
    """Lay out a document without writing it (a WeasyPrint ``Document``: ``len(doc.pages)``), with
    an extra stylesheet after the house one (page numbers of a bound volume, say). Blocking."""
    weasyprint = _weasyprint()
    stylesheets = [weasyprint.CSS(filename=str(STYLESHEET))]
    if css:
        stylesheets.append(weasyprint.CSS(string=css))
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render(stylesheets=stylesheets)


def combine_sync(rendered: list[Any]) -> bytes:
    """One PDF of the pages of several laid-out documents, in order. Blocking."""
    pages = [page for document in rendered for page in document.pages]
    return bytes(rendered[0].copy(pages).write_pdf())


async def render_pdf(html: str) -> bytes:
    return await asyncio.to_thread(render_pdf_sync, html)


def render_bound_pdf_sync(htmls: tuple[str, ...]) -> bytes:
    """Several documents bound as one PDF: each laid out with its own page styles, then their pages
    put one after the other. Blocking."""
    return combine_sync([render_pages_sync(html) for html in htmls])


@cache
def house_css() -> str:
    """The house stylesheet's text, for a document that carries it in its own ``<style>``: a
    browser then shows the same HTML (a preview before approval) laid out as it prints."""
    return STYLESHEET.read_text(encoding="utf-8")


def render_template(env: jinja2.Environment, name: str, locale: str = "zh_CN", **context: Any) -> str:
    """Fill a document template in a given language (documents are usually Chinese, whoever asks)."""
    token = i18n.current_locale.set(locale)
    try:
        return env.get_template(name).render(**context)
    finally:
        i18n.current_locale.reset(token)


def fonts_available() -> bool:
    """Whether fontconfig knows a CJK font (WeasyPrint would draw boxes otherwise)."""
    import subprocess

    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def document_path(*parts: str) -> Path:
    return TEMPLATES.joinpath("documents", *parts)


def inline_disposition(filename: str, fallback: str, kind: str = "inline") -> str:
    """``inline`` (or ``attachment``) with an ASCII name for old clients and the Chinese one in
    RFC 5987 ``filename*``."""
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@dataclass(frozen=True)
class Document:
    """The filled-in HTML of a document and its file names; ``pdf()`` renders it in a worker thread."""

    html: str
    filename: str
    fallback: str

    async def pdf(self) -> bytes:
        return await render_pdf(self.html)

    @property
    def disposition(self) -> str:
        return inline_disposition(self.filename, self.fallback)

    @property
    def etag(self) -> str:
        """A strong tag from everything the PDF is made of: the same HTML through the same
        WeasyPrint and stylesheet gives the same bytes (rendering is deterministic)."""
        return etags.of(renderer_key(), self.html, *self._parts())

    def _parts(self) -> tuple[str, ...]:
        return ()

    async def response(self, request: web.Request | None = None) -> web.Response:
        """The PDF as an HTTP answer: shown in the browser, never kept by a browser's cache (case
        papers carry personal data; a station's computer is shared). Given the request, it
        carries an ETag, and a caller that kept its copy and sends the tag in If-None-Match gets
        304 without the document being rendered again. Call it only after the permission checks.
        """
        headers = {"Content-Disposition": self.disposition}
        if request is not None and etags.matches(request, self.etag):
            return etags.respond(
                request, b"", etag=self.etag, content_type=PDF, headers=headers, cache_control=PRIVATE
            )
        if request is not None:
            headers["ETag"] = self.etag
        return web.Response(
            body=await self.pdf(), headers={"Content-Type": PDF, "Cache-Control": PRIVATE, **headers}
        )


@dataclass(frozen=True)
class BoundDocument(Document):
    """A document followed by others, downloaded as one PDF (an application package, a case file)."""

    parts: tuple[str, ...] = ()

    async def pdf(self) -> bytes:
        return await asyncio.to_thread(render_bound_pdf_sync, (self.html, *self.parts))

    def _parts(self) -> tuple[str, ...]:
        return self.parts
