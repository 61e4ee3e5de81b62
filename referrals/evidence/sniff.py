"""What an evidence file really is, from its bytes, not its name. Pure: bytes and names in, a type out.

``identify(head)`` looks at the first ``HEAD_BYTES`` of a file and returns its ``FileType`` or raises
``EvidenceTypeRefused`` (programs, scripts, HTML, archives, anything unknown). Two types need the
whole file before they are certain: a ZIP is only accepted as a Word or Excel document once the
names inside say so (``office_type``), and text only once all of it is clean UTF-8 (``TextCheck``).
``match_name(file_type, filename)`` then refuses a name whose extension lies about the content
(a PDF or a program named ``photo.jpg``) with ``EvidenceExtensionMismatch``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.i18n import N_
from referrals.errors import EvidenceExtensionMismatch, EvidenceTypeRefused

HEAD_BYTES = 4096


class Kind(StrEnum):
    photo = "photo"
    audio = "audio"
    video = "video"
    document = "document"


class Check(StrEnum):
    none = ""
    zip = "zip"  # the names inside decide: word/ -> DOCX, xl/ -> XLSX
    text = "text"  # every byte must be clean UTF-8


@dataclass(frozen=True)
class FileType:
    key: str
    kind: Kind
    media_type: str
    title: str  # English message id, e.g. "a JPEG photo"
    extensions: tuple[str, ...]  # accepted name endings; the first is the usual one
    check: Check = Check.none
    # A name ending that turns this type into another (an .m4a named MP4 container is audio).
    aliases: dict[str, str] = field(default_factory=dict)


def _t(key: str, kind: Kind, media_type: str, title: str, *exts: str, **extra: Any) -> FileType:
    return FileType(key, kind, media_type, title, exts, **extra)


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        _t("jpeg", Kind.photo, "image/jpeg", N_("a JPEG photo"), "jpg", "jpeg", "jpe", "jfif"),
        _t("png", Kind.photo, "image/png", N_("a PNG image"), "png"),
        _t("gif", Kind.photo, "image/gif", N_("a GIF image"), "gif"),
        _t("webp", Kind.photo, "image/webp", N_("a WebP image"), "webp"),
        _t("heic", Kind.photo, "image/heic", N_("a HEIC photo"), "heic", "heif", "hif"),
        _t("heif", Kind.photo, "image/heif", N_("a HEIF photo"), "heif", "heic", "hif"),
        _t("avif", Kind.photo, "image/avif", N_("an AVIF image"), "avif"),
        _t("mp3", Kind.audio, "audio/mpeg", N_("an MP3 recording"), "mp3"),
        _t("aac", Kind.audio, "audio/aac", N_("an AAC recording"), "aac"),
        _t("wav", Kind.audio, "audio/wav", N_("a WAV recording"), "wav", "wave"),
        _t("flac", Kind.audio, "audio/flac", N_("a FLAC recording"), "flac"),
        _t("ogg", Kind.audio, "audio/ogg", N_("an Ogg recording"), "ogg", "oga", "opus"),
        _t("opus", Kind.audio, "audio/ogg; codecs=opus", N_("an Opus recording"), "opus", "ogg", "oga"),
        _t("ogv", Kind.video, "video/ogg", N_("an Ogg video"), "ogv", "ogg"),
        _t("amr", Kind.audio, "audio/amr", N_("an AMR phone recording"), "amr"),
        _t("amr_wb", Kind.audio, "audio/amr-wb", N_("an AMR-WB phone recording"), "awb", "amr"),
        _t("m4a", Kind.audio, "audio/mp4", N_("an M4A recording"), "m4a", "m4b", "mp4"),
        _t(
            "mp4",
            Kind.video,
            "video/mp4",
            N_("an MP4 video"),
            "mp4",
            "m4v",
            "m4a",
            aliases={"m4a": "m4a"},
        ),
        _t("mov", Kind.video, "video/quicktime", N_("a QuickTime (MOV) video"), "mov", "qt"),
        _t("3gp", Kind.video, "video/3gpp", N_("a 3GP video or recording"), "3gp", "3gpp", "3g2"),
        _t("webm", Kind.video, "video/webm", N_("a WebM video"), "webm", "weba", aliases={"weba": "weba"}),
        _t("weba", Kind.audio, "audio/webm", N_("a WebM recording"), "weba", "webm"),
        _t("mkv", Kind.video, "video/x-matroska", N_("an MKV video"), "mkv", "mka", aliases={"mka": "mka"}),
        _t("mka", Kind.audio, "audio/x-matroska", N_("an MKA recording"), "mka", "mkv"),
        _t("avi", Kind.video, "video/x-msvideo", N_("an AVI video"), "avi"),
        _t("pdf", Kind.document, "application/pdf", N_("a PDF document"), "pdf"),
        _t("ooxml", Kind.document, _DOCX, N_("a Word or Excel document"), "docx", "xlsx", check=Check.zip),
        _t("docx", Kind.document, _DOCX, N_("a Word document (.docx)"), "docx"),
        _t("xlsx", Kind.document, _XLSX, N_("an Excel workbook (.xlsx)"), "xlsx"),
        _t(
            "text",
            Kind.document,
            "text/plain; charset=utf-8",
            N_("plain text"),
            "txt",
            "text",
            check=Check.text,
        ),
    )
}

# Accepted files that start with a fixed signature, tried in order.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"#!AMR-WB\n", "amr_wb"),
    (b"#!AMR\n", "amr"),
    (b"ID3", "mp3"),
    (b"fLaC", "flac"),
    (b"PK\x03\x04", "ooxml"),
)

# Refused files worth naming, so the person knows why. Tried after the accepted signatures.
REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", N_("a program (ELF executable)")),
    (b"MZ", N_("a Windows program (EXE/DLL)")),
    (b"\xfe\xed\xfa\xce", N_("a macOS program (Mach-O)")),
    (b"\xfe\xed\xfa\xcf", N_("a macOS program (Mach-O)")),
    (b"\xce\xfa\xed\xfe", N_("a macOS program (Mach-O)")),
    (b"\xcf\xfa\xed\xfe", N_("a macOS program (Mach-O)")),
    (b"\xca\xfe\xba\xbe", N_("a program (Mach-O universal binary or Java class)")),
    (b"\x00asm", N_("a program (WebAssembly)")),
    (b"dex\n", N_("a program (Android DEX)")),
    (b"#!", N_("a script")),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        N_("an old-format Office file (.doc/.xls): save it as .docx/.xlsx"),
    ),
    (b"Rar!\x1a\x07", N_("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("a 7-Zip archive")),
    (b"\x1f\x8b", N_("a gzip archive")),
    (b"PK\x05\x06", N_("an empty ZIP archive")),
)

# ISO base media (MP4 family): the ftyp box's brands name the format.
BRANDS: dict[bytes, str] = {
    **dict.fromkeys((b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"), "heic"),
    **dict.fromkeys((b"mif1", b"msf1"), "heif"),
    **dict.fromkeys((b"avif", b"avis"), "avif"),
    **dict.fromkeys((b"M4A ", b"M4B "), "m4a"),
    b"qt  ": "mov",
    **dict.fromkeys((b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gs7", b"3ge6", b"3ge7", b"3g2a"), "3gp"),
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash")
        + (b"M4V ", b"MSNV", b"mmp4", b"f4v "),
        "mp4",
    ),
}
_IMAGE_BRANDS = ("heic", "avif", "heif")  # an image brand anywhere beats a generic major brand
_MARKUP = re.compile(rb"^\s*<\s*[!?a-z]|<\s*(html|script|svg|iframe|object|embed)\b", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


def extension_of(filename: str) -> str:
    """The lower-case name ending without the dot ('' when there is none): 'a.JPG' -> 'jpg'."""
    match = _EXTENSION.search(filename.strip())
    return match.group(1).lower() if match else ""


def identify(head: bytes) -> FileType:
    """The type of a file from its first bytes; refuses programs, scripts, markup and the unknown."""
    if not head:
        raise EvidenceTypeRefused(N_("empty"))
    for magic, key in SIGNATURES:
        if head.startswith(magic):
            return TYPES[key]
    for magic, found in REFUSED:
        if head.startswith(magic):
            raise EvidenceTypeRefused(found)
    for probe in (_riff, _iso_media, _ebml, _ogg, _mpeg_audio):
        key = probe(head)
        if key:
            return TYPES[key]
    if looks_like_text(head, final=len(head) < HEAD_BYTES):
        if _MARKUP.search(head[:1024].lstrip(b"\xef\xbb\xbf")):
            raise EvidenceTypeRefused(N_("a web page or markup (HTML/XML/SVG)"))
        return TYPES["text"]
    raise EvidenceTypeRefused(N_("of an unknown type"))


def _riff(head: bytes) -> str:
    if head[:4] != b"RIFF":
        return ""
    return {b"WAVE": "wav", b"WEBP": "webp", b"AVI ": "avi"}.get(head[8:12], "")


def _iso_media(head: bytes) -> str:
    if head[4:8] != b"ftyp":
        return ""
    size = int.from_bytes(head[:4], "big")
    end = min(size if size >= 16 else 16, len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    keys = [BRANDS[b] for b in brands if b in BRANDS]
    for image in _IMAGE_BRANDS:
        if image in keys:
            return image
    return keys[0] if keys else ""


def _ebml(head: bytes) -> str:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return ""
    window = head[:64]
    if b"webm" in window:
        return "webm"
    return "mkv" if b"matroska" in window else ""


def _ogg(head: bytes) -> str:
    if not head.startswith(b"OggS"):
        return ""
    window = head[:256]
    if b"OpusHead" in window:
        return "opus"
    return "ogv" if b"\x80theora" in window else "ogg"


def _mpeg_audio(head: bytes) -> str:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return ""
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    if layer == 0 and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0xF < 13:
        return "aac"  # ADTS: a 12-bit sync word, layer 0
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    if version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3:
        return "mp3"  # MPEG audio layer III frame without an ID3 tag
    return ""


def looks_like_text(data: bytes, *, final: bool) -> bool:
    """Clean UTF-8 without control characters (tabs, line and page breaks allowed)."""
    check = TextCheck()
    return check.feed(data) and (check.finish() if final else True)


class TextCheck:
    """Feeds a whole file through, chunk by chunk, to confirm it is clean UTF-8 text."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.ok = True

    def feed(self, chunk: bytes) -> bool:
        if self.ok:
            try:
                self.ok = not _CONTROL.search(self._decoder.decode(chunk))
            except UnicodeDecodeError:
                self.ok = False
        return self.ok

    def finish(self) -> bool:
        return self.feed(b"") and self._final()

    def _final(self) -> bool:
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self.ok = False
        return self.ok


def office_type(names: Iterable[str]) -> FileType:
    """Which Office Open XML document a ZIP is, from the names inside; other ZIPs are refused."""
    entries = set(names)
    if "[Content_Types].xml" in entries:
        macros = any(n.lower().endswith("vbaproject.bin") for n in entries)
        if macros:
            raise EvidenceTypeRefused(N_("an Office file with macros"))
        if any(n.startswith("word/") for n in entries):
            return TYPES["docx"]
        if any(n.startswith("xl/") for n in entries):
            return TYPES["xlsx"]
    raise EvidenceTypeRefused(N_("a ZIP archive"))


def match_name(file_type: FileType, filename: str) -> FileType:
    """The type as named: refuses an extension that lies; a name without extension is fine."""
    ext = extension_of(filename)
    if not ext:
        return file_type
    if ext not in file_type.extensions:
        raise EvidenceExtensionMismatch(ext, file_type.title)
    alias = file_type.aliases.get(ext)
    return TYPES[alias] if alias else file_type


def accept_attribute() -> str:
    """The ``accept`` attribute of the upload field: every name ending we take."""
    exts = sorted({e for t in TYPES.values() for e in t.extensions})
    return ",".join(f".{e}" for e in exts)
