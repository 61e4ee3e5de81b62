"""Speaking time from the packets' RFC 6464 levels (hysteresis, hangover), and the packets' order
and places in the file."""

from __future__ import annotations

import pytest

from rtc.record_levels import LevelDetector
from rtc.record_ogg import SILENCE
from rtc.record_packets import PacketAligner, PacketOrder, Received
from rtc.vad import SpeechSegment

PACKET = 0.02


def segments(levels: list[int | None], detector: LevelDetector | None = None) -> list[SpeechSegment]:
    detector = detector or LevelDetector()
    found: list[SpeechSegment] = []
    for n, level in enumerate(levels):
        found += detector.feed(n * PACKET, (n + 1) * PACKET, level)
    return found + detector.finish()


QUIET, SPEECH, SOFT = 70, 30, 55  # -70 dBov noise, -30 dBov voice, -55 dBov: between the thresholds


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([QUIET] * 10 + [SPEECH] * 50 + [QUIET] * 30, [(0.2, 1.2)]),
        # a syllable's fall (between the thresholds) and a pause under 0.3 s stay inside
        (
            [QUIET] * 10 + [SPEECH] * 20 + [SOFT] * 20 + [QUIET] * 10 + [SPEECH] * 10 + [QUIET] * 30,
            [(0.2, 1.4)],
        ),
        # a pause of 0.3 s or more splits
        ([SPEECH] * 20 + [QUIET] * 15 + [SPEECH] * 20, [(0.0, 0.4), (0.7, 1.1)]),
        # soft sound alone never starts speech; two loud packets in five are not enough
        ([SOFT] * 50 + [SPEECH, QUIET, SPEECH, QUIET, QUIET] * 5, []),
        # onset: 3 loud of 5, starting at the first loud one
        ([QUIET, SPEECH, QUIET, SPEECH, SPEECH] + [SPEECH] * 10 + [QUIET] * 20, [(0.02, 0.3)]),
        # a click (three loud packets) is under the shortest segment
        ([QUIET] * 5 + [SPEECH] * 3 + [QUIET] * 30, []),
        # gaps (no level) are silence; speech running to the end is closed
        ([None] * 5 + [SPEECH] * 10, [(0.1, 0.3)]),
    ],
)
def test_speech_follows_the_levels_with_hysteresis(
    levels: list[int | None], expected: list[tuple[float, float]]
) -> None:
    assert [(s.start, s.end) for s in segments(levels)] == [pytest.approx(e) for e in expected]


def test_a_long_gap_closes_speech_at_its_last_voice_and_levels_are_counted() -> None:
    detector = LevelDetector()
    for n in range(10):
        detector.feed(n * PACKET, (n + 1) * PACKET, SPEECH)
    assert detector.speaking
    assert detector.feed(0.2, 5.2, None) == [SpeechSegment(0.0, 0.2)]  # five seconds of padding
    assert detector.levels_seen == 10
    with pytest.raises(ValueError):
        LevelDetector(on_dbov=-60, off_dbov=-50)


def packet(rtp_time: int, arrival: float, level: int | None = SPEECH) -> Received:
    return Received(b"\xfc" + bytes(40), 960, rtp_time, arrival, level)


def test_packets_are_put_in_order_and_duplicates_dropped() -> None:
    order = PacketOrder(ssrc=1, seq=65534, timestamp=2**32 - 960)
    out = []
    for seq, ts in ((65534, 2**32 - 960), (0, 960), (65535, 0), (65535, 0), (1, 1920), (2, 2880), (3, 3840)):
        out += order.push(seq, ts, packet(0, 0.0))
    out += order.flush()
    assert [p.rtp_time for p in out] == [0, 960, 1920, 2880, 3840, 4800]  # wrapped, reordered, once


def test_a_gap_becomes_silence_packets_and_an_overlap_is_dropped() -> None:
    aligner = PacketAligner()
    aligner.start(10.0)
    placed = aligner.push(packet(0, 10.02))
    placed += aligner.push(packet(960, 10.04))
    placed += aligner.push(packet(1920 + 48000, 11.06))  # after a second of lost packets
    placed += aligner.push(packet(1920 + 48000, 11.08))  # the same time again: dropped
    assert [(p.at, p.payload == SILENCE) for p in placed][:3] == [(0, False), (960, False), (1920, True)]
    assert placed[-1].at == 1920 + 48000 and len(placed) == 3 + 50
    assert (aligner.padded, aligner.cut, aligner.written) == (48000, 960, 1920 + 48000 + 960)
    assert [p.at for p in aligner.pad_to(13.0)][-1] == 3 * 48000 - 960  # idle: silence to now
