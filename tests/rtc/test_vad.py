"""Speech segments from a signal with a known pattern of speech and silence."""

from __future__ import annotations

import random
import wave
from functools import cache
from pathlib import Path

import pytest

from rtc.recorder import WavWriter
from rtc.vad import SpeechDetector, SpeechSegment, segments_from_wav
from tests.rtc.audio import noise, pattern_pcm, spans_from, speech

MARKS = [(0.5, 1.4), (2.0, 2.8), (3.5, 4.6)]
EDGE = 0.06  # two 30 ms frames


@cache
def pattern() -> bytes:
    return pattern_pcm(spans_from(MARKS, 5.2), seed=3)


def detect(pcm: bytes) -> list[SpeechSegment]:
    detector = SpeechDetector()
    return detector.feed(pcm) + detector.finish()


def test_it_finds_each_stretch_of_speech_to_a_frame_or_two() -> None:
    found = detect(pattern())
    assert len(found) == len(MARKS)
    for segment, (start, end) in zip(found, MARKS, strict=True):
        assert segment.start == pytest.approx(start, abs=EDGE)
        assert segment.end == pytest.approx(end, abs=EDGE)


def test_segments_come_out_as_they_close() -> None:
    detector = SpeechDetector()
    pcm = pattern()
    upto_first_gap = int(1.9 * 16000) * 2
    closed = detector.feed(pcm[:upto_first_gap])
    assert len(closed) == 1 and not detector.speaking
    assert detector.position == pytest.approx(1.89, abs=0.03)


def test_any_chunking_gives_the_same_segments() -> None:
    pcm = pattern()
    rnd = random.Random(5)
    detector = SpeechDetector()
    found: list[SpeechSegment] = []
    at = 0
    while at < len(pcm):
        size = rnd.randint(1, 3000)  # odd sizes too
        found += detector.feed(pcm[at : at + size])
        at += size
    found += detector.finish()
    assert found == detect(pcm)
    assert detector.segments == found


def test_finish_closes_speech_that_runs_to_the_end() -> None:
    pcm = noise(0.4).tobytes() + speech(1.0).tobytes()
    detector = SpeechDetector()
    assert detector.feed(pcm) == []
    assert detector.speaking
    [last] = detector.finish()
    assert last.start == pytest.approx(0.4, abs=EDGE)
    assert last.end == pytest.approx(1.4, abs=EDGE)


def test_a_blip_is_not_speech_and_a_short_pause_does_not_split_a_turn() -> None:
    blip = pattern_pcm(spans_from([(0.5, 0.56)], 1.5))
    assert detect(blip) == []
    paused = pattern_pcm(spans_from([(0.5, 1.2), (1.35, 2.0)], 2.6))
    [turn] = detect(paused)
    assert turn.start == pytest.approx(0.5, abs=EDGE)
    assert turn.end == pytest.approx(2.0, abs=EDGE)


def test_silence_and_background_noise_are_not_speech() -> None:
    assert detect(bytes(16000 * 2 * 3)) == []
    assert detect(noise(3.0).tobytes()) == []


def test_a_wav_file_gives_what_the_live_detector_gave(tmp_path: Path) -> None:
    writer = WavWriter(tmp_path / "a.wav")
    writer.write(pattern())
    writer.close()
    assert segments_from_wav(tmp_path / "a.wav") == detect(pattern())


def test_it_refuses_a_file_it_cannot_judge(tmp_path: Path) -> None:
    path = tmp_path / "8k.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(1600))
    with pytest.raises(ValueError, match="16000 Hz mono"):
        segments_from_wav(path)


def test_a_segment_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError):
        SpeechSegment(2.0, 1.0)
