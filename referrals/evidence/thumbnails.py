"""Small previews of photo evidence for the case page: a JPEG at most ``SIZE`` pixels on its longer
side, made from the stored file on request (off the event loop: decoding is blocking work).

Only the formats Pillow reads without plug-ins get a preview (JPEG, PNG, GIF, WebP); a HEIC or
AVIF photo is listed by name. A preview is not the evidence: it is not recorded in the chain of
custody (a download of the file itself is).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps

SIZE = 240
PREVIEWED = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
MAX_PIXELS = 60_000_000  # a 60-megapixel photo is the largest a phone takes; more is a bomb


class NoPreview(Exception):
    """The file cannot be previewed (a format Pillow does not read, or a damaged image)."""


def has_preview(media_type: str) -> bool:
    return media_type in PREVIEWED


def thumbnail(path: Path, size: int = SIZE) -> bytes:
    """The preview as JPEG bytes; ``NoPreview`` if the image cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise NoPreview(f"{opened.width}×{opened.height} pixels")
                opened.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
                image = ImageOps.exif_transpose(opened)  # a phone's portrait photo stands up
                image.thumbnail((size, size))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NoPreview(str(exc)) from exc
    return out.getvalue()
