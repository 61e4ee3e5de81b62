"""Demo evidence: a photo (PNG), a short recording (WAV) and a scene sketch (one-page PDF), made
here from nothing (Pillow, the wave module) and attached to the first cases of station PS01.

Files go to the data directory the demo was given (``DemoContext.data_dir``, when the loader
passes it); without one, no evidence is added, since a row without its file would mislead.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import wave
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from hub import audit
from hub.demo_context import DemoContext
from hub.events import Outbox
from referrals.evidence import sniff
from referrals.evidence.records import Received, attach
from referrals.evidence.schemas import EvidenceMeta
from referrals.evidence.store import BlobStore
from referrals.models import Case

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoFile:
    case_index: int  # among PS01's cases, oldest first
    name: str
    type_key: str
    description: str
    captured_by: str
    captured_place: str
    hours_ago: int


FILES = (
    DemoFile(
        0,
        "楼下天花板水渍.png",
        "png",
        "楼下卧室天花板水渍，面积约 1 平方米",
        "民警 张军",
        "幸福路 8 号 302 室",
        50,
    ),
    DemoFile(
        0, "现场示意图.pdf", "pdf", "漏水位置与管道走向示意图", "民警 张军", "幸福路 8 号 302、402 室", 49
    ),
    DemoFile(1, "现场询问录音.wav", "wav", "现场询问双方的录音（节选）", "辅警 李明", "和平街 15 号", 26),
)


def photo_png() -> bytes:
    """A ceiling with a water stain, drawn with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (236, 234, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 200, 320, 240), fill=(120, 110, 100))
    draw.ellipse((90, 50, 230, 140), fill=(196, 186, 160))
    draw.ellipse((120, 70, 200, 120), fill=(170, 158, 128))
    draw.line((160, 140, 160, 190), fill=(150, 160, 190), width=3)
    draw.text((8, 8), "QC demo evidence", fill=(60, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sketch_pdf() -> bytes:
    """A one-page PDF: two flats, one above the other, and the leaking pipe."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(page)
    draw.text((60, 50), "Scene sketch (demo) - flats 402 / 302", fill="black")
    draw.rectangle((100, 150, 495, 400), outline="black", width=3)
    draw.rectangle((100, 400, 495, 650), outline="black", width=3)
    draw.text((110, 160), "402", fill="black")
    draw.text((110, 410), "302", fill="black")
    draw.line((300, 330, 300, 470), fill="blue", width=5)
    draw.ellipse((260, 440, 340, 500), outline="blue", width=3)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=72.0)
    return buffer.getvalue()


def recording_wav(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """A short mono recording: two voices' worth of tones, like a phone's 8 kHz recorder."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        pitch = 220.0 if int(t * 2) % 2 == 0 else 330.0
        envelope = min(1.0, 4 * (t % 0.5)) * 0.4
        frames += struct.pack("<h", int(32767 * envelope * math.sin(2 * math.pi * pitch * t)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


MAKERS = {"png": photo_png, "pdf": sketch_pdf, "wav": recording_wav}


async def attach_demo_files(ctx: DemoContext) -> None:
    data_dir = ctx.data_dir
    if data_dir is None:
        logger.info("demo evidence skipped: the demo loader gave no data directory")
        return
    store = BlobStore(data_dir / "evidence")
    station, liaison = ctx.agencies["PS01"], ctx.users["liaison_ps01"]
    actor = audit.Actor(liaison, station)
    async with ctx.db.read() as s:
        cases = (
            await s.scalars(select(Case).where(Case.created_agency_id == station).order_by(Case.id).limit(2))
        ).all()
    for spec in FILES:
        if spec.case_index >= len(cases):
            continue
        blob = await store.put(MAKERS[spec.type_key]())
        meta = EvidenceMeta(
            description=spec.description,
            captured_at=ctx.now - timedelta(hours=spec.hours_ago),
            captured_by=spec.captured_by,
            captured_place=spec.captured_place,
        )
        received = Received(blob, sniff.TYPES[spec.type_key], spec.name, meta)
        outbox = Outbox()  # nobody listens while the demo loads
        async with ctx.db.write() as s:
            case = await s.get(Case, cases[spec.case_index].id)
            assert case is not None
            await attach(s, actor, case, received, None, outbox)
