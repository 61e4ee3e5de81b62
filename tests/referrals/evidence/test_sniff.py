"""The type of an evidence file comes from its content; a name that lies about it is refused."""

import io
import zipfile
from collections.abc import Iterator

import pytest

from hub import i18n
from referrals.errors import EvidenceExtensionMismatch, EvidenceTypeRefused
from referrals.evidence import demo
from referrals.evidence.sniff import (
    HEAD_BYTES,
    Kind,
    TextCheck,
    accept_attribute,
    extension_of,
    identify,
    match_name,
    office_type,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Refusals name what was found in the reader's language; these tests read English."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


def ebml(doc_type: bytes) -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84" + doc_type + b"\x42\x87\x81\x04"


ACCEPTED = [
    # content, file name, kind, media type
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "现场照片.JPG", Kind.photo, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "stain.png", Kind.photo, "image/png"),
    (b"GIF89a\x01\x00\x01\x00", "a.gif", Kind.photo, "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "a.webp", Kind.photo, "image/webp"),
    (ftyp(b"heic", b"mif1", b"heic"), "IMG_0001.HEIC", Kind.photo, "image/heic"),
    (ftyp(b"mif1", b"mif1", b"heic"), "IMG_0002.heic", Kind.photo, "image/heic"),
    (ftyp(b"mif1", b"mif1"), "IMG_0003.heif", Kind.photo, "image/heif"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "录音.mp3", Kind.audio, "audio/mpeg"),
    (b"\xff\xfb\x90\x64\x00\x00", "frames.mp3", Kind.audio, "audio/mpeg"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "a.wav", Kind.audio, "audio/wav"),
    (
        b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x13OpusHead",
        "voice.opus",
        Kind.audio,
        "audio/ogg; codecs=opus",
    ),
    (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x1e\x01vorbis", "a.ogg", Kind.audio, "audio/ogg"),
    (ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "通话录音.m4a", Kind.audio, "audio/mp4"),
    (ftyp(b"mp42", b"isom", b"mp42"), "memo.m4a", Kind.audio, "audio/mp4"),  # generic MP4 named .m4a
    (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "执法记录仪.mp4", Kind.video, "video/mp4"),
    (ftyp(b"qt  ", b"qt  "), "IMG_0004.MOV", Kind.video, "video/quicktime"),
    (ftyp(b"3gp4", b"isom", b"3gp4"), "call.3gp", Kind.video, "video/3gpp"),
    (ebml(b"webm"), "clip.webm", Kind.video, "video/webm"),
    (ebml(b"matroska"), "clip.mkv", Kind.video, "video/x-matroska"),
    (b"#!AMR\n\x3c\x91", "20261128_0930.amr", Kind.audio, "audio/amr"),
    (b"#!AMR-WB\n\x04", "wb.amr", Kind.audio, "audio/amr-wb"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "询问笔录.pdf", Kind.document, "application/pdf"),
    ("双方在现场的陈述：\r\n王某称……\n".encode(), "陈述.txt", Kind.document, "text/plain; charset=utf-8"),
    ("\ufeff带 BOM 的文本".encode(), "notes", Kind.document, "text/plain; charset=utf-8"),
    (b"\xff\xd8\xff\xdb", "no extension", Kind.photo, "image/jpeg"),
]


@pytest.mark.parametrize(("content", "name", "kind", "media_type"), ACCEPTED)
def test_accepted_types_are_found_from_their_content(
    content: bytes, name: str, kind: Kind, media_type: str
) -> None:
    found = match_name(identify(content), name)
    assert (found.kind, found.media_type) == (kind, media_type)


REFUSED = [
    (b"", "empty"),
    (b"\x7fELF\x02\x01\x01\x00", "ELF"),
    (b"MZ\x90\x00\x03\x00", "EXE/DLL"),
    (b"\xcf\xfa\xed\xfe\x07\x00", "Mach-O"),
    (b"#!/bin/sh\nrm -rf /\n", "script"),
    (b"<!DOCTYPE html><html><script>alert(1)</script>", "HTML"),
    (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>", "SVG"),
    (b"hello <script>steal()</script>", "HTML"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", ".doc/.xls"),
    (b"Rar!\x1a\x07\x01\x00", "RAR"),
    (b"\x1f\x8b\x08\x00", "gzip"),
    ("GB18030 编码".encode("gb18030"), "unknown"),
    (b"\x00\x01\x02\x03binary", "unknown"),
    (ftyp(b"XXXX", b"YYYY"), "unknown"),
]


@pytest.mark.parametrize(("content", "found"), REFUSED)
def test_programs_scripts_markup_and_the_unknown_are_refused(content: bytes, found: str) -> None:
    with pytest.raises(EvidenceTypeRefused) as refused:
        identify(content)
    assert refused.value.code == "evidence_type_refused"
    assert found in str(refused.value.params["found"])


MISMATCHED = [
    (b"%PDF-1.4\n", "photo.jpg", "jpg", "a PDF document"),
    (b"\xff\xd8\xff\xe0", "photo.jpg.exe", "exe", "a JPEG photo"),
    (b"\x89PNG\r\n\x1a\n", "stain.jpg", "jpg", "a PNG image"),
    (b"plain words", "run.sh", "sh", "plain text"),
    (b"plain words", "page.html", "html", "plain text"),
    (ftyp(b"qt  "), "video.mp4", "mp4", "a QuickTime (MOV) video"),
]


@pytest.mark.parametrize(("content", "name", "ext", "found"), MISMATCHED)
def test_a_name_that_lies_about_the_content_is_refused(
    content: bytes, name: str, ext: str, found: str
) -> None:
    with pytest.raises(EvidenceExtensionMismatch) as refused:
        match_name(identify(content), name)
    assert refused.value.status == 422 and refused.value.code == "evidence_extension_mismatch"
    assert refused.value.params == {"ext": ext, "found": found}


def _zip(*names: str) -> list[str]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return zipfile.ZipFile(buffer).namelist()


@pytest.mark.parametrize(
    ("names", "result"),
    [
        (("[Content_Types].xml", "_rels/.rels", "word/document.xml"), "docx"),
        (("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), "xlsx"),
        (("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "macros"),
        (("report.exe", "readme.txt"), "a ZIP archive"),
        (("word/document.xml",), "a ZIP archive"),  # no content types: not an Office document
    ],
)
def test_a_zip_is_a_document_only_when_word_or_excel_is_inside(names: tuple[str, ...], result: str) -> None:
    if result in ("docx", "xlsx"):
        assert office_type(_zip(*names)).key == result
        return
    with pytest.raises(EvidenceTypeRefused) as refused:
        office_type(_zip(*names))
    assert result in str(refused.value.params["found"])


def test_a_zip_named_like_a_photo_is_refused_before_it_is_opened() -> None:
    with pytest.raises(EvidenceExtensionMismatch):
        match_name(identify(b"PK\x03\x04\x14\x00"), "photo.jpg")


def test_text_is_checked_to_the_last_byte_even_across_chunks() -> None:
    text = ("证据" * 3000).encode()
    check = TextCheck()
    for start in range(0, len(text), 1001):  # splits multi-byte characters between chunks
        assert check.feed(text[start : start + 1001])
    assert check.finish()
    bad = TextCheck()
    assert bad.feed(text[:HEAD_BYTES]) and not (bad.feed(b"\x00tail") and bad.finish())
    cut = TextCheck()
    assert cut.feed("证".encode()[:2]) and not cut.finish()


@pytest.mark.parametrize(
    ("name", "ext"),
    [("a.JPG", "jpg"), ("archive.tar.gz", "gz"), ("noext", ""), ("trailing.", ""), (".hidden", "hidden")],
)
def test_extension_of(name: str, ext: str) -> None:
    assert extension_of(name) == ext


def test_the_upload_field_accepts_every_known_ending() -> None:
    accept = accept_attribute().split(",")
    assert {".jpg", ".heic", ".amr", ".m4a", ".docx", ".xlsx", ".pdf", ".txt"} <= set(accept)
    assert ".exe" not in accept and ".html" not in accept


@pytest.mark.parametrize("spec", demo.FILES, ids=lambda f: f.type_key)
def test_the_demo_files_are_what_they_claim(spec: demo.DemoFile) -> None:
    content = demo.MAKERS[spec.type_key]()
    assert match_name(identify(content[:HEAD_BYTES]), spec.name).key == spec.type_key
