"""What the recording peer (``rtc.peer``) reads in SDP and the errors it raises: whether a browser's
offer can be answered, which payload types an answer gave a codec, and the codecs it answers with.

The checks run before aiortc sees an offer, so a bad one is refused with a reason that never quotes
the SDP (it holds addresses, and errors get logged).
"""

from __future__ import annotations

from aiortc import RTCRtpCodecCapability, RTCRtpReceiver
from aiortc import sdp as aiortc_sdp


class RecordingPeerError(Exception):
    """Base of the recording peer's errors."""


class OfferRefused(RecordingPeerError):
    """The offer cannot be answered (malformed, no audio, no candidates, no common codec)."""


class IceRestartUnsupported(OfferRefused):
    """An ICE restart on the same browser connection: aiortc cannot; open a new connection instead."""


class PeerClosed(RecordingPeerError):
    """The peer was closed."""


def payload_types(answer_sdp: str, kind: str, mime_type: str) -> frozenset[int]:
    """The payload types the answer gives ``mime_type``, in its first ``kind`` section."""
    parsed = aiortc_sdp.SessionDescription.parse(answer_sdp)
    media = next((m for m in parsed.media if m.kind == kind), None)
    if media is None:
        return frozenset()
    return frozenset(
        c.payloadType
        for c in media.rtp.codecs
        if c.mimeType.lower() == mime_type and c.payloadType is not None
    )


def inspect_offer(offer_sdp: str) -> tuple[str, str]:
    """(ICE username fragment, DTLS fingerprint) of an acceptable offer, else ``OfferRefused``."""
    try:
        parsed = aiortc_sdp.SessionDescription.parse(offer_sdp)
    except Exception as exc:  # the parser raises whatever a malformed line makes it raise
        # Not the parser's message: it may quote the SDP (addresses), and errors get logged.
        raise OfferRefused(f"unreadable SDP ({type(exc).__name__})") from exc
    media = [m for m in parsed.media if m.kind in ("audio", "video")]
    if not any(m.kind == "audio" for m in media):
        raise OfferRefused("the offer has no audio")
    if not any(m.ice_candidates for m in parsed.media):
        raise OfferRefused("the offer has no ICE candidates: gather them before sending (no trickle)")
    first = media[0]
    fingerprints = first.dtls.fingerprints if first.dtls else []
    ufrag = first.ice.usernameFragment if first.ice else None
    if not ufrag or not fingerprints:
        raise OfferRefused("the offer has no ICE credentials or DTLS fingerprint")
    return ufrag, fingerprints[0].value.upper()


def audio_codecs() -> list[RTCRtpCodecCapability]:
    """aiortc's audio codecs with Opus first (PCMU/PCMA stay as a fallback)."""
    capabilities = RTCRtpReceiver.getCapabilities("audio")
    codecs = capabilities.codecs if capabilities else []
    return sorted(codecs, key=lambda c: c.mimeType.lower() != "audio/opus")


def vp8_codecs() -> list[RTCRtpCodecCapability]:
    """VP8 alone (what WebM holds; no RTX: the recorder sends no NACK)."""
    capabilities = RTCRtpReceiver.getCapabilities("video")
    return [c for c in (capabilities.codecs if capabilities else []) if c.mimeType.lower() == "video/vp8"]
